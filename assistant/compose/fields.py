"""Untrusted fields: only short, plain names and products are ever written into a reply."""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

from assistant.read.language import script_share
from assistant.read.textnorm import normalize as _fold

if TYPE_CHECKING:
    from assistant.compose.phrasing import Phrasing

_NAME = re.compile(r"[^\W\d_]+(?:[ '’.\-][^\W\d_]+){0,3}\.?")
_PRODUCT = re.compile(r"[^\W_]+(?:[ '’&/+\-][^\W_]+){0,5}")
_EN_ARTICLE = re.compile(r"^(?:the|a|an|your|my|our)\s+", re.IGNORECASE)


def _plain_text(raw: object, pattern: re.Pattern[str], limit: int, blocked: list[str]
                ) -> str | None:
    if not isinstance(raw, str):
        return None
    text = " ".join(unicodedata.normalize("NFKC", raw).split())
    if not text or len(text) > limit or not pattern.fullmatch(text):
        return None
    folded = _fold(text)
    return None if any(_fold(word) in folded for word in blocked) else text


def clean_name(raw: object, phrasing: Phrasing) -> str | None:
    """The customer's name if it is a plain name (letters, at most four words), else None."""
    return _plain_text(raw, _NAME, 40, phrasing.instruction_words)


def first_name(name: str | None, language: str, phrasing: Phrasing) -> str | None:
    """How a chat addresses the customer: "Dana", not "Dana Whitaker" (but "Mr Cohen")."""
    if not name:
        return None
    words = name.split()
    titles = {_fold(t).rstrip(".'") for t in phrasing.words(language).titles}
    return name if _fold(words[0]).rstrip(".'") in titles else words[0]


def clean_product(raw: object, language: str, phrasing: Phrasing) -> str | None:
    """The product's plain name in the reply's script, else None.

    Only the name is kept: "family room, 2 nights" -> "family room"; figures never reach a
    reply, where they could be read as amounts.
    """
    if isinstance(raw, str):
        raw = re.split(r"[,،;:(\[]", raw, maxsplit=1)[0]
        raw = re.split(r"\s*\S*\d", raw, maxsplit=1)[0]
    product = _plain_text(raw, _PRODUCT, 40, phrasing.instruction_words)
    if not product or not in_script(product, language):
        return None
    return _EN_ARTICLE.sub("", product) if language == "en" else product


def in_script(text: str, language: str) -> bool:
    """Whether most of `text`'s letters (60%) are in the reply language's script."""
    return script_share(text, language) >= 0.6


def clean_gesture(raw: str, language: str) -> str | None:
    """The policy's gesture as a clause to end a sentence with; None if not in this language."""
    text = " ".join(raw.split()).rstrip(" .!。")
    if not text or len(text) > 300 or "{" in text or "}" in text:
        return None
    if not in_script(text, language):
        return None
    if language == "en" and not re.match(r"I\b", text):
        text = text[0].lower() + text[1:]
    return text

