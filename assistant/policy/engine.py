"""The compensation policy: restitution planned in advance, and the engine that applies it.

Seed 000 (Disney's late room) is the model: every problem has a remedy decided before it happens,
balancing money with a personal gesture. The policy is data (knowledge/compensation.yaml). Amounts
come only from it and from the transcript's context fields (order_value, currency, unit counts),
never from what the customer writes, so no demand or injected text can raise an offer.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from assistant.datafiles import read_yaml, validation_error
from assistant.knowledge.practices import Localized
from assistant.models import (
    Assessment,
    Compensation,
    CompensationKind,
    IssueType,
    Severity,
    Transcript,
)

MAX_MONEY = 1_000_000.0
MAX_ORDER_VALUE = 1e9  # a context order value above this is nonsense and treated as missing
MAX_UNITS = 10_000
MAX_RATE = 1e9  # units of a currency per base unit; keeps converted caps finite and sane
SCHEMA_PATH = Path(__file__).resolve().parents[2] / "knowledge" / "compensation.schema.json"

Amount = Annotated[float, Field(ge=0, le=MAX_MONEY, allow_inf_nan=False)]
Percent = Annotated[float, Field(ge=0, le=100, allow_inf_nan=False)]
Finite = Annotated[float, Field(allow_inf_nan=False)]
CurrencyCode = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
Scalar = StrictStr | StrictInt | StrictFloat | StrictBool
Offer = Literal["proactive", "on_request"]
FIELD_PATH = re.compile(r"^(customer|context|assessment)(\.[A-Za-z0-9_]+)+$")
OPERATORS = ("in", "not_in", "eq", "ne", "gte", "lte", "exists")


def _finite(value: object) -> float | None:
    """A finite number from a JSON number or numeric string; anything else is None."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = float(value)
    except (ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def _same(actual: object, expected: object) -> bool:
    """Equality for conditions: booleans strictly, numbers by value, text case-insensitively."""
    if isinstance(expected, bool) or isinstance(actual, bool):
        return actual is expected
    if isinstance(expected, int | float):
        return _finite(actual) == expected
    if isinstance(expected, str) and isinstance(actual, str):
        return actual.strip().casefold() == expected.strip().casefold()
    return False


def _at_least(actual: object, bound: float) -> bool:
    number = _finite(actual)
    return number is not None and number >= bound


def _at_most(actual: object, bound: float) -> bool:
    number = _finite(actual)
    return number is not None and number <= bound


_CHECKS = {
    "in_": lambda actual, options: any(_same(actual, o) for o in options),
    "not_in": lambda actual, options: not any(_same(actual, o) for o in options),
    "eq": _same,
    "ne": lambda actual, expected: not _same(actual, expected),
    "gte": _at_least,
    "lte": _at_most,
}


def _resolve(facts: dict[str, Any], path: str) -> Any:
    """The value at a dotted path such as `context.cabin_class`; None when any step is missing."""
    value: Any = facts
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


class FieldTest(BaseModel):
    """Operators on one field, all of which must hold. Shorthand: a scalar means `eq`, a list
    means `in`. A missing field fails every test except `exists: false`, so eligibility is never
    granted on data the case does not have."""

    model_config = ConfigDict(extra="forbid")

    in_: list[Scalar] | None = Field(default=None, alias="in", min_length=1)
    not_in: list[Scalar] | None = Field(default=None, min_length=1)
    eq: Scalar | None = None
    ne: Scalar | None = None
    gte: Finite | None = None
    lte: Finite | None = None
    exists: bool | None = None

    @model_validator(mode="before")
    @classmethod
    def _expand(cls, data: Any) -> Any:
        if isinstance(data, list):
            return {"in": data}
        if data is None:
            raise ValueError("needs a value or an operator")
        if not isinstance(data, dict):
            return {"eq": data}
        unknown = sorted(str(key) for key in data if key not in OPERATORS)
        if unknown:
            raise ValueError(f"unknown operator {unknown[0]!r}; use one of {', '.join(OPERATORS)}")
        return data

    @model_validator(mode="after")
    def _has_operator(self) -> FieldTest:
        if all(getattr(self, name) is None for name in (*_CHECKS, "exists")):
            raise ValueError(f"needs an operator: one of {', '.join(OPERATORS)}")
        return self

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any) -> dict[str, Any]:
        scalar = {"type": ["string", "number", "boolean"]}
        return {"anyOf": [scalar, {"type": "array", "items": scalar}, handler(core_schema)]}

    def holds(self, value: Any) -> bool:
        if value is None:
            return self.exists is False and all(getattr(self, n) is None for n in _CHECKS)
        if self.exists is False:
            return False
        return all(
            check(value, operand)
            for name, check in _CHECKS.items()
            if (operand := getattr(self, name)) is not None
        )

    def describe(self, path: str) -> str:
        names = {"in_": "in", "eq": "=", "ne": "!=", "gte": ">=", "lte": "<=", "not_in": "not in"}
        parts = [f"{path} {names[n]} {_show(getattr(self, n))}" for n in names
                 if getattr(self, n) is not None]
        if self.exists is not None:
            parts.append(f"{path} {'exists' if self.exists else 'is missing'}")
        return " and ".join(parts)


