"""The one money reader: every sum of money or percentage a text names, with where it stands.

Currencies and multipliers ("$300", "500 ש"ח", "۵۰۰ هزار تومان", "50k dollars") come from the
lexicon (knowledge/signals.yaml), so a company adds a currency without touching code.
Percentages ("50%", "۵۰ درصد") are read too: a reply that promises "a 100% refund" names money
as surely as one that says "$400". The assessment reads a customer's demand with it; the guards
and the evaluators read what a reply offers with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from assistant.read.language import Folded, fold
from assistant.read.lexicon import NUMBER, CompiledLexicon, get_lexicon

PERCENT = "%"
_PERCENT_WORDS = r"%|٪|percent|per cent|אחוזים|אחוז|درصد"
_PERCENTAGE = re.compile(
    rf"(?<![\d.,])(?P<num>{NUMBER})(?![\d])\s?(?:{_PERCENT_WORDS})|(?:%|٪)\s?(?P<pre>{NUMBER})")


@dataclass(frozen=True)
class Amount:
    """A sum the text names: its value, ISO currency code ("" when the sign is ambiguous,
    "%" for a percentage) and its span in the folded text."""

    value: float
    currency: str
    start: int
    end: int

    @property
    def is_money(self) -> bool:
        return self.currency != PERCENT


def read_amounts(text: str | Folded, lexicon: CompiledLexicon | None = None) -> list[Amount]:
    """Every sum of money and every percentage in `text`, in reading order."""
    folded = (text if isinstance(text, Folded) else fold(text)).text
    return list(_amounts_in(folded, lexicon or get_lexicon()))


@lru_cache(maxsize=4096)  # the critic reads the composer's replies, which repeat, every turn
def _amounts_in(folded: str, lexicon: CompiledLexicon) -> tuple[Amount, ...]:
    found = _money(folded, lexicon) + _percentages(folded)
    return tuple(sorted(found, key=lambda amount: amount.start))


def _money(folded: str, lexicon: CompiledLexicon) -> list[Amount]:
    found: list[Amount] = []
    for match in lexicon.amount.finditer(folded):
        sign = match.group("pre") or match.group("post")
        if not sign:
            continue
        value = float(match.group("num").replace(",", ""))
        if match.group("mult"):
            value *= lexicon.multipliers.get(match.group("mult"), 1.0)
        code = next((c for c, p in lexicon.currencies.items() if p.fullmatch(sign)), "")
        found.append(Amount(value, code, *match.span()))
    return found


def _percentages(folded: str) -> list[Amount]:
    return [Amount(float((m.group("num") or m.group("pre")).replace(",", "")), PERCENT, *m.span())
            for m in _PERCENTAGE.finditer(folded)]
