"""knowledge/phrasing.yaml: the composer's own words in en, he and fa, checked at load.

Every template is checked for the placeholders its slot can fill, so a typo in the file is a
load error naming the field, never a broken reply. Money is written in each language's style.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator

from assistant.compose.durations import Durations, digits_table
from assistant.compose.templates import Plain, Questions, Strict, placeholders, template, variants
from assistant.datafiles import load_cached, load_model
from assistant.models import CompensationKind, IssueType
from assistant.settings import data_dir

PHRASING_FILE = "phrasing.yaml"

class MoneyStyle(Strict):
    decimals: Literal["always", "auto"]
    thousands: str
    decimal: str = Field(min_length=1)
    currencies: dict[Annotated[str, Field(pattern=r"^[A-Z]{3}$")], template(required="amount")]
    other: template(required="amount code")


class Greetings(Strict):
    first: variants(required="name")
    later: variants(required="name")


class Acknowledgements(Strict):
    default: variants(required="problem")
    upset: variants(required="problem")
    worried: variants(required="problem")
    not_at_fault: variants(required="problem")


class HarmAcknowledgements(Strict):
    """The acknowledgement that names the harm in the customer's own words ({harm})."""

    default: variants(required="harm")
    upset: variants(required="harm")
    worried: variants(required="harm")
    not_at_fault: variants(required="harm")
    # Only for a reply over its channel's budget: the quote itself shows we listened, so the
    # words about the feeling go before the assurance or the next step does.
    brief: variants(required="harm")
    # A question or a demand, quoted as the customer wrote it ("better find a way to get me
    # home" cannot be turned to "you" after "I understand —").
    quoted: variants(required="harm")


class Apologies(Strict):
    at_fault: Plain
    unknown: Plain


class Explanations(Strict):
    at_fault: Plain
    unknown: Plain
    not_at_fault: Plain


class RemedyWords(Strict):
    amount: variants(allowed="product", required="amount")
    plain: variants(allowed="product")
    # Said instead when what is remedied is baggage lost in our hands: it is traced, and the
    # remedy pays for what its owner needs meanwhile.
    baggage: variants(allowed="amount product") | None = None
    offer_amount: template(required="amount")
    offer_plain: template()


class NextSteps(Strict):
    after_remedy: Plain
    follow_up: Plain
    assured: Plain
    safety: Plain


class SafetyWords(Strict):
    check: variants(question=True)
    precaution: Plain
    medical: Plain
    # Words saying the product is no longer in use (eaten, drunk, thrown away): no precaution.
    used_up: list[str] = Field(min_length=1)


class IssueWords(Strict):
    noun: template()
    product: template(required="product") | None = None
    duration: template(allowed="duration duration_adj") | None = None
    product_duration: template(allowed="duration duration_adj", required="product") | None = None
    question: Questions

    @field_validator("duration", "product_duration")
    @classmethod
    def _uses_duration(cls, text: str | None) -> str | None:
        if text is not None and not placeholders(text) & {"duration", "duration_adj"}:
            raise ValueError(f"{text!r} must use {{duration}} or {{duration_adj}}")
        return text


class LanguagePhrasing(Strict):
    """Everything the composer says in one language."""

    digits: str = Field(min_length=10, max_length=10)
    money: MoneyStyle
    durations: Durations
    greeting: Greetings
    acknowledge: Acknowledgements
    acknowledge_harm: HarmAcknowledgements
    # How the customer's words are turned to address them (en: my → your); whole words.
    flip: dict[str, str] = Field(default_factory=dict)
    # A public reply moves the conversation to a private channel.
    private_channel: Plain
    # When the reading is unsure (issue `other`) and the customer has told their story: one
    # open question about what would put it right, never a re-ask of what happened.
    open_question: variants(question=True)
    # Claims of a check or a completed action: kept out unless an agent turn made them.
    claim_markers: list[str] = Field(min_length=1)
    deescalate: Plain
    # A customer who says they are leaving: why they should stay, said once.
    stay: Plain
    also: variants(required="noun")  # a second problem they named
    apology: Apologies
    recap: variants(required="problem")
    listen: Plain
    listen_question: variants(question=True)
    help: Plain
    explain: Explanations
    gesture: variants(required="gesture")
    gesture_after_remedy: variants(required="gesture")
    goodwill: str = Field(min_length=1)
    approval: variants(required="offer")
    remedies: dict[CompensationKind, RemedyWords]
    assure: variants(allowed="noun")
    next_step: NextSteps
    safety: SafetyWords
    closing: Plain
    fault_markers: list[str] = Field(min_length=1)
    apology_markers: list[str] = Field(min_length=1)
    dismissive_thanks: list[str] = Field(min_length=1)
    titles: list[str] = Field(min_length=1)
    issues: dict[IssueType, IssueWords]

    @field_validator("remedies")
    @classmethod
    def _every_remedy(cls, remedies: dict) -> dict:
        missing = [k.value for k in CompensationKind if k != CompensationKind.none
                   and k not in remedies]
        if missing:
            raise ValueError(f"missing compensation kind {missing[0]!r}")
        return remedies

    @field_validator("issues")
    @classmethod
    def _every_issue(cls, issues: dict) -> dict:
        missing = [t.value for t in IssueType if t not in issues]
        if missing:
            raise ValueError(f"missing issue type {missing[0]!r}")
        return issues


class Phrasing(Strict):
    """knowledge/phrasing.yaml: the composer's glue in en, he and fa."""

    instruction_words: list[str] = Field(min_length=1)
    en: LanguagePhrasing
    he: LanguagePhrasing
    fa: LanguagePhrasing

    def words(self, language: str) -> LanguagePhrasing:
        return getattr(self, language if language in ("en", "he", "fa") else "en")


def load_phrasing(path: Path | None = None) -> Phrasing:
    """The phrasing file (default: the shipped knowledge/phrasing.yaml); reloaded when it
    changes. The coach passes its settings' file; the default serves tools and tests."""
    path = Path(path or data_dir("knowledge") / PHRASING_FILE)
    return load_cached(path.resolve(), load_model, Phrasing)


# ---------------------------------------------------------------------------------------------
# Money, written the same way everywhere.


def format_money(amount: float, currency: str | None, language: str,
                 phrasing: Phrasing | None = None) -> str:
    """An amount as replies write it: "$40.00", "40 \u200fדולר", "۴۰ دلار"."""
    words = (phrasing or load_phrasing()).words(language)
    style = words.money
    cents = int((Decimal(str(amount)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    whole, frac = divmod(cents, 100)
    number = f"{whole:,}".replace(",", "\0")
    if style.decimals == "always" or frac:
        number += f"\1{frac:02d}"
    number = number.translate(digits_table(words.digits)).replace("\0", style.thousands)
    number = number.replace("\1", style.decimal)
    code = (currency or "").strip().upper()
    if code in style.currencies:
        return style.currencies[code].format(amount=number)
    code = code if re.fullmatch(r"[A-Z]{3}", code) else ""
    return style.other.format(amount=number, code=code).strip()


