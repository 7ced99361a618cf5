"""The compensation policy: restitution planned in advance, and the engine that applies it.

Seed 000 (Disney's late room) is the model: every problem has a remedy decided before it happens,
balancing money with a personal gesture. The policy is data (knowledge/compensation.yaml). Amounts
come only from it and from the transcript's context fields (order_value, currency, unit counts),
never from what the customer writes, so no demand or injected text can raise an offer. Only
the currency may follow the customer when the context names neither currency nor order value: a
Hebrew customer who wrote in shekels is offered shekels, at the policy's own rate.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from assistant.datafiles import read_yaml, validation_error
from assistant.i18n import LABELS, N_, Currency, Note, note
from assistant.knowledge.practices import Localized
from assistant.models import (
    Assessment,
    Compensation,
    CompensationKind,
    IssueType,
    Severity,
    Transcript,
)
from assistant.policy.case import Case, read_case
from assistant.policy.terms import (
    MAX_ORDER_VALUE,
    Amount,
    Approval,
    Condition,
    CurrencyCode,
    CurrencyRate,
    Money,
    Offer,
    Percent,
    PerUnit,
    finite,
)

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "knowledge" / "compensation.schema.json"


def _gesture_name_schema(schema: dict[str, Any]) -> None:
    """Editors should also accept a gesture name, which the policy replaces by its text."""
    schema["anyOf"].insert(0, {"type": "string", "description": "a name under `gestures`"})


class Remedy(BaseModel):
    """What to give: a kind, an amount formula (percent of order value + fixed + per unit) under
    a cap, a personal gesture in en/he/fa, when to offer it and when a supervisor approves."""

    model_config = ConfigDict(extra="forbid")

    kind: CompensationKind
    percent: Percent | None = None
    fixed: Amount | None = None
    per_unit: PerUnit | None = None
    # Reverse the sum in dispute in full: context.disputed_amount, else the first sum in the
    # case currency the customer wrote (a wrong charge is paid back whole, still under the cap).
    disputed: bool = False
    cap: Amount | None = None
    cap_percent: Percent | None = None
    gesture: Localized | None = Field(default=None, json_schema_extra=_gesture_name_schema)
    offer: Offer = "proactive"
    approval: Approval | None = None

    @field_validator("gesture", mode="before")
    @classmethod
    def _gesture_defined(cls, value: Any) -> Any:
        if isinstance(value, str):  # names the policy knows were already replaced by their text
            raise ValueError(f"unknown gesture {value!r}; define it under 'gestures' "
                             "or write en/he/fa text here")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Remedy:
        money = self.has_formula
        if self.kind == CompensationKind.none and (money or self.cap is not None):
            raise ValueError("kind 'none' takes no amount (percent, fixed, per_unit, cap)")
        if money and self.cap is None:
            raise ValueError("an amount (percent, fixed or per_unit) needs an absolute cap")
        if not money and (self.cap is not None or self.cap_percent is not None):
            raise ValueError("a cap needs an amount: percent, fixed or per_unit")
        return self

    @property
    def has_formula(self) -> bool:
        return self.disputed or any(p is not None
                                    for p in (self.percent, self.fixed, self.per_unit))

    def cap_for(self, case: Case) -> float | None:
        """The most this remedy may pay in this case, in its currency; None when no money."""
        if self.cap is None:
            return None
        caps = [case.money.convert(self.cap)]
        if self.cap_percent is not None and case.order_value is not None:
            caps.append(case.order_value * self.cap_percent / 100)
        return case.money.round(min(caps))

    def raw_amount(self, case: Case) -> float | None:
        """The formula before caps, in the case currency; None when nothing can be computed.
        Fixed and per-unit amounts are in the base currency; the order value already is not."""
        money = case.money
        parts = [money.convert(self.fixed)] if self.fixed is not None else []
        if self.percent is not None and case.order_value is not None:
            parts.append(case.order_value * self.percent / 100)
        if self.per_unit is not None:
            parts.append(money.convert(self.per_unit.amount) * self.per_unit.units(case.context))
        return sum(parts) if parts else None

    def formula(self, money: Money) -> str:
        return self.formula_note(money).render("en")

    def formula_note(self, money: Money) -> Note:
        """"10% of order value + 5.00 USD per night", kept to be said in the agent's language."""
        parts = ([note(N_("{percent}% of order value"), percent=self.percent)]
                 if self.percent is not None else [])
        if self.disputed:
            parts.append(note(N_("the disputed amount")))
        if self.fixed is not None:
            parts.append(note("{amount}", amount=money.sum(money.convert(self.fixed))))
        if self.per_unit is not None:
            per = money.sum(money.convert(self.per_unit.amount))
            parts.append(note(N_("{amount} per {unit}"), amount=per, unit=self.per_unit.unit))
        joined = parts[0] if parts else note("{amount}", amount="")
        for part in parts[1:]:
            joined = note(N_("{left} + {right}"), left=joined, right=part)
        return joined

    def cap_text(self, money: Money) -> str:
        if self.cap is None:
            return ""
        text = money.show(money.convert(self.cap))
        return text + (f" and {self.cap_percent:g}% of order value" if self.cap_percent else "")

    def gesture_in(self, language: str) -> str:
        return getattr(self.gesture, language, "") if self.gesture else ""


