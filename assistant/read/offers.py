"""What an agent offers or grants in a message: kind, amount, currency, quoted.

One reader for money in our three languages: digits in Latin, Persian and Arabic-Indic scripts
with `,` `.` `٬` `٫` separators ("$1,250.50", "210.000 €", "۲۱۰٬۰۰۰ تومان"), spelled-out
numbers ("five thousand dollars", "חמישים שקל", "پنجاه هزار تومان"), percentages and "in full".
Currencies and multipliers come from knowledge/signals.yaml; the words for remedies, grants,
refusals and numbers from knowledge/offers.yaml, so a company extends both without code.

A remedy counts as offered when its sentence grants it ("I've issued…", "נעניק", "براتون") or
names its amount, and nothing in its clause refuses it ("I can't refund", "לא ניתן", "نمی‌توانیم").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from assistant.datafiles import file_stamp, load_model
from assistant.models import LANGUAGES
from assistant.read.language import fold
from assistant.read.lexicon import CompiledLexicon, cue_pattern, get_lexicon
from assistant.read.signals import Doc
from assistant.settings import data_dir

OFFERS_FILE = "offers.yaml"
_FLAGS = re.MULTILINE
_CLAUSE = re.compile(r"(?<!\d)[.,]|[.,](?!\d)|[;:!?\n()،؛]"
                     r"|(?<!\w)(?:but|however|although|whereas|אבל|אך|اما|ولی)(?!\w)")
_DIGITS = r"\d{1,3}(?:[,.]\d{3})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?"
_QUOTE_MAX = 200


class OfferKind(StrEnum):
    """The contract's compensation kinds, plus `cash`: money paid out that is neither a refund
    nor a credit ("compensation of $50")."""

    refund = "refund"
    partial_refund = "partial_refund"
    credit = "credit"
    discount = "discount"
    replacement = "replacement"
    repair = "repair"
    upgrade = "upgrade"
    gift = "gift"
    expedite = "expedite"
    waive_fee = "waive_fee"
    cash = "cash"


MONEY_KINDS = frozenset({OfferKind.refund, OfferKind.partial_refund, OfferKind.credit,
                         OfferKind.discount, OfferKind.cash})


class Offer(BaseModel):
    """One remedy the message offers. `amount` is in `currency` (an ISO code); a percentage
    ("50% off", "in full" = 100) is in `percent` instead. `quote` is the agent's words and
    `span` its [start, end) in the original text."""

    model_config = ConfigDict(frozen=True)

    kind: OfferKind
    amount: float | None = None
    currency: str | None = None
    percent: float | None = None
    quote: str
    span: tuple[int, int]

    @property
    def names_money(self) -> bool:
        return self.amount is not None or self.percent is not None


@dataclass(frozen=True)
class Money:
    """A sum or a percentage in the text: "$150", "پنجاه هزار تومان", "20%". Positions are
    in the original text."""

    value: float
    currency: str | None
    percent: bool
    start: int
    end: int
    quote: str


# --- the data file ----------------------------------------------------------------------------

Cues = Annotated[list[str], Field(default_factory=list)]


class LanguageCues(BaseModel):
    model_config = ConfigDict(extra="forbid")
    en: Cues
    he: Cues
    fa: Cues


class NumberWords(BaseModel):
    model_config = ConfigDict(extra="forbid")
    en: dict[str, Annotated[float, Field(ge=0)]]
    he: dict[str, Annotated[float, Field(ge=0)]]
    fa: dict[str, Annotated[float, Field(ge=0)]]


class OfferLexicon(BaseModel):
    """knowledge/offers.yaml."""

    model_config = ConfigDict(extra="forbid")
    version: int = Field(ge=1, le=1)
    kinds: dict[OfferKind, LanguageCues]
    unless: LanguageCues
    full: LanguageCues
    grants: LanguageCues
    refusals: LanguageCues
    conditions: LanguageCues
    percent: LanguageCues
    number_words: NumberWords


def _alternation(cues: LanguageCues) -> re.Pattern[str] | None:
    """One pattern for every language's cues, the longest first."""
    parts = [(len(c), cue_pattern(c, lang)) for lang in LANGUAGES for c in getattr(cues, lang)]
    parts.sort(key=lambda p: -p[0])
    return re.compile("|".join(p for _, p in parts), _FLAGS) if parts else None


class CompiledOffers:
    """offers.yaml compiled once, with the signals lexicon's currencies and negations."""

    def __init__(self, lexicon: OfferLexicon, signals: CompiledLexicon) -> None:
        self.signals = signals
        self.kinds = {kind: _alternation(cues) for kind, cues in lexicon.kinds.items()}
        self.unless, self.full = _alternation(lexicon.unless), _alternation(lexicon.full)
        self.grants, self.refusals = _alternation(lexicon.grants), _alternation(lexicon.refusals)
        self.conditions = _alternation(lexicon.conditions)
        self.words = {fold(w).text: v for lang in LANGUAGES
                      for w, v in getattr(lexicon.number_words, lang).items()}
        self.money = _money_pattern(signals, self.words, lexicon.percent)


