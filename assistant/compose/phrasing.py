"""knowledge/phrasing.yaml: the composer's own words in en, he and fa, checked at load.

Every template is checked for the placeholders its slot can fill, so a typo in the file is a
load error naming the field, never a broken reply. Money is written in each language's style.
"""

from __future__ import annotations

import re
import string
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from assistant.compose.durations import DurationReader, UnitName, digits_table
from assistant.datafiles import load_model
from assistant.models import CompensationKind, IssueType
from assistant.settings import data_dir

PHRASING_FILE = "phrasing.yaml"

# ---------------------------------------------------------------------------------------------
# The phrasing file's schema: every template is checked for the placeholders its slot can fill.

_FORMATTER = string.Formatter()


def placeholders(text: str) -> set[str]:
    """The `{names}` a template uses; malformed braces are a ValueError."""
    try:
        return {name for _, name, _, _ in _FORMATTER.parse(text) if name is not None}
    except ValueError as exc:
        raise ValueError(f"malformed placeholder in {text!r}: {exc}") from None


def _template(allowed: str = "", required: str = "", question: bool = False):
    """A str type that accepts only the given placeholders (and demands the required ones)."""
    may, must = set(allowed.split()) | set(required.split()), set(required.split())

    def check(text: str) -> str:
        names = placeholders(text)
        if unknown := names - may:
            raise ValueError(f"unknown placeholder {{{sorted(unknown)[0]}}} in {text!r}; "
                             f"allowed: {', '.join(sorted(may)) or 'none'}")
        if missing := must - names:
            raise ValueError(f"{text!r} must use the placeholder {{{sorted(missing)[0]}}}")
        if question and not text.rstrip().endswith(("?", "؟")):
            raise ValueError(f"{text!r} must be a question (end with ? or ؟)")
        return text

    return Annotated[str, Field(min_length=1), AfterValidator(check)]


def _variants(allowed: str = "", required: str = "", question: bool = False):
    """A non-empty list of templates; one must work without the optional {product}."""

    def plain_one(items: list[str]) -> list[str]:
        if "product" in allowed and all("product" in placeholders(t) for t in items):
            raise ValueError("add at least one variant without {product}")
        return items

    item = _template(allowed, required, question)
    return Annotated[list[item], Field(min_length=1), AfterValidator(plain_one)]


Plain = _variants()
Questions = _variants(allowed="product", question=True)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MoneyStyle(_Strict):
    decimals: Literal["always", "auto"]
    thousands: str
    decimal: str = Field(min_length=1)
    currencies: dict[Annotated[str, Field(pattern=r"^[A-Z]{3}$")], _template(required="amount")]
    other: _template(required="amount code")


class UnitWords(_Strict):
    read: list[str] = Field(min_length=1)
    one: str = Field(min_length=1)
    two: str | None = None
    many: _template(required="n")
    adjective: _template(required="n") | None = None
    numbers: list[str] | None = Field(default=None, min_length=11, max_length=11)


class HalfHour(_Strict):
    read: list[str] = Field(min_length=1)
    text: str = Field(min_length=1)
    adjective: str | None = None


class Durations(_Strict):
    """How a wait is read from customer text and written back (Hebrew duals, Persian digits)."""

    numbers: list[str] = Field(min_length=11, max_length=11)
    also_read: dict[str, int] = Field(default_factory=dict)
    not_after: list[str] = Field(default_factory=list)
    not_before: list[str] = Field(default_factory=list)  # "three months ago" is no wait
    prefixes: str = ""
    half_hour: HalfHour
    units: dict[UnitName, UnitWords]

    @field_validator("units")
    @classmethod
    def _all_units(cls, units: dict[str, UnitWords]) -> dict[str, UnitWords]:
        missing = [u for u in UnitName.__args__ if u not in units]
        if missing:
            raise ValueError(f"missing unit {missing[0]!r}")
        return units

    @cached_property
    def reader(self) -> DurationReader:
        return DurationReader.build(self)


class Greetings(_Strict):
    first: _variants(required="name")
    later: _variants(required="name")


class Acknowledgements(_Strict):
    default: _variants(required="problem")
    upset: _variants(required="problem")
    worried: _variants(required="problem")
    not_at_fault: _variants(required="problem")


class HarmAcknowledgements(_Strict):
    """The acknowledgement that names the harm in the customer's own words ({harm})."""

    default: _variants(required="harm")
    upset: _variants(required="harm")
    worried: _variants(required="harm")
    not_at_fault: _variants(required="harm")


class Apologies(_Strict):
    at_fault: Plain
    unknown: Plain


class Explanations(_Strict):
    at_fault: Plain
    unknown: Plain
    not_at_fault: Plain


class RemedyWords(_Strict):
    amount: _variants(allowed="product", required="amount")
    plain: _variants(allowed="product")
    offer_amount: _template(required="amount")
    offer_plain: _template()


class NextSteps(_Strict):
    after_remedy: Plain
    follow_up: Plain
    assured: Plain
    safety: Plain


class SafetyWords(_Strict):
    check: _variants(question=True)
    precaution: Plain
    medical: Plain
    # Words saying the product is no longer in use (eaten, drunk, thrown away): no precaution.
    used_up: list[str] = Field(min_length=1)


class IssueWords(_Strict):
    noun: _template()
    product: _template(required="product") | None = None
    duration: _template(allowed="duration duration_adj") | None = None
    product_duration: _template(allowed="duration duration_adj", required="product") | None = None
    question: Questions

    @field_validator("duration", "product_duration")
    @classmethod
    def _uses_duration(cls, text: str | None) -> str | None:
        if text is not None and not placeholders(text) & {"duration", "duration_adj"}:
            raise ValueError(f"{text!r} must use {{duration}} or {{duration_adj}}")
        return text


class LanguagePhrasing(_Strict):
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
    open_question: _variants(question=True)
    # Claims of a check or a completed action: kept out unless an agent turn made them.
    claim_markers: list[str] = Field(min_length=1)
    deescalate: Plain
    apology: Apologies
    recap: _variants(required="problem")
    listen: Plain
    listen_question: _variants(question=True)
    help: Plain
    explain: Explanations
    gesture: _variants(required="gesture")
    gesture_after_remedy: _variants(required="gesture")
    goodwill: str = Field(min_length=1)
    approval: _variants(required="offer")
    remedies: dict[CompensationKind, RemedyWords]
    assure: _variants(allowed="noun")
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


class Phrasing(_Strict):
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
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        stamp = None
    return _load_phrasing(path.resolve(), stamp)


@lru_cache(maxsize=8)
def _load_phrasing(path: Path, stamp: int | None) -> Phrasing:
    return load_model(path, Phrasing)


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