class Rule(Remedy):
    """A named exception tried before the matrix, e.g. a certificate per passenger for members."""

    id: str = Field(pattern=r"^[a-z0-9]+([._-][a-z0-9]+)*$")
    issue_types: list[IssueType] = Field(default_factory=list)
    severities: list[Severity] = Field(default_factory=list)
    when: Condition | None = None

    def matches(self, assessment: Assessment, facts: dict[str, Any]) -> bool:
        return (
            (not self.issue_types or assessment.remedy_issue in self.issue_types)
            and (not self.severities or assessment.severity in self.severities)
            and (self.when is None or self.when.holds(facts))
        )

    def scope(self) -> tuple[str, str]:
        issues = ", ".join(i.value for i in self.issue_types) or "any"
        return issues, ", ".join(s.value for s in self.severities) or "any"


@dataclass(frozen=True)
class Choice:
    policy_id: str
    remedy: Remedy
    why: Note


def _inline_gestures(data: Any) -> Any:
    """Replace gesture names in rules and matrix cells by their texts under `gestures`."""
    if not isinstance(data, dict) or not isinstance(data.get("gestures"), dict):
        return data
    named, data = data["gestures"], dict(data)

    def inline(remedy: Any) -> Any:
        name = remedy.get("gesture") if isinstance(remedy, dict) else None
        if isinstance(name, str) and name in named:
            return {**remedy, "gesture": named[name]}
        return remedy

    if isinstance(data.get("rules"), list):
        data["rules"] = [inline(rule) for rule in data["rules"]]
    if isinstance(data.get("matrix"), dict):
        data["matrix"] = {
            issue: {sev: inline(c) for sev, c in row.items()} if isinstance(row, dict) else row
            for issue, row in data["matrix"].items()
        }
    return data