def _money_pattern(signals: CompiledLexicon, words: dict[str, float],
                   percent: LanguageCues) -> re.Pattern[str]:
    currency = "|".join(p.pattern for p in signals.currencies.values())
    word = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    spelled = (rf"(?<!\w)ו?(?:{word})(?!\w)"
               rf"(?:[\s\-]+(?:and[\s\-]+|و[\s\-]*)?ו?(?:{word})(?!\w))*")
    multiplier = "|".join(re.escape(fold(w).text) for w in
                          sorted(signals.multipliers, key=len, reverse=True)) or "(?!)"
    pct = "|".join(re.escape(fold(c).text) for lang in LANGUAGES
                   for c in getattr(percent, lang)) or "(?!)"
    return re.compile(
        rf"(?:(?<![^\W\d_])(?P<pre>{currency})\s?)?"
        rf"(?:(?<![\d.,])(?P<num>{_DIGITS})(?![\d])|(?P<words>{spelled}))"
        rf"(?:\s*(?P<mult>{multiplier})(?!\w))?"
        rf"(?:\s*(?P<post>{currency})|\s*(?P<pct>{pct}))?")


def offers_path() -> Path:
    """The shipped offers file (not yet part of assistant.resources: see ARCHITECTURE.md)."""
    return data_dir("knowledge") / OFFERS_FILE


@lru_cache(maxsize=4)
def _cached(path: str, stamp: tuple[int, int], signals: CompiledLexicon) -> CompiledOffers:
    del stamp  # part of the cache key: an edited file is read again
    return CompiledOffers(load_model(Path(path), OfferLexicon), signals)


def get_offer_lexicon(path: Path | None = None,
                      signals: CompiledLexicon | None = None) -> CompiledOffers:
    """The compiled offers.yaml (default: knowledge/offers.yaml), cached until it changes."""
    path = path or offers_path()
    return _cached(str(path), file_stamp(path), signals or get_lexicon())


# --- numbers --------------------------------------------------------------------------------

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


def read_money(text: str, lexicon: CompiledOffers | None = None) -> list[Money]:
    """Every sum with a currency and every percentage in `text`; bare numbers are left out
    (a flight number, three passengers). The currency is an ISO code from the lexicon; money
    reads the same in every script, so no language is needed."""
    return list(_money_in(text, lexicon or get_offer_lexicon()))


@lru_cache(maxsize=4096)
def _money_in(text: str, lexicon: CompiledOffers) -> tuple[Money, ...]:
    """The sums of one text, read once: replay and its checks read the same replies and
    agent turns again at every turn."""
    folded = fold(text)
    found = []
    for match in lexicon.money.finditer(folded.text):
        sign, pct = match.group("pre") or match.group("post"), match.group("pct")
        if not (sign or pct):
            continue
        if match.group("num"):
            value = parse_number(match.group("num"))
        else:
            value = spelled_number(match.group("words"), lexicon.words)
        if match.group("mult"):
            value *= lexicon.signals.multipliers.get(match.group("mult"), 1.0)
        code = None if pct else next(
            (c for c, p in lexicon.signals.currencies.items() if p.fullmatch(sign)), None)
        start, end = folded.span(*match.span())
        found.append(Money(value, code, bool(pct), start, end, text[start:end].strip()))
    return tuple(found)


# --- offers ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Hit:
    kind: OfferKind
    start: int
    end: int


def _spans(pattern: re.Pattern[str] | None, text: str) -> list[tuple[int, int]]:
    return [m.span() for m in pattern.finditer(text)] if pattern else []


