"""What a reply must not say: the playbook's `dont` phrases as patterns, and a vocative name a
phrase can do without."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from assistant.knowledge.practices import Practice
from assistant.read.textnorm import normalize as _fold


def dont_patterns(practices: Sequence[Practice], lang: str) -> list[list[str]]:
    """Each `dont` phrase as folded fragments (split at "…" and placeholders)."""
    patterns = []
    for practice in practices:
        for phrase in getattr(practice.dont, lang):
            parts = re.split(r"\.\.\.|…|\{[a-z_]+\}", _fold(phrase))
            parts = [p.strip(" .,!?؟;:\"'“”«»-—") for p in parts]
            if parts := [p for p in parts if len(p) >= 2]:
                patterns.append(parts)
    return patterns


@lru_cache(maxsize=4096)  # replay asks of the same agent turns at every later turn
def claims_in(text: str, markers: tuple[str, ...]) -> frozenset[str]:
    """The claim markers ("I've checked") an agent message already says."""
    folded = _fold(text)
    return frozenset(x for x in markers if contains(folded, _fold(x)))


class Avoided:
    """Phrases a reply must not say, each as folded fragments that must all appear as whole
    words. One pass of an alternation of every first fragment clears most texts: the composer
    checks each wording it tries, at every turn of a replay."""

    def __init__(self, patterns: Sequence[Sequence[str]]) -> None:
        self.patterns = tuple(tuple(parts) for parts in patterns if parts)
        self._first = _any_of(tuple(sorted({parts[0] for parts in self.patterns})))

    def said_in(self, text: str) -> bool:
        folded = _fold(text)
        if self._first is None or self._first.search(folded) is None:
            return False
        return any(all(contains(folded, part) for part in parts) for parts in self.patterns)


@lru_cache(maxsize=256)
def _any_of(fragments: tuple[str, ...]) -> re.Pattern[str] | None:
    if not fragments:
        return None
    return re.compile(rf"(?<!\w)(?:{'|'.join(map(re.escape, fragments))})(?!\w)")


def contains(folded: str, fragment: str) -> bool:
    """`fragment` as whole words in `folded` (the cheap substring test rules most out)."""
    return fragment in folded and _whole_words(fragment).search(folded) is not None


@lru_cache(maxsize=4096)
def _whole_words(fragment: str) -> re.Pattern[str]:
    """The fragment as whole words, compiled once: a reply is checked against every avoided
    phrase for each variant it tries, at every turn of a replay."""
    return re.compile(rf"(?<!\w){re.escape(fragment)}(?!\w)")


# A vocative {name} a phrase can do without: "Sorry, {name}." / "{name}, ..." / "{name} عزیز، ..."
_NAME_SLOTS = (
    re.compile(r"^\{name\}\s*عزیز\s*[،,]\s*"),
    re.compile(r"^\{name\}\s*[,،:]\s*"),
    re.compile(r"\s*[,،]\s*\{name\}(?:\s*عزیز)?(?=\s*[,،.!?؟:;])"),
)


def without_name(raw: str) -> str | None:
    for slot in _NAME_SLOTS:
        raw = slot.sub("", raw)
    return None if "{name}" in raw else raw


