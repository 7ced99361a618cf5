"""Cue audit: how often each issue and risk cue fires on corpus rows that carry its own label.

The lexicon is meant to be high-precision (its issue type wins over the reader's when the reader
gives it a fair share of belief, and every flag is the OR of both), so a cue that mostly fires
on rows labelled otherwise is a look-alike to narrow or remove: Hebrew עוד read as עו"ד, "well"
as "we'll", a hotel's broken bed as goods damaged on the way. Negation is not applied here, the
category's `unless` look-alikes are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.read.corpus import Row
from assistant.read.language import fold
from assistant.read.lexicon import CompiledLexicon, compile_cue
from assistant.read.signals import overlaps

AUDITED = ("issues.", "risks.")


@dataclass(frozen=True)
class CueScore:
    category: str
    cue: str
    hits: int       # corpus rows the cue fires on
    precision: float  # share of those rows labelled with the cue's category


def labelled(row: Row, category: str) -> bool:
    """Whether a customer row carries the label a category's cues stand for."""
    group, name = category.split(".", 1)
    if group == "issues":
        return name in row.labels["issue_types"] or (name == "safety" and row.labels["safety"])
    return bool(row.labels.get(name))


def audit_cues(rows: list[Row], lexicon: CompiledLexicon, lang: str,
               min_hits: int = 4) -> list[CueScore]:
    """Every issue and risk cue of `lang` that fires on at least `min_hits` rows, least precise
    first."""
    mine = [row for row in rows if row.language == lang]
    folded = [fold(row.text).text for row in mine]
    scores = []
    for category in (k for k in lexicon.categories if k.startswith(AUDITED)):
        unless = lexicon.matcher(category, lang).unless
        for cue in getattr(lexicon.categories[category].cues, lang):
            pattern = compile_cue(cue, lang)
            hits = [row for row, text in zip(mine, folded, strict=True)
                    if _fires(pattern, unless, text)]
            if len(hits) >= min_hits:
                right = sum(labelled(row, category) for row in hits)
                scores.append(CueScore(category, cue, len(hits), round(right / len(hits), 2)))
    return sorted(scores, key=lambda s: (s.precision, -s.hits))


def _fires(pattern: re.Pattern[str], unless: re.Pattern[str] | None, text: str) -> bool:
    """A match that no look-alike of the category overlaps."""
    looks = [m.span() for m in unless.finditer(text)] if unless else []
    return any(not overlaps(*m.span(), looks)
               for m in pattern.finditer(text) if m.end() > m.start())
