"""The coach's own words in the agent's language: one gettext catalogue, read by Babel.

Every sentence the coach says to an agent or a trainer is a msgid in English, marked with `_()`
or `N_()`; `assistant/locale/<lang>.po` holds the Hebrew and Persian. The .po files are read
directly (Babel's pofile reader), so there is no compile step to forget and the wheel bundles them
with the package. Customer and agent words are never translated: `quoted()` isolates them (Unicode
FSI…PDI) so a Hebrew quote inside an English line, or an English one inside Persian, keeps its
punctuation in place.
"""

from __future__ import annotations

import decimal
import re
import unicodedata
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_datetime
from babel.messages.pofile import read_po
from babel.numbers import (
    format_currency,
    format_decimal,
    format_percent,
    get_currency_name,
    get_currency_precision,
)
from pydantic import BaseModel, Field

UI_LANGUAGES = ("en", "he", "fa")
RTL_UI = ("he", "fa")
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
FSI, PDI = "\u2068", "\u2069"
UNLISTED_CURRENCIES = {"IRT": "toman"}  # the unit most Iranian customers quote: 10 rials


def N_(msgid: str) -> str:
    """Marks a msgid for the catalogue where it is translated later (tables, constants)."""
    return msgid


@lru_cache(maxsize=4)
def catalogue(lang: str) -> dict[str, str]:
    """msgid → translation for one language; English is the msgids themselves."""
    path = LOCALE_DIR / f"{lang}.po"
    if lang == "en" or not path.is_file():
        return {}
    with path.open("rb") as fh:
        return {m.id: m.string for m in read_po(fh, locale=lang)
                if m.id and isinstance(m.id, str) and m.string and not m.fuzzy}


def _(msgid: str, lang: str = "en", **params: Any) -> str:
    """`msgid` in `lang`, with `{name}` placeholders filled; numbers are formatted per locale."""
    text = catalogue(ui_language(lang)).get(msgid, msgid)
    if not params:
        return text
    return text.format(**{k: _param(v, lang) for k, v in params.items()})


