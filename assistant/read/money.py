"""The one money reader: every sum of money and every percentage a text names, with where it
stands.

Digits in Latin, Persian and Arabic-Indic scripts with `,` `.` `٬` `٫` separators in either
convention ("$1,250.50", "210.000 €", "۲۱۰٬۰۰۰ تومان"), spelled-out numbers ("five thousand
dollars", "חמישים שקל", "پنجاه هزار تومان") and percentages ("20%", "۵۰ درصد"). Currencies and
multipliers come from the lexicon (knowledge/signals.yaml), the words for numbers and percent
from knowledge/offers.yaml beside it, so a company extends both without code. The assessment
reads a customer's sums with it, the critic a reply's, and the offer reader an offer's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from assistant.datafiles import knowledge_file, load_cached, load_model
from assistant.models import LANGUAGES
from assistant.read.language import Folded, fold
from assistant.read.lexicon import CompiledLexicon, get_lexicon

OFFERS_FILE = "offers.yaml"  # the words for numbers and percent live with the offer words
_DIGITS = r"\d{1,3}(?:[,.]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?"

Cues = Annotated[list[str], Field(default_factory=list)]
Values = dict[str, Annotated[float, Field(ge=0)]]


class LanguageCues(BaseModel):
    model_config = ConfigDict(extra="forbid")
    en: Cues
    he: Cues
    fa: Cues


class NumberWords(BaseModel):
    model_config = ConfigDict(extra="forbid")
    en: Values
    he: Values
    fa: Values


class MoneyWords(BaseModel):
    """The part of knowledge/offers.yaml money is read with (the offer reader validates the
    whole file)."""

    model_config = ConfigDict(extra="ignore")
    percent: LanguageCues
    number_words: NumberWords


@dataclass(frozen=True)
class Money:
    """A sum or a percentage in the text: "$150", "پنجاه هزار تومان", "20%". `currency` is an
    ISO code (None for a percentage); `start`/`end` are positions in the folded text,
    `quote` the original words."""

    value: float
    currency: str | None
    percent: bool
    start: int
    end: int
    quote: str


class MoneyReader:
    """The money pattern compiled once from the lexicon's currencies and multipliers and the
    words for numbers and percent."""

    def __init__(self, signals: CompiledLexicon, number_words: NumberWords,
                 percent: LanguageCues) -> None:
        self.signals = signals
        self.words = {fold(w).text: v for lang in LANGUAGES
                      for w, v in getattr(number_words, lang).items()}
        self.pattern = _money_pattern(signals, self.words, percent)


def _alternation(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) or "(?!)"


def _money_pattern(signals: CompiledLexicon, words: dict[str, float],
                   percent: LanguageCues) -> re.Pattern[str]:
    currency = "|".join(p.pattern for p in signals.currencies.values())
    word = _alternation(list(words))
    spelled = (rf"(?<!\w)ו?(?:{word})(?!\w)"
               rf"(?:[\s\-]+(?:and[\s\-]+|و[\s\-]*)?ו?(?:{word})(?!\w))*")
    multiplier = _alternation([fold(w).text for w in signals.multipliers])
    pct = "|".join(re.escape(fold(c).text) for lang in LANGUAGES
                   for c in getattr(percent, lang)) or "(?!)"
    return re.compile(
        rf"(?:(?<![^\W\d_])(?P<pre>{currency})\s?)?"
        rf"(?:(?<![\d.,])(?P<num>{_DIGITS})(?![\d])|(?P<words>{spelled}))"
        rf"(?:\s*(?P<mult>{multiplier})(?!\w))?"
        rf"(?:\s*(?P<post>{currency})|\s*(?P<pct>{pct}))?")


def _build(path: Path, signals: CompiledLexicon) -> MoneyReader:
    words = load_model(path, MoneyWords)
    return MoneyReader(signals, words.number_words, words.percent)


def money_reader(signals: CompiledLexicon | None = None, path: Path | None = None
                 ) -> MoneyReader:
    """The reader for text read with `signals`: its currencies, and the number words of the
    offers file at `path` (default: beside it, else the shipped one); cached until it changes."""
    signals = signals or get_lexicon()
    path = path or knowledge_file(signals.knowledge_dir, OFFERS_FILE)
    return load_cached(path, _build, signals)


def parse_number(digits: str) -> float:
    """Digits with thousands and decimal separators in either convention: "1,250.50",
    "1.250,50", "210.000" (a lone separator followed by exactly three digits groups them)."""
    if "," in digits and "." in digits:
        decimal = "," if digits.rfind(",") > digits.rfind(".") else "."
        grouping = "." if decimal == "," else ","
        return float(digits.replace(grouping, "").replace(decimal, "."))
    for sep in (",", "."):
        if sep in digits:
            parts = digits.split(sep)
            if len(parts) > 2 or len(parts[-1]) == 3:
                return float(digits.replace(sep, ""))
            return float(digits.replace(sep, "."))
    return float(digits)


def spelled_number(text: str, words: dict[str, float]) -> float:
    """ "two hundred and fifty" → 250, "חמשת אלפים" → 5000, "صد و پنجاه" → 150."""
    total = current = 0.0
    for token in re.findall(r"\w+", text):
        if token not in words and token.startswith("ו"):
            token = token[1:]
        if token not in words:
            continue  # "and", "و"
        value = words[token]
        if value == 100:
            current = max(current, 1) * 100
        elif value >= 1000:
            total += max(current, 1) * value
            current = 0
        else:
            current += value
    return total + current


def read_money(text: str | Folded, reader: MoneyReader | None = None) -> list[Money]:
    """Every sum with a currency and every percentage in `text`, in reading order; bare
    numbers are left out (a flight number, three passengers). Money reads the same in every
    script, so no language is needed."""
    reader = reader or money_reader()
    if isinstance(text, Folded):
        return list(_sums(text, reader))
    return list(_sums_of(text, reader))


@lru_cache(maxsize=4096)  # replay and its checks read the same replies and turns every turn
def _sums_of(text: str, reader: MoneyReader) -> tuple[Money, ...]:
    return _sums(fold(text), reader)


def _sums(folded: Folded, reader: MoneyReader) -> tuple[Money, ...]:
    found = []
    for match in reader.pattern.finditer(folded.text):
        sign, pct = match.group("pre") or match.group("post"), match.group("pct")
        if sign or pct:
            found.append(_money(match, sign, pct, reader, folded))
    return tuple(found)


def _money(match: re.Match[str], sign: str | None, pct: str | None, reader: MoneyReader,
           folded: Folded) -> Money:
    if match.group("num"):
        value = parse_number(match.group("num"))
    else:
        value = spelled_number(match.group("words"), reader.words)
    if match.group("mult"):
        value *= reader.signals.multipliers.get(match.group("mult"), 1.0)
    code = None if pct else next(
        (c for c, p in reader.signals.currencies.items() if p.fullmatch(sign or "")), None)
    start, end = match.span()
    return Money(value, code, bool(pct), start, end, folded.original(start, end).strip())