def _show(value: object) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if isinstance(value, bool):
        return json.dumps(value)
    return f"{value:g}" if isinstance(value, float) else str(value)


class Condition(BaseModel):
    """Eligibility: tests on dotted fields (`customer.tier: [silver, gold]`), plus `any:` and
    `all:` lists of nested conditions. Everything written must hold."""

    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, FieldTest] = Field(init=False)

    any_: list[Condition] | None = Field(default=None, alias="any", min_length=1)
    all_: list[Condition] | None = Field(default=None, alias="all", min_length=1)

    @model_validator(mode="after")
    def _known_fields(self) -> Condition:
        for path in self.tests:
            if not FIELD_PATH.match(path):
                raise ValueError(f"unknown condition field {path!r}: write a dotted path under "
                                 "customer., context. or assessment.")
        if not (self.tests or self.any_ or self.all_):
            raise ValueError("empty condition")
        return self

    @property
    def tests(self) -> dict[str, FieldTest]:
        return self.__pydantic_extra__ or {}

    def holds(self, facts: dict[str, Any]) -> bool:
        return (
            all(test.holds(_resolve(facts, path)) for path, test in self.tests.items())
            and (self.any_ is None or any(c.holds(facts) for c in self.any_))
            and (self.all_ is None or all(c.holds(facts) for c in self.all_))
        )

    def describe(self) -> str:
        parts = [test.describe(path) for path, test in self.tests.items()]
        if self.any_:
            parts.append("any of (" + "; ".join(c.describe() for c in self.any_) + ")")
        if self.all_:
            parts.append("all of (" + "; ".join(c.describe() for c in self.all_) + ")")
        return " and ".join(parts)


class PerUnit(BaseModel):
    """An amount per unit (passenger, night), the count read from a context field."""

    model_config = ConfigDict(extra="forbid")

    amount: Amount
    unit: str = Field(pattern=r"^context(\.[A-Za-z0-9_]+)+$")
    default: int = Field(default=1, ge=0, le=MAX_UNITS)

    def units(self, context: dict[str, Any]) -> int:
        """Whole units from the context; missing or absurd values give `default`."""
        number = _finite(_resolve({"context": context}, self.unit))
        if number is None or number < 0:
            return self.default
        return min(math.floor(number), MAX_UNITS)