class Policy(BaseModel):
    """The whole policy: named rules tried in order (first match wins), then the matrix cell for
    (issue_type, severity), falling back to the `other` row for issue types it does not list."""

    model_config = ConfigDict(extra="forbid")

    version: Literal[1] = 1
    name: str = "compensation policy"
    currency: CurrencyCode = "USD"
    currencies: dict[CurrencyCode, CurrencyRate] = Field(
        default_factory=dict, json_schema_extra={"additionalProperties": False})
    approval: Approval = Field(default_factory=Approval)
    gestures: dict[Annotated[str, Field(pattern=r"^[a-z0-9_]+$")], Localized] = Field(
        default_factory=dict)
    rules: list[Rule] = Field(default_factory=list)
    matrix: dict[IssueType, dict[Severity, Remedy]]

    @model_validator(mode="before")
    @classmethod
    def _named_gestures(cls, data: Any) -> Any:
        return _inline_gestures(data)

    @field_validator("matrix")
    @classmethod
    def _other_complete(cls, matrix: dict[IssueType, dict[Severity, Remedy]]) -> Any:
        missing = [s.value for s in Severity if s not in matrix.get(IssueType.other, {})]
        if missing:
            raise ValueError(f"the fallback row 'other' needs every severity; missing: {missing}")
        return matrix

    @field_validator("currencies")
    @classmethod
    def _base_rate_is_one(cls, rates: dict[str, CurrencyRate], info: ValidationInfo) -> Any:
        base = info.data.get("currency")
        if base in rates and rates[base].rate != 1:
            raise ValueError(f"the base currency {base} may be listed only with rate 1")
        return rates

    @property
    def base(self) -> Money:
        """The base currency, in which every fixed amount, cap and threshold is written."""
        entry = self.currencies.get(self.currency)
        return Money(self.currency, 1.0, entry.decimals if entry else 2, self.currency)

    def context_fields(self) -> list[str]:
        """The context fields beyond order value and currency that this policy reads (rules'
        conditions and per-unit counts), so an agent can fill them in."""
        paths = {remedy.per_unit.unit for remedy in self._remedies() if remedy.per_unit}
        paths |= {path for rule in self.rules if rule.when for path in _paths(rule.when)}
        names = {p.split(".", 2)[1] for p in paths if p.startswith("context.")}
        return sorted(names - {"order_value", "currency", "corrections"})

    def _remedies(self) -> list[Remedy]:
        return [*self.rules, *(r for cells in self.matrix.values() for r in cells.values())]

    def money_in(self, code: str) -> Money:
        """Amounts shown in `code` at the policy's rate (the base when it has none)."""
        rate = self.currencies.get(code)
        if rate is None or code == self.currency:
            return self.base
        return Money(code, rate.rate, rate.decimals, self.currency)

    def read_case(self, transcript: Transcript, assessment: Assessment | None = None) -> Case:
        return read_case(transcript, self.base, self.currencies, assessment)

    @field_validator("rules")
    @classmethod
    def _unique_ids(cls, rules: list[Rule]) -> list[Rule]:
        seen: set[str] = set()
        for rule in rules:
            if rule.id in seen:
                raise ValueError(f"duplicate rule id {rule.id!r}")
            seen.add(rule.id)
        return rules

    def choose(self, transcript: Transcript, assessment: Assessment) -> Choice:
        """The rule or matrix cell that applies to this case."""
        facts = {
            "customer": transcript.customer.model_dump(),
            "context": transcript.context,
            "assessment": assessment.model_dump(mode="json"),
        }
        for rule in self.rules:
            if rule.matches(assessment, facts):
                why = (note(N_("rule {rule} matched (eligible: {when})"), rule=rule.id,
                            when=rule.when.describe()) if rule.when
                       else note(N_("rule {rule} matched"), rule=rule.id))
                return Choice(rule.id, rule, why)
        issue, severity = assessment.remedy_issue, assessment.severity
        cell = f"{issue.value}.{severity.value}"
        if severity in self.matrix.get(issue, {}):
            return Choice(cell, self.matrix[issue][severity],
                          note(N_("matrix cell {cell} applies"), cell=cell))
        fallback = f"other.{severity.value}"
        return Choice(fallback, self.matrix[IssueType.other][severity],
                      note(N_("no cell for {cell}, so {fallback} applies"), cell=cell,
                           fallback=fallback))

    def max_amount(self, transcript: Transcript, assessment: Assessment) -> float | None:
        """The cap for this case (for guards); None when the remedy pays no money."""
        case = self.read_case(transcript, assessment)
        return self.choose(transcript, assessment).remedy.cap_for(case)

    def decide(self, transcript: Transcript, assessment: Assessment) -> Compensation:
        """The compensation for this case, from the policy and context fields only."""
        choice, case = self.choose(transcript, assessment), self.read_case(transcript, assessment)
        remedy, cap = choice.remedy, choice.remedy.cap_for(case)
        raw = remedy.raw_amount(case)
        if remedy.disputed:
            raw = _disputed(case, assessment)
        amount = None if raw is None or cap is None else min(case.money.round(raw), cap)
        gives = remedy.kind != CompensationKind.none
        approval = remedy.approval or self.approval  # an unknown amount is judged by its cap
        return Compensation(
            kind=remedy.kind,
            amount=amount,
            currency=case.currency if amount is not None else None,
            gesture=remedy.gesture_in(assessment.language),
            requires_approval=gives and approval.needed(cap if amount is None else amount,
                                                        assessment.severity, case.money),
            policy_id=choice.policy_id,
            rationale_notes=_rationale(choice, case, assessment, raw, amount, cap),
            offer_now=remedy.offer == "proactive" or assessment.asked_for_compensation,
        )

    def table(self) -> list[dict[str, str]]:
        """One row per rule (in the order tried) and per matrix cell, for a UI table."""
        rows = [self._row(rule.id, *rule.scope(), rule, rule.when) for rule in self.rules]
        for issue, cells in self.matrix.items():
            for severity, remedy in sorted(cells.items(), key=lambda c: list(Severity).index(c[0])):
                rows.append(self._row(f"{issue.value}.{severity.value}", issue.value,
                                      severity.value, remedy, None))
        return rows

    def _row(self, policy_id: str, issue: str, severity: str, remedy: Remedy,
             when: Condition | None) -> dict[str, str]:
        return {
            "policy_id": policy_id,
            "issue_type": issue,
            "severity": severity,
            "kind": remedy.kind.value,
            "amount": remedy.formula(self.base),
            "cap": remedy.cap_text(self.base),
            "gesture": remedy.gesture_in("en"),
            "approval": self._approval_text(remedy),
            "offer": remedy.offer,
            "conditions": when.describe() if when else "",
        }

    def _approval_text(self, remedy: Remedy) -> str:
        if remedy.kind == CompensationKind.none:
            return "not needed"
        return (remedy.approval or self.approval).describe(self.base)


