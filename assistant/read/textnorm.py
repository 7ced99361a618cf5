"""Lexical normalisation for English, Hebrew and Persian, shared by retrieval and matching.

Hebrew glues one-letter prefixes to words (ו, ה, ב, ל, מ, ש, כ) and Persian mixes Arabic letter
variants and zero-width non-joiners, so plain whitespace tokens miss most matches.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from assistant.read.language import fold, script_of

_WORD = re.compile(r"\w+")
_COUNTED_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")  # "don't" is one word, a dash none
_HEBREW_PREFIX_LETTERS = "ובהלמשכ"
_PERSIAN_SUFFIXES = ("هایی", "های", "ها", "ترین", "تر", "ی")
_ENGLISH_SUFFIXES = ("ing", "ed", "es", "s")


@lru_cache(maxsize=4096)  # replies and turns are normalised by several checks each
def normalize(text: str) -> str:
    """`language.fold` after NFKC: one table of letters, digits and marks for the whole product
    (a Persian half-space separates words as typed, as it does for lexicon matching)."""
    return fold(unicodedata.normalize("NFKC", text)).text


def words(text: str) -> list[str]:
    """The words a reader counts (a channel's word budget is counted in these)."""
    return _COUNTED_WORD.findall(normalize(text))


def _variants(word: str) -> list[str]:
    """The word plus its likely stem: Hebrew prefix or Persian/English suffix removed."""
    script = script_of(word)
    if script == "he":
        variants = [word]
        while len(variants) < 5 and variants[-1][0] in _HEBREW_PREFIX_LETTERS \
                and len(variants[-1]) > 4:
            variants.append(variants[-1][1:])
        return variants
    affixes = _PERSIAN_SUFFIXES if script == "fa" else _ENGLISH_SUFFIXES
    for suffix in affixes:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return [word, word[: -len(suffix)]]
    return [word]


def tokenize(text: str) -> list[str]:
    """Tokens for lexical retrieval: normalised words and their stems. A Persian half-space
    joins here ("می‌خواهم" is one token): split, every verb would share a "می" token."""
    return list(_tokens(text))


@lru_cache(maxsize=4096)  # replay and the rubric tokenize the same turns and queries again
def _tokens(text: str) -> tuple[str, ...]:
    tokens: list[str] = []
    for word in _WORD.findall(normalize(text.replace("\u200c", ""))):
        if len(word) > 1 or word.isdigit():
            tokens += _variants(word)
    return tuple(tokens)