class Approval(BaseModel):
    """When a supervisor must approve: an amount above `above`, a listed severity, or always."""

    model_config = ConfigDict(extra="forbid")

    above: Amount | None = None
    severities: list[Severity] = Field(default_factory=list)
    always: bool = False

    def needed(self, amount: float | None, severity: Severity, money: Money) -> bool:
        """`amount` is in the case currency, so the threshold is converted to it first."""
        over = (amount is not None and self.above is not None
                and amount > money.convert(self.above))
        return self.always or over or severity in self.severities

    def describe(self, money: Money) -> str:
        if self.always:
            return "always"
        above = None if self.above is None else money.convert(self.above)
        parts = [f"above {money.show(above)}"] if above is not None else []
        if self.severities:
            parts.append("when " + "/".join(s.value for s in self.severities))
        return " or ".join(parts) or "never"


class CurrencyRate(BaseModel):
    """What one unit of the policy's base currency is worth in another currency, and how many
    decimals its amounts keep (2 for cents, 0 for rials). Shorthand: a bare number is the rate."""

    model_config = ConfigDict(extra="forbid")

    rate: Annotated[float, Strict(), Field(gt=0, le=MAX_RATE, allow_inf_nan=False)]
    decimals: Annotated[int, Strict(), Field(ge=0, le=3)] = 2

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, data: Any) -> Any:
        return data if isinstance(data, dict) else {"rate": data}

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: Any, handler: Any) -> dict[str, Any]:
        rate = {"type": "number", "exclusiveMinimum": 0, "maximum": MAX_RATE}
        return {"anyOf": [rate, handler(core_schema)]}


@dataclass(frozen=True)
class Money:
    """The currency a remedy is paid in: base amounts times `rate`, rounded to `decimals`."""

    currency: str
    rate: float = 1.0
    decimals: int = 2
    base: str = ""  # the policy currency the rate converts from

    def convert(self, base_amount: float) -> float:
        return base_amount * self.rate

    def round(self, value: float) -> float:
        return float(round(value, self.decimals))

    def show(self, value: float) -> str:
        return f"{value:,.{self.decimals}f} {self.currency}"


@dataclass(frozen=True)
class Case:
    """The facts of a conversation the policy may use: sanitised context numbers only, and the
    currency the remedy is paid in (the order value is always in that currency, or None)."""

    context: dict[str, Any]
    order_value: float | None
    money: Money
    notes: list[str] = field(default_factory=list)

    @property
    def currency(self) -> str:
        return self.money.currency


def _order_value(context: dict[str, Any], notes: list[str]) -> float | None:
    raw = context.get("order_value")
    order_value = _finite(raw)
    if order_value is not None and not 0 <= order_value <= MAX_ORDER_VALUE:
        order_value = None
    if raw is not None and order_value is None:
        notes.append("context order_value ignored as unusable")
    return order_value