def _paths(condition: Condition) -> set[str]:
    nested = [*(condition.any_ or []), *(condition.all_ or [])]
    return set(condition.tests) | {path for c in nested for path in _paths(c)}


def _disputed(case: Case, assessment: Assessment) -> float | None:
    """The sum in dispute, in the case currency: the context's, else the first sum the customer
    says was charged (never the sum they demand), else the order's value."""
    given = finite(case.context.get("disputed_amount"))
    if given is not None and 0 < given <= MAX_ORDER_VALUE:
        return given
    demanded = finite(assessment.demanded_amount)
    for amount in assessment.facts.amounts:
        value = finite(amount.amount)
        if (value and 0 < value <= MAX_ORDER_VALUE and value != demanded
                and amount.currency in (case.currency, "")):
            return value
    return case.order_value


def _rationale(choice: Choice, case: Case, assessment: Assessment, raw: float | None,
               amount: float | None, cap: float | None) -> list[Note]:
    """The clauses of one sentence (Compensation.explain joins them in the agent's language):
    which rule, at what severity, what it gives and why that much."""
    remedy, money = choice.remedy, case.money
    kind = note(LABELS.get(remedy.kind.value, remedy.kind.value))
    parts = [note(N_("{why} at severity {severity}"), why=choice.why,
                  severity=note(LABELS[assessment.severity.value]))]
    if remedy.kind == CompensationKind.none:
        parts.append(note(N_("no compensation beyond the personal gesture")))
    elif cap is None:
        parts.append(note(N_("{kind} with no monetary amount"), kind=kind))
    elif amount is None:
        parts.append(note(N_("{kind} of {formula}, order value unknown, so at most {cap}"),
                          kind=kind, formula=remedy.formula_note(money),
                          cap=money.sum(cap)))
    else:
        parts.append(_amount_clause(kind, remedy, money, raw, amount, cap))
    if cap is not None and money.rate != 1:
        parts.append(note(N_("policy amounts converted at {rate} {currency} per {base}"),
                          rate=money.rate, currency=Currency(code=money.currency),
                          base=Currency(code=money.base)))
    parts.append(_offer_text(remedy.offer, assessment.asked_for_compensation))
    demand = finite(assessment.demanded_amount)
    if demand is not None and demand > 0:
        parts.append(note(N_("the customer's demand of {demand} does not change the amount"),
                          demand=demand))
    return parts + case.notes


def _amount_clause(kind: Note, remedy: Remedy, money: Money, raw: float | None, amount: float,
                   cap: float) -> Note:
    formula = (remedy.formula_note(money)
               if remedy.percent or remedy.per_unit or remedy.disputed else "")
    over = raw is not None and money.round(raw) > cap
    msgid = {(False, False): N_("{kind} of {amount}"),
             (True, False): N_("{kind} of {amount} ({formula})"),
             (False, True): N_("{kind} of {amount}, capped at {cap}"),
             (True, True): N_("{kind} of {amount} ({formula}), capped at {cap}")}[
        (bool(formula), over)]
    return note(msgid, kind=kind, amount=money.sum(amount), formula=formula, cap=money.sum(cap))


def _offer_text(offer: Offer, asked: bool) -> Note:
    if offer == "proactive":
        return note(N_("offered proactively"))
    if asked:
        return note(N_("offered because the customer asked"))
    return note(N_("only on request, so not offered until the customer asks"))


def parse_policy(data: object, source: str) -> Policy:
    """Validate already-parsed policy data; errors name `source` and the dotted field."""
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        raise validation_error(Path(source), exc) from None


def load_policy(path: Path) -> Policy:
    """Read and validate a compensation policy file (YAML or JSON)."""
    return parse_policy(read_yaml(path), str(path))


def policy_schema_text() -> str:
    """The JSON schema of the policy format, as written to knowledge/compensation.schema.json."""
    schema = Policy.model_json_schema(by_alias=True)
    schema["title"] = "Complaint Coach compensation policy"
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":  # regenerate the schema for editors: python -m assistant.policy.engine
    SCHEMA_PATH.write_text(policy_schema_text(), encoding="utf-8")
