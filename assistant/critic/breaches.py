"""Did the agent give away what the policy does not allow? Offers read from the agent's words,
held against the policy's decision for the conversation so far.

A strong agent still hands out certificates the policy forbids (τ-bench airline: 2 of 8 trials),
so replay and "Check my draft" compare every offer with the rule that applies: more than the cap,
anything where the rule allows nothing, an offer before the customer asked on an `on_request`
rule, or another kind or currency than the rule's. Amounts are never converted between
currencies: an offer in another currency is flagged, not guessed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, Field

from assistant.i18n import LABELS, N_, Note, Sum, note
from assistant.models import Assessment, Compensation, CompensationKind, Transcript
from assistant.policy.engine import Policy
from assistant.read.offers import MONEY_KINDS, Offer, OfferKind, same_remedy

BreachKind = Literal["over_cap", "not_allowed", "unprompted", "wrong_kind"]
_EPSILON = 0.005


class Terms(BaseModel):
    """A remedy's kind, amount and currency (contract §4 `offered` / `allowed`)."""

    amount: float | None = None
    currency: str | None = None
    kind: str


class BreachRecord(BaseModel):
    """An offer outside the policy as replay JSON carries it (contract §4 `policy_breach`)."""

    kind: BreachKind
    offered: Terms
    allowed: Terms | None
    rule: str


class PolicyBreach(BreachRecord):
    """A breach with the agent's words and the line the trainee reads."""

    quote: str
    reason: str = ""
    note: Note | None = Field(default=None, exclude=True)

    def model_post_init(self, context: Any, /) -> None:
        if self.note is not None and not self.reason:
            self.reason = self.note.render("en")

    def say(self, lang: str = "en") -> str:
        """The reason in the trainee's language (English when read back from JSON)."""
        return self.note.render(lang) if self.note else self.reason

    def record(self) -> BreachRecord:
        return BreachRecord(kind=self.kind, offered=self.offered, allowed=self.allowed,
                            rule=self.rule)


@dataclass(frozen=True)
class Allowance:
    """What the policy lets the agent give at this moment: the rule, its remedy, the most
    money (the decided amount, or the cap when the order value is unknown), and the order value
    a percentage is taken of."""

    kind: CompensationKind
    amount: float | None
    currency: str | None
    rule: str
    offer_now: bool = True
    order_value: float | None = None

    @classmethod
    def from_compensation(cls, comp: Compensation, *, cap: float | None = None,
                          order_value: float | None = None) -> Allowance:
        amount = comp.amount if comp.amount is not None else cap
        return cls(comp.kind, amount, comp.currency or None, comp.policy_id, comp.offer_now,
                   order_value)

    @classmethod
    def decide(cls, policy: Policy, transcript: Transcript, assessment: Assessment,
               compensation: Compensation | None = None) -> Allowance:
        """The policy's decision for `transcript`, with its cap and the case's order value."""
        comp = compensation or policy.decide(transcript, assessment)
        case = policy.read_case(transcript, assessment)
        cap = policy.max_amount(transcript, assessment)
        currency = comp.currency or (case.currency if cap is not None else None)
        allowance = cls.from_compensation(comp, cap=cap, order_value=case.order_value)
        return cls(allowance.kind, allowance.amount, currency, allowance.rule,
                   allowance.offer_now, allowance.order_value)

    @property
    def gives(self) -> bool:
        return self.kind != CompensationKind.none

    def terms(self) -> Terms | None:
        if not self.gives:
            return None
        return Terms(amount=self.amount, currency=self.currency, kind=self.kind.value)

    def describe(self) -> Note:
        if not self.gives:
            return note(N_("nothing"))
        kind = note(LABELS.get(self.kind.value, self.kind.value))
        if not self.amount:
            return kind
        return note(N_("{kind} of {amount}"), kind=kind,
                    amount=Sum(amount=self.amount, currency=self.currency))