def _param(value: Any, lang: str) -> Any:
    if isinstance(value, Note):
        return value.render(lang)
    if isinstance(value, Sum):
        return money(value.amount, value.currency, lang, value.decimals)
    if isinstance(value, Currency):
        return currency_name(value.code, lang)
    if isinstance(value, list):
        return _("; ", lang).join(_param(v, lang) for v in value)
    if isinstance(value, str):  # data inside a sentence: rule ids, amounts, names
        return value if _direction(value) in (None, text_dir(lang)) else isolate(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    return number(value, lang)


class Sum(BaseModel):
    """An amount kept as a number until it is shown, so each language writes it its own way."""

    amount: float
    currency: str | None = None
    decimals: int | None = None


class Currency(BaseModel):
    """A currency named in a sentence: its code in English, its own name in Hebrew and
    Persian ("USD" → "دلار آمریکا")."""

    code: str


class Note(BaseModel):
    """A sentence kept untranslated until it is shown: a msgid, its parameters, its quotes."""

    msgid: str
    params: dict[str, Note | Sum | Currency | list[Note] | str | float] = Field(
        default_factory=dict)
    quotes: list[str] = Field(default_factory=list)

    def render(self, lang: str = "en") -> str:
        quotes = {"quotes": "; ".join(quoted(q, lang) for q in self.quotes)} if self.quotes else {}
        return _(self.msgid, lang, **self.params, **quotes)


def note(msgid: str, quotes: list[str] | None = None,
         **params: Note | Sum | Currency | list[Note] | str | float) -> Note:
    return Note(msgid=msgid, params=params, quotes=quotes or [])


def isolate(text: str) -> str:
    """Customer or agent words as a bidi island: their direction never leaks into ours."""
    return f"{FSI}{text}{PDI}"


def quoted(text: str, lang: str = "en") -> str:
    """Quote marks of the trainer's language around the conversation's own words, isolated
    when their direction differs from the line's (English in English stays as it was)."""
    same = _direction(text) in (None, text_dir(lang))
    return _("“{quote}”", lang, quote=text if same else isolate(text))


def _direction(text: str) -> str | None:
    """The direction of the first strong character outside isolates, as the Unicode bidi
    algorithm sees it (an isolate is neutral to its surroundings)."""
    depth = 0
    for char in text:
        kind = unicodedata.bidirectional(char)
        depth += kind in ("FSI", "LRI", "RLI")
        depth -= kind == "PDI" and depth > 0
        if depth:
            continue
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return None


def ui_language(value: str | None, fallback: str = "en") -> str:
    """en, he or fa from a setting or a browser locale ("he-IL", "fa_IR", "iw"); else fallback."""
    if not value:
        return fallback
    code = value.replace("_", "-").split("-")[0].lower()
    code = {"iw": "he", "per": "fa", "fas": "fa", "heb": "he"}.get(code, code)
    return code if code in UI_LANGUAGES else fallback


def text_dir(lang: str) -> str:
    return "rtl" if ui_language(lang) in RTL_UI else "ltr"


def _locale(lang: str) -> Locale:
    return Locale.parse(ui_language(lang))


# Room for any float with its decimals (the default 28 digits fail on a demand of 1e26).
_WIDE = 400

# Babel picks the locale's separators (Persian ٬ and ٫) but leaves the digits Latin.
_DIGITS = {"arabext": str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")}


def _native(text: str, lang: str) -> str:
    return text.translate(_DIGITS.get(_locale(lang).default_numbering_system, {}))


def number(value: float, lang: str = "en", digits: int = 2) -> str:
    """1234.5 → "1,234.5" (en, he), "۱٬۲۳۴٫۵" (fa)."""
    fmt = "#,##0" + ("." + "#" * digits if digits else "")
    with decimal.localcontext(prec=_WIDE):
        text = format_decimal(value, fmt, locale=_locale(lang), numbering_system="default")
    return _native(text, lang)


def percent(score: float | None, lang: str = "en") -> str:
    if score is None:
        return "–"
    return _native(format_percent(score, locale=_locale(lang), numbering_system="default"), lang)


def money(amount: float, currency: str | None, lang: str = "en",
          decimals: int | None = None) -> str:
    """1234.5 USD → "$1,234.50" (en), "‏1,234.50 ‏$" (he), "‎$ ۱٬۲۳۴٫۵۰" (fa); `decimals` as the
    policy keeps them (0 for rials and tomans), else the currency's own."""
    if not currency:
        return number(amount, lang)
    if currency in UNLISTED_CURRENCIES:  # not in ISO 4217, so Babel has no name for it
        return _("{amount} {currency}", lang, amount=number(amount, lang, decimals or 0),
                 currency=_(UNLISTED_CURRENCIES[currency], lang))
    digits = get_currency_precision(currency) if decimals is None else decimals
    pattern = _locale(lang).currency_formats["standard"].pattern
    pattern = pattern.replace("0.00", "0" + ("." + "0" * digits if digits else ""))
    with decimal.localcontext(prec=_WIDE):
        text = format_currency(amount, currency, pattern, locale=_locale(lang),
                               currency_digits=False, numbering_system="default")
    return _native(_CODE_AGAINST_DIGIT.sub("\xa0", text), lang)


# CLDR's currency spacing, which Babel does not apply: a letter code never touches its number.
_CODE_AGAINST_DIGIT = re.compile(r"(?<=[A-Z]{3})(?=\d)|(?<=\d)(?=[A-Z]{3})")


def currency_name(code: str, lang: str = "en") -> str:
    """The code in English (what agents there read), the currency's name in Hebrew and Persian;
    a code Babel does not know stays a code."""
    if ui_language(lang) == "en" or not code:
        return code
    if code in UNLISTED_CURRENCIES:
        return _(UNLISTED_CURRENCIES[code], lang)
    return get_currency_name(code, locale=_locale(lang))


def when(moment: date | datetime, lang: str = "en") -> str:
    return format_datetime(moment, "medium", locale=_locale(lang))


# The product's own vocabulary: criterion, remedy, issue, channel, breach and role names shown to
# agents and trainers. Machine fields (JSON, CSV keys) keep the names; only what is shown changes.
LABELS: dict[str, str] = {
    "acknowledge": N_("acknowledge"), "apologize": N_("apologize"), "minimize": N_("minimize"),
    "excuse": N_("excuse"), "blame": N_("blame"), "ask": N_("ask"), "explain": N_("explain"),
    "restitution": N_("restitution"), "assure": N_("assure"), "next_step": N_("next step"),
    "timeliness": N_("timeliness"),
    "respond": N_("respond"), "listen": N_("listen"), "diagnose": N_("diagnose"),
    "resolve": N_("resolve"), "compensate": N_("compensate"), "follow_up": N_("follow up"),
    "refund": N_("refund"), "partial_refund": N_("partial refund"), "credit": N_("credit"),
    "discount": N_("discount"), "replacement": N_("replacement"), "repair": N_("repair"),
    "upgrade": N_("upgrade"), "gift": N_("gift"), "expedite": N_("expedite"),
    "waive_fee": N_("waive fee"), "cash": N_("cash"), "none": N_("nothing"),
    "delay": N_("delay"), "no_show": N_("no-show"), "defect": N_("defect"),
    "damage": N_("damage"), "billing_error": N_("billing error"), "wrong_item": N_("wrong item"),
    "outage": N_("outage"), "rude_staff": N_("rude staff"),
    "broken_promise": N_("broken promise"), "unreachable_support": N_("unreachable support"),
    "safety": N_("safety"), "privacy": N_("privacy"), "other": N_("other"),
    "chat": N_("chat"), "phone": N_("phone"), "social": N_("social"), "email": N_("email"),
    "over_cap": N_("over the cap"), "not_allowed": N_("not allowed"),
    "unprompted": N_("unprompted"), "wrong_kind": N_("wrong kind"),
    "customer": N_("customer"), "agent": N_("agent"),
    "low": N_("low"), "medium": N_("medium"), "high": N_("high"), "critical": N_("critical"),
    "en": N_("English"), "he": N_("Hebrew"), "fa": N_("Persian"),
    "calm": N_("calm"), "disappointed": N_("disappointed"), "worried": N_("worried"),
    "frustrated": N_("frustrated"), "angry": N_("angry"), "furious": N_("furious"),
    "public_post": N_("public post"), "legal_threat": N_("legal threat"), "churn": N_("churn"),
    "acknowledged": N_("acknowledged"), "apologized": N_("apologized"), "asked": N_("asked"),
    "explained": N_("explained"), "offered": N_("offered"), "assured": N_("assured"),
    "wrong_facts": N_("wrong facts"), "wrong_tone": N_("wrong tone"),
    "wrong_offer": N_("wrong offer"), "too_long": N_("too long"),
}


def label(name: object, lang: str = "en") -> str:
    """A product word in `lang`: "next_step" → "next step" / "הצעד הבא"; unknown names as is."""
    key = str(getattr(name, "value", name))
    return _(LABELS[key], lang) if key in LABELS else key.replace("_", " ")
