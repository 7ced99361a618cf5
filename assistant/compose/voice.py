"""The customer's own words, turned to address them: the harm a reply names (issue #10).

English flips the speaker ("my bag" → "your bag", "you lost" → "we lost", "letting you know" →
"letting us know"); Hebrew and Persian quote briefly instead, so no gender or number agreement
can go wrong. Handles, links and braces are dropped; the words are cut to the channel's room.
"""

from __future__ import annotations

import re

from assistant.compose.fields import in_script
from assistant.compose.phrasing import LanguagePhrasing

HARM_WORDS = {"social": 12, "chat": 16, "phone": 16, "email": 24}
_URL = re.compile(r"https?://\S+|www\.\S+|[@#][\w.]+")
_EN_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")


def customer_words(text: str, words: LanguagePhrasing, channel: str, lang: str) -> str | None:
    """The harm span, cleaned, turned to the customer and cut to the channel's room."""
    text = " ".join(_URL.sub("", text).split()).strip(" .,;:!?؟،\"'“”«»-—")
    if lang == "en" and words.flip:
        first = text.split(" ", 1)[0]
        text = _EN_WORD.sub(lambda w: _flip_in(w, words.flip), text)
        if first.casefold() in words.flip:
            text = text[:1].lower() + text[1:]
    tokens = text.split()
    limit = HARM_WORDS.get(channel, 16)
    if len(tokens) > limit:
        text = " ".join(tokens[:limit]).rstrip(" ,;:،") + "…"
    if len(tokens) < 3 or not in_script(text, lang):
        return None
    return text.replace("{", "(").replace("}", ")")


# After these (or at the start) "you" is the subject ("you lost my bag" → "we lost your bag");
# after any other word it is the object ("letting you know" → "letting us know").
_SUBJECT_BEFORE = frozenset({"", "and", "but", "because", "cause", "so", "that", "when", "if",
                             "why", "how", "since", "until", "or", "then", "now", "what", "as"})


def _flip_in(match: re.Match[str], table: dict[str, str]) -> str:
    word = match.group(0)
    before = match.string[:match.start()].split()
    previous = before[-1].casefold().strip(",.;:!?") if before else ""
    if word.casefold() == "you" and previous not in _SUBJECT_BEFORE:
        return "us"
    if word.casefold() == "was" and previous in ("i", "we"):
        return "were"
    return _flip(word, table)


def _flip(word: str, table: dict[str, str]) -> str:
    """One English word turned from the customer's side to ours (my → your, you → we)."""
    turned = table.get(word.casefold())
    if turned is None:
        return word
    return turned.capitalize() if word[:1].isupper() and word != "I" and len(word) > 1 else turned