def _offered(offer: Offer, allowance: Allowance) -> Terms:
    """The offer's terms; a percentage becomes money when the order value is known."""
    amount, currency = offer.amount, offer.currency
    if amount is None and offer.percent is not None and allowance.order_value is not None:
        amount, currency = offer.percent * allowance.order_value / 100, allowance.currency
    return Terms(amount=None if amount is None else round(amount, 2), currency=currency,
                 kind=offer.kind.value)


def _show(terms: Terms, offer: Offer) -> Note:
    what = note(LABELS.get(terms.kind, terms.kind))
    if offer.amount is not None:
        amount: Sum | Note = Sum(amount=offer.amount, currency=offer.currency)
    elif offer.percent is not None:
        amount = note(N_("{percent}%"), percent=offer.percent)
    else:
        return what
    return note(N_("{kind} of {amount}"), kind=what, amount=amount)


def check_offer(offer: Offer, allowance: Allowance) -> PolicyBreach | None:
    """The breach this offer makes, or None when the policy allows it. A gift without an
    amount is the personal gesture every remedy may carry, never a breach."""
    if offer.kind == OfferKind.gift and not offer.names_money:
        return None
    offered = _offered(offer, allowance)
    said, rule = _show(offered, offer), allowance.rule

    def breach(breach_kind: BreachKind, why: str, /, **params: Note | str) -> PolicyBreach:
        return PolicyBreach(kind=breach_kind, offered=offered, allowed=allowance.terms(), rule=rule,
                            quote=offer.quote,
                            note=note(N_("offered {said} — {why}"), said=said,
                                      why=note(why, rule=rule, **params)))

    allowed = allowance.describe()
    if not allowance.gives:
        return breach("not_allowed", N_("policy allows nothing here: rule {rule}"))
    if not allowance.offer_now:
        return breach("unprompted", N_("rule {rule} gives {allowed} only when the customer asks, "
                                       "and they had not asked"), allowed=allowed)
    unnamed = offer.kind == OfferKind.cash and not offer.names_money  # "we'll compensate you"
    if not unnamed and offer.kind.value not in same_remedy(allowance.kind.value):
        return breach("wrong_kind", N_("rule {rule} gives {allowed}, not {kind}"),
                      allowed=allowed, kind=note(LABELS.get(offer.kind.value, offer.kind.value)))
    if offered.currency and allowance.currency and offered.currency != allowance.currency:
        return breach("wrong_kind", N_("rule {rule} pays in {currency}, not {offered}; no "
                                       "exchange rate is assumed"),
                      currency=allowance.currency, offered=offered.currency)
    if offered.amount is not None and (allowance.amount is None
                                       or offered.amount > allowance.amount + _EPSILON):
        return breach("over_cap", N_("above what the policy allows (rule {rule}: {allowed})"),
                      allowed=allowed)
    return None


def check_offers(offers: list[Offer], allowance: Allowance) -> list[PolicyBreach]:
    """Every breach in one message: each offer on its own, then the money offers together
    ("a $30 credit and a $30 voucher" against a 40 USD cap)."""
    breaches = [b for o in offers if (b := check_offer(o, allowance))]
    if breaches or allowance.amount is None:
        return breaches
    money = [(o, _offered(o, allowance)) for o in offers if o.kind in MONEY_KINDS]
    paid = [(o, t) for o, t in money if t.amount is not None]
    total = sum(t.amount for _, t in paid if t.amount is not None)
    if len(paid) > 1 and total > allowance.amount + _EPSILON:
        last, terms = paid[-1]
        offered = Terms(amount=round(total, 2), currency=terms.currency, kind=terms.kind)
        breaches.append(PolicyBreach(
            kind="over_cap", offered=offered, allowed=allowance.terms(), rule=allowance.rule,
            quote=last.quote,
            note=note(N_("offered {amount} in all — above what the policy allows (rule {rule}: "
                         "{allowed})"), amount=Sum(amount=total, currency=terms.currency),
                      rule=allowance.rule, allowed=allowance.describe())))
    return breaches
