"""The facts of a conversation the policy may use: the order value and the currency from the
context fields only (sanitised), and, when the context names neither, the customer's currency."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from assistant.i18n import N_, Currency, Note, note
from assistant.models import Assessment, Transcript
from assistant.policy.terms import MAX_ORDER_VALUE, CurrencyRate, Money, finite


@dataclass(frozen=True)
class Case:
    """The facts of a conversation the policy may use: sanitised context numbers only, and the
    currency the remedy is paid in (the order value is always in that currency, or None)."""

    context: dict[str, Any]
    order_value: float | None
    money: Money
    notes: list[Note] = field(default_factory=list)

    @property
    def currency(self) -> str:
        return self.money.currency


def _order_value(context: dict[str, Any], notes: list[Note]) -> float | None:
    raw = context.get("order_value")
    order_value = finite(raw)
    if order_value is not None and not 0 <= order_value <= MAX_ORDER_VALUE:
        order_value = None
    if raw is not None and order_value is None:
        notes.append(note(N_("context order_value ignored as unusable")))
    return order_value


USUAL_CURRENCY = {"he": "ILS", "fa": "IRT"}  # what customers writing in them usually pay in


def customer_currency(assessment: Assessment, rates: dict[str, CurrencyRate]) -> str | None:
    """The currency of the first sum the customer wrote, else the one usual in their language,
    when the policy has a rate for it."""
    written = [a.currency.upper() for a in assessment.facts.amounts if a.currency]
    usual = USUAL_CURRENCY.get(assessment.language)
    return next((code for code in [*written, usual] if code in rates), None)


def read_case(transcript: Transcript, base: Money, rates: dict[str, CurrencyRate],
              assessment: Assessment | None = None) -> Case:
    """Order value and currency from the context; absurd values are dropped with a note. A
    currency the policy has no rate for is paid in the base currency, and its order value is
    not used, so base numbers never meet a foreign currency. A context with neither currency nor
    order value is paid in the customer's currency (`customer_currency`)."""
    context, notes = transcript.context, []
    order_value = _order_value(context, notes)
    raw = context.get("currency")
    if raw is None and order_value is None and assessment is not None:
        guessed = customer_currency(assessment, rates)
        if guessed and guessed != base.currency:
            notes.append(note(N_("paid in {currency}, the customer's currency, as the context "
                                 "names none"), currency=Currency(code=guessed)))
            raw = guessed
    code = raw.strip().upper() if isinstance(raw, str) else None
    if raw is None or code == base.currency:
        return Case(context, order_value, base, notes)
    if code in rates:
        rate = rates[code]
        money = Money(code, rate.rate, rate.decimals, base.currency)
        return Case(context, order_value, money, notes)
    known = bool(code and re.fullmatch(r"[A-Z]{3}", code))
    reason = (note(N_("no conversion rate for {code} in the policy"), code=Currency(code=code))
              if code and known else note(N_("context currency not understood")))
    notes.append(note(N_("{reason}, so the remedy is in {currency}, and the order value is not "
                         "used") if order_value is not None else
                      N_("{reason}, so the remedy is in {currency}"),
                      reason=reason, currency=Currency(code=base.currency)))
    return Case(context, None, base, notes)