def _inside(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(s < end and start < e for s, e in spans)


def _kind_hits(doc: Doc, lexicon: CompiledOffers) -> list[_Hit]:
    """Remedy words, the longest at each place, look-alikes ("credit card") left out."""
    unless = _spans(lexicon.unless, doc.norm)
    hits = [_Hit(kind, *m.span()) for kind, pattern in lexicon.kinds.items() if pattern
            for m in pattern.finditer(doc.norm) if not _inside(*m.span(), unless)]
    hits.sort(key=lambda h: (h.start, -(h.end - h.start)))
    kept: list[_Hit] = []
    for hit in hits:
        if not kept or hit.start >= kept[-1].end:
            kept.append(hit)
    return kept


def _clause(norm: str, position: int, sentence: tuple[int, int]) -> tuple[int, int]:
    start, end = sentence
    breaks = [m for m in _CLAUSE.finditer(norm, start, end)]
    before = [m.end() for m in breaks if m.end() <= position]
    after = [m.start() for m in breaks if m.start() > position]
    return (before[-1] if before else start), (after[0] if after else end)


def _refused(doc: Doc, hit: _Hit, lexicon: CompiledOffers) -> bool:
    """Negated ("I can't waive the fee", "بازپرداخت نمی‌کنیم") or refused in its clause."""
    if doc.negated(hit.start, hit.end):
        return True
    start, end = _clause(doc.norm, hit.start, doc.sentence_of(hit.start))
    return bool(lexicon.refusals and lexicon.refusals.search(doc.norm[start:end]))


def _in_spans(pattern: re.Pattern[str] | None, text: str, span: tuple[int, int]) -> bool:
    return bool(pattern and pattern.search(text[span[0]:span[1]]))


def read_offers(text: str, language: str, *, lexicon: CompiledOffers | None = None
                ) -> list[Offer]:
    """The remedies `text` offers or grants, in order, each with its amount when it names
    one. A sentence that only states a condition ("only if you change the reservation")
    offers nothing."""
    return list(_offers_in(text, language, lexicon or get_offer_lexicon()))


@lru_cache(maxsize=4096)
def _offers_in(text: str, language: str, lexicon: CompiledOffers) -> tuple[Offer, ...]:
    """The offers of one text, read once (replay checks the same replies again and again)."""
    doc = Doc(text, language, lexicon.signals)
    money = list(_money_in(text, lexicon))
    offers: list[Offer] = []
    by_sentence: dict[tuple[int, int], list[_Hit]] = {}
    for hit in _kind_hits(doc, lexicon):
        if not _refused(doc, hit, lexicon):
            by_sentence.setdefault(doc.sentence_of(hit.start), []).append(hit)
    for sentence, hits in by_sentence.items():
        offers += _sentence_offers(doc, sentence, hits, money, lexicon)
    return tuple(offers)


def _sentence_offers(doc: Doc, sentence: tuple[int, int], hits: list[_Hit], money: list[Money],
                     lexicon: CompiledOffers) -> list[Offer]:
    if _in_spans(lexicon.conditions, doc.norm, sentence):
        return []
    start, end = doc.folded.span(*sentence)
    mine = [m for m in money if start <= m.start < end]
    attached = _attach(doc, hits, mine)
    if len(hits) > 1:  # "compensate you with a voucher": the voucher says what it is
        hits = [h for h in hits if h.kind != OfferKind.cash or attached[h]] or hits
    granted = _in_spans(lexicon.grants, doc.norm, sentence)
    full = _in_spans(lexicon.full, doc.norm, sentence)
    raw = doc.folded.original(*sentence)
    begin = start + len(raw) - len(raw.lstrip())
    quote = raw.strip()[:_QUOTE_MAX]
    offers: list[Offer] = []
    for hit in hits:
        sums = attached[hit]
        plain = [o for o in offers if o.kind == hit.kind and not o.amount]
        if (not sums and not granted) or (plain and not sums):
            continue  # a mention, or the same remedy named twice ("refund you… a full refund")
        offers.append(_offer(hit, sums, full, quote, (begin, begin + len(quote))))
    return offers


def _attach(doc: Doc, hits: list[_Hit], money: list[Money]) -> dict[_Hit, list[Money]]:
    """Each sum goes to the nearest remedy word in its clause (the fewest characters between)."""
    attached: dict[_Hit, list[Money]] = {hit: [] for hit in hits}
    for sum_ in money:
        start, end = _folded_position(doc, sum_.start), _folded_position(doc, sum_.end)
        clause = _clause(doc.norm, start, doc.sentence_of(start))
        near = [h for h in hits if clause[0] <= h.start < clause[1]]
        if near:
            best = min(near, key=lambda h: max(h.start - end, start - h.end, 0))
            attached[best].append(sum_)
    return attached


def _folded_position(doc: Doc, original: int) -> int:
    offsets = doc.folded.offsets
    if offsets is None:
        return original
    return next((i for i, o in enumerate(offsets) if o >= original), len(doc.norm))


def _offer(hit: _Hit, sums: list[Money], full: bool, quote: str, span: tuple[int, int]
           ) -> Offer:
    amounts = [m for m in sums if not m.percent]
    percents = [m.value for m in sums if m.percent]
    money_kind = hit.kind in MONEY_KINDS
    percent = max(percents) if percents else (100.0 if full and money_kind and not amounts
                                              else None)
    biggest = max(amounts, key=lambda m: m.value) if amounts else None
    return Offer(kind=hit.kind, amount=biggest.value if biggest else None,
                 currency=biggest.currency if biggest else None, percent=percent,
                 quote=quote, span=span)
