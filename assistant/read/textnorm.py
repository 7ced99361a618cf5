"""Lexical normalisation for English, Hebrew and Persian, shared by retrieval and matching.

Hebrew glues one-letter prefixes to words (ו, ה, ב, ל, מ, ש, כ) and Persian mixes Arabic letter
variants and zero-width non-joiners, so plain whitespace tokens miss most matches.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from assistant.read.language import script_of

_DIACRITICS = re.compile(r"[\u0591-\u05C7\u064B-\u065F\u0670\u06D6-\u06ED]")
_LETTER_MAP = str.maketrans(
    {
        "ي": "ی", "ى": "ی", "ك": "ک", "ة": "ه", "أ": "ا", "إ": "ا", "آ": "ا", "ۀ": "ه",
        "\u200c": "", "\u200d": "", "\u200f": "", "\u200e": "", "ـ": "",
    }
)
_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")
_WORD = re.compile(r"\w+")
_HEBREW_PREFIX_LETTERS = "ובהלמשכ"
_PERSIAN_SUFFIXES = ("هایی", "های", "ها", "ترین", "تر", "ی")
_ENGLISH_SUFFIXES = ("ing", "ed", "es", "s")


@lru_cache(maxsize=4096)  # replies and turns are normalised by several checks each
def normalize(text: str) -> str:
    """Case-fold, drop niqqud and harakat, unify Persian/Arabic letters and digits."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return _DIACRITICS.sub("", text).translate(_LETTER_MAP).translate(_DIGITS)


@lru_cache(maxsize=8192)  # the composer folds the same phrases for every reply it writes
def normalize_phrase(text: str) -> str:
    """`normalize`, but a Persian half-space or a curly apostrophe separates words as typed:
    the form phrases and durations are matched in."""
    return normalize(text.replace("\u200c", " ").replace("’", "'"))


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
    """Tokens for lexical retrieval: normalised words and their stems."""
    return list(_tokens(text))


@lru_cache(maxsize=4096)  # replay and the rubric tokenize the same turns and queries again
def _tokens(text: str) -> tuple[str, ...]:
    tokens: list[str] = []
    for word in _WORD.findall(normalize(text)):
        if len(word) > 1 or word.isdigit():
            tokens += _variants(word)
    return tuple(tokens)