def read_case(transcript: Transcript, base: Money, rates: dict[str, CurrencyRate]) -> Case:
    """Order value and currency from the context; absurd values are dropped with a note. A
    currency the policy has no rate for is paid in the base currency, and its order value is
    not used, so base numbers never meet a foreign currency."""
    context, notes = transcript.context, []
    order_value = _order_value(context, notes)
    raw = context.get("currency")
    code = raw.strip().upper() if isinstance(raw, str) else None
    if raw is None or code == base.currency:
        return Case(context, order_value, base, notes)
    if code in rates:
        rate = rates[code]
        money = Money(code, rate.rate, rate.decimals, base.currency)
        return Case(context, order_value, money, notes)
    shown = code if code and re.fullmatch(r"[A-Z]{3}", code) else "context currency"
    reason = (f"no conversion rate for {shown} in the policy" if shown == code
              else "context currency not understood")
    dropped = ", and the order value is not used" if order_value is not None else ""
    notes.append(f"{reason}, so the remedy is in {base.currency}{dropped}")
    return Case(context, None, base, notes)


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
        parts = [f"{self.percent:g}% of order value"] if self.percent is not None else []
        if self.disputed:
            parts.append("the disputed amount")
        if self.fixed is not None:
            parts.append(money.show(money.convert(self.fixed)))
        if self.per_unit is not None:
            per = money.show(money.convert(self.per_unit.amount))
            parts.append(f"{per} per {self.per_unit.unit}")
        return " + ".join(parts)

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
            (not self.issue_types or assessment.issue_type in self.issue_types)
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
    why: str


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

    def read_case(self, transcript: Transcript) -> Case:
        return read_case(transcript, self.base, self.currencies)

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
                eligible = f" (eligible: {rule.when.describe()})" if rule.when else ""
                return Choice(rule.id, rule, f"rule {rule.id} matched{eligible}")
        issue, severity = assessment.issue_type, assessment.severity
        cell = f"{issue.value}.{severity.value}"
        if severity in self.matrix.get(issue, {}):
            return Choice(cell, self.matrix[issue][severity], f"matrix cell {cell} applies")
        fallback = f"other.{severity.value}"
        return Choice(fallback, self.matrix[IssueType.other][severity],
                      f"no cell for {cell}, so {fallback} applies")

    def max_amount(self, transcript: Transcript, assessment: Assessment) -> float | None:
        """The cap for this case (for guards); None when the remedy pays no money."""
        case = self.read_case(transcript)
        return self.choose(transcript, assessment).remedy.cap_for(case)

    def decide(self, transcript: Transcript, assessment: Assessment) -> Compensation:
        """The compensation for this case, from the policy and context fields only."""
        choice, case = self.choose(transcript, assessment), self.read_case(transcript)
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
            rationale=_rationale(choice, case, assessment, raw, amount, cap),
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


def _disputed(case: Case, assessment: Assessment) -> float | None:
    """The sum in dispute, in the case currency: the context's, else the first sum the customer
    says was charged (never the sum they demand), else the order's value."""
    given = _finite(case.context.get("disputed_amount"))
    if given is not None and 0 < given <= MAX_ORDER_VALUE:
        return given
    demanded = _finite(assessment.demanded_amount)
    for amount in assessment.facts.amounts:
        value = _finite(amount.get("amount"))
        if (value and 0 < value <= MAX_ORDER_VALUE and value != demanded
                and amount.get("currency") in (case.currency, "")):
            return value
    return case.order_value


def _rationale(choice: Choice, case: Case, assessment: Assessment, raw: float | None,
               amount: float | None, cap: float | None) -> str:
    """One English sentence: which rule, at what severity, what it gives and why that much."""
    remedy, money = choice.remedy, case.money
    parts = [f"{choice.why[0].upper()}{choice.why[1:]} at severity {assessment.severity.value}"]
    if remedy.kind == CompensationKind.none:
        parts.append("no compensation beyond the personal gesture")
    elif cap is None:
        parts.append(f"{remedy.kind.value} with no monetary amount")
    elif amount is None:
        parts.append(f"{remedy.kind.value} of {remedy.formula(money)}, order value unknown, "
                     f"so at most {money.show(cap)}")
    else:
        formula = (f" ({remedy.formula(money)})"
                   if remedy.percent or remedy.per_unit or remedy.disputed else "")
        over = raw is not None and money.round(raw) > cap
        capped = f", capped at {money.show(cap)}" if over else ""
        parts.append(f"{remedy.kind.value} of {money.show(amount)}{formula}{capped}")
    if cap is not None and money.rate != 1:
        parts.append(f"policy amounts converted at {money.rate:,g} {money.currency} "
                     f"per {money.base}")
    parts.append(_offer_text(remedy.offer, assessment.asked_for_compensation))
    demand = _finite(assessment.demanded_amount)
    if demand is not None and demand > 0:
        parts.append(f"the customer's demand of {demand:.2f} does not change the amount")
    return "; ".join(parts + case.notes) + "."


def _offer_text(offer: Offer, asked: bool) -> str:
    if offer == "proactive":
        return "offered proactively"
    if asked:
        return "offered because the customer asked"
    return "only on request, so not offered until the customer asks"


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
