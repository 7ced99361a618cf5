"""What an agent offers or grants in a message: kind, amount, currency, quoted.

The sums are read by the one money reader (`read/money.py`); the words for remedies, grants,
refusals and conditions come from knowledge/offers.yaml, so a company extends them without code.

A remedy counts as offered when its sentence grants it ("I've issued…", "נעניק", "براتون") or
names its amount, and nothing in its clause refuses it ("I can't refund", "לא ניתן", "نمی‌توانیم").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from assistant.datafiles import knowledge_file, load_cached, load_model
from assistant.models import LANGUAGES, CompensationKind
from assistant.read.lexicon import CompiledLexicon, cue_pattern, get_lexicon
from assistant.read.money import (
    OFFERS_FILE,
    LanguageCues,
    Money,
    MoneyReader,
    NumberWords,
    money_reader,
    read_money,
)
from assistant.read.signals import Doc

_FLAGS = re.MULTILINE
_CLAUSE = re.compile(r"(?<!\d)[.,]|[.,](?!\d)|[;:!?\n()،؛]"
                     r"|(?<!\w)(?:but|however|although|whereas|אבל|אך|اما|ولی)(?!\w)")
_QUOTE_MAX = 200

# The contract's compensation kinds (`none` aside: nobody offers nothing), plus `cash`: money
# paid out that is neither a refund nor a credit ("compensation of $50"). Built from
# CompensationKind so the two never drift; `cash` stays out of it, as the contract's
# Suggestion and policy files know no such kind.
OfferKind = StrEnum("OfferKind", [(k.name, k.value) for k in CompensationKind
                                  if k is not CompensationKind.none] + [("cash", "cash")])
MONEY_KINDS = frozenset({OfferKind.refund, OfferKind.partial_refund, OfferKind.credit,
                         OfferKind.discount, OfferKind.cash})
_REFUNDS = frozenset({OfferKind.refund.value, OfferKind.partial_refund.value})


def same_remedy(kind: str) -> frozenset[str]:
    """The kinds (values) that give what the remedy `kind` gives: its own, and either refund for
    a refund, as a partial refund is a smaller refund."""
    return _REFUNDS if kind in _REFUNDS else frozenset({kind})


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


# --- the data file ----------------------------------------------------------------------------

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

    def __init__(self, lexicon: OfferLexicon, signals: CompiledLexicon,
                 money: MoneyReader) -> None:
        self.signals, self.money = signals, money
        self.kinds = {kind: _alternation(cues) for kind, cues in lexicon.kinds.items()}
        self.unless, self.full = _alternation(lexicon.unless), _alternation(lexicon.full)
        self.grants, self.refusals = _alternation(lexicon.grants), _alternation(lexicon.refusals)
        self.conditions = _alternation(lexicon.conditions)


def _compile(path: Path, signals: CompiledLexicon) -> CompiledOffers:
    """The offer words, with the money reader of the same file (one reader, one cache of sums,
    whether the critic asks for money or for offers)."""
    return CompiledOffers(load_model(path, OfferLexicon), signals, money_reader(signals, path))


def get_offer_lexicon(path: Path | None = None,
                      signals: CompiledLexicon | None = None) -> CompiledOffers:
    """The compiled offers file at `path` (default: the one beside the `signals` lexicon, else
    the shipped one), cached until it changes."""
    signals = signals or get_lexicon()
    path = path or knowledge_file(signals.knowledge_dir, OFFERS_FILE)
    return load_cached(path, _compile, signals)


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
    money = read_money(doc.folded, lexicon.money)
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
    mine = [m for m in money if sentence[0] <= m.start < sentence[1]]
    attached = _attach(doc, hits, mine)
    if len(hits) > 1:  # "compensate you with a voucher": the voucher says what it is
        hits = [h for h in hits if h.kind != OfferKind.cash or attached[h]] or hits
    granted = _in_spans(lexicon.grants, doc.norm, sentence)
    full = _in_spans(lexicon.full, doc.norm, sentence)
    quote, span = _quote(doc, sentence)
    offers: list[Offer] = []
    for hit in hits:
        sums = attached[hit]
        plain = [o for o in offers if o.kind == hit.kind and not o.amount]
        if (not sums and not granted) or (plain and not sums):
            continue  # a mention, or the same remedy named twice ("refund you… a full refund")
        offers.append(_offer(hit, sums, full, quote, span))
    return offers


def _quote(doc: Doc, sentence: tuple[int, int]) -> tuple[str, tuple[int, int]]:
    """The sentence in the agent's own words, trimmed, with its span in the original text."""
    start, _ = doc.folded.span(*sentence)
    raw = doc.folded.original(*sentence)
    begin = start + len(raw) - len(raw.lstrip())
    quote = raw.strip()[:_QUOTE_MAX]
    return quote, (begin, begin + len(quote))


def _attach(doc: Doc, hits: list[_Hit], money: list[Money]) -> dict[_Hit, list[Money]]:
    """Each sum goes to the nearest remedy word in its clause (the fewest characters between)."""
    attached: dict[_Hit, list[Money]] = {hit: [] for hit in hits}
    for sum_ in money:
        start, end = sum_.start, sum_.end
        clause = _clause(doc.norm, start, doc.sentence_of(start))
        near = [h for h in hits if clause[0] <= h.start < clause[1]]
        if near:
            best = min(near, key=lambda h: max(h.start - end, start - h.end, 0))
            attached[best].append(sum_)
    return attached


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
