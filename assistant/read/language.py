"""Which of our three languages a text is in, and the folding every lexicon match runs on.

Language is decided by script, not by a model: Hebrew letters mean Hebrew, Arabic-script letters
mean Persian (the product treats Arabic script as Persian), anything else means English, unless
enough of its words are Persian written in Latin letters (Finglish, knowledge/finglish.yaml).
Folding makes spelling variants meet (case, niqqud, harakat, ي/ی, ك/ک, Persian digits, ZWNJ) while
keeping a map back to the original text, so a quote is always an exact substring of what was
written.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from assistant import settings
from assistant.datafiles import load_cached, load_model
from assistant.models import LANGUAGES, Language, Transcript

FINGLISH_FILE = "finglish.yaml"

_URL = re.compile(r"(?:https?://|www\.)\S+|(?<!\S)[^\s@]+@[^\s@]+\.\S+", re.IGNORECASE)
_LETTER_RUN = re.compile(r"[^\W\d_]+")
_LATIN_WORD = re.compile(r"[A-Za-z']+")
_HANDLE = re.compile(r"[@#]\w+")
# The one table of scripts: the letters that make a word English, Hebrew or Persian (Arabic
# script, presentation forms included). Every script test in the product reads it.
SCRIPT_LETTERS: dict[Language, str] = {
    "en": "A-Za-z",
    "he": "\u05D0-\u05EA\u05F0-\u05F2\uFB1D-\uFB4F",
    "fa": "\u0620-\u064A\u066E-\u06D5\u06EE-\u06FF\u0750-\u077F\u08A0-\u08FF"
          "\uFB50-\uFDFF\uFE70-\uFEFC",
}
SCRIPTS: dict[Language, re.Pattern[str]] = {
    lang: re.compile(f"[{letters}]") for lang, letters in SCRIPT_LETTERS.items()}
_HEBREW, _ARABIC = SCRIPTS["he"], SCRIPTS["fa"]

# BCP-47 primary subtags (and ISO 639-2/3 codes) that name one of our languages.
_LANGUAGE_CODES: dict[str, Language] = {
    "en": "en", "eng": "en",
    "he": "he", "iw": "he", "heb": "he",
    "fa": "fa", "per": "fa", "fas": "fa", "pes": "fa", "prs": "fa",
}

# One character in, one character out: these never change the length of the text.
_ONE_TO_ONE = str.maketrans({
    "ي": "ی", "ى": "ی", "ك": "ک", "ة": "ه", "ۀ": "ه", "ە": "ه",
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ؤ": "و",
    "٬": ",", "٫": ".", "؟": "?", "؛": ";", "،": ",",
    "\u200c": " ", "\u00a0": " ", "\u2007": " ", "\u2009": " ", "\u202f": " ",
    "’": "'", "‘": "'", "‛": "'", "`": "'", "´": "'", "׳": "'",
    "“": '"', "”": '"', "„": '"', "״": '"', "־": "-", "‐": "-", "‑": "-",
    **{chr(0x06F0 + i): str(i) for i in range(10)},
    **{chr(0x0660 + i): str(i) for i in range(10)},
})
# Characters that fold to nothing (marks, tatweel, direction marks) or to several characters
# (presentation forms): only texts that contain one take the slower, mapped path.
_UNEVEN = re.compile(
    "[\u0591-\u05bd\u05bf\u05c1\u05c2\u05c4\u05c5\u05c7\u064b-\u065f\u0670\u0640\u06d6-\u06ed"
    "\u00ad\u200b\u200d-\u200f\u202a-\u202e\u2066-\u2069\ufeff\ufb1d-\ufb4f\ufb50-\ufdff\ufe70-\ufefc]+"
)


@dataclass(frozen=True, slots=True)
class Folded:
    """Folded text plus, when folding changed lengths, where each folded character came from."""

    text: str
    source: str
    offsets: tuple[int, ...] | None = None

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text that produced folded[start:end]."""
        if self.offsets is None:
            return start, end
        if start >= len(self.offsets):
            return len(self.source), len(self.source)
        stop = self.offsets[end - 1] + 1 if end > start else self.offsets[start]
        return self.offsets[start], stop

    def original(self, start: int, end: int) -> str:
        begin, stop = self.span(start, end)
        return self.source[begin:stop]


def _lower_one_to_one(text: str) -> str:
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def fold(text: str) -> Folded:
    """Case-fold and unify spelling variants, keeping a map back to `text`."""
    mapped = _lower_one_to_one(text).translate(_ONE_TO_ONE)
    if not _UNEVEN.search(mapped):
        return Folded(mapped, text)
    pieces: list[str] = []
    offsets: list[int] = []
    position = 0
    for match in _UNEVEN.finditer(mapped):
        pieces.append(mapped[position:match.start()])
        offsets.extend(range(position, match.start()))
        for index in range(match.start(), match.end()):
            char = mapped[index]
            if "\ufb1d" <= char <= "\ufefc":  # presentation forms: their plain letters
                plain = unicodedata.normalize("NFKC", char)
                plain = _lower_one_to_one(plain).translate(_ONE_TO_ONE)
                pieces.append(plain)
                offsets.extend([index] * len(plain))
        position = match.end()
    pieces.append(mapped[position:])
    offsets.extend(range(position, len(mapped)))
    return Folded("".join(pieces), text, tuple(offsets))


def normalize(text: str, lang: str | None = None) -> str:
    """The folded form lexicon cues are matched against. Folding is decided per script, so it
    is the same whatever `lang` the caller has in mind; the argument is accepted for clarity."""
    del lang
    return fold(text).text


def script_of(word: str) -> Language:
    """The language a single word's script points to."""
    if _HEBREW.match(word):
        return "he"
    if _ARABIC.match(word):
        return "fa"
    return "en"


def script_counts(text: str) -> dict[Language, tuple[int, int]]:
    """(words, letters) per language script, ignoring URLs, e-mail addresses, digits and marks."""
    counts: dict[Language, list[int]] = {lang: [0, 0] for lang in LANGUAGES}
    for run in _LETTER_RUN.findall(_URL.sub(" ", normalize(text))):
        entry = counts[script_of(run)]
        entry[0] += 1
        entry[1] += len(run)
    return {lang: (words, letters) for lang, (words, letters) in counts.items()}


def scripts_in(text: str) -> set[Language]:
    """The languages whose script appears anywhere in `text` (folded or not)."""
    found: set[Language] = set()
    if _HEBREW.search(text):
        found.add("he")
    if _ARABIC.search(text):
        found.add("fa")
    if SCRIPTS["en"].search(text):
        found.add("en")
    return found


def script_share(text: str, language: str) -> float:
    """The share of `text`'s letters written in `language`'s script (0 when it has none)."""
    letters = [c for c in text if c.isalpha()]
    native = sum(1 for c in letters if SCRIPTS[language].match(c))
    return native / len(letters) if letters else 0.0


def detect_language(text: str) -> Language:
    """The language whose script holds most words (then most letters) of `text`; "en" when the
    text has no letters. Counting words keeps a Hebrew sentence with a long English product
    name Hebrew; a tie goes to Hebrew, then Persian, as English rarely carries their words.
    Persian in Latin letters (Finglish) is Persian."""
    found = _most_words(_text_counts(text))  # counted once per text (replay asks again)
    return "fa" if found == "en" and is_finglish(text) else found


class FinglishWords(BaseModel):
    """knowledge/finglish.yaml: Persian words as written in Latin letters, none of them English."""

    model_config = ConfigDict(extra="forbid")
    min_markers: int = Field(ge=1)
    min_share: float = Field(gt=0, le=1)
    markers: frozenset[Annotated[str, StringConstraints(pattern=r"^[a-z']+$")]]


def _finglish_words() -> FinglishWords:
    """The shipped list, read again when the file changes."""
    return load_cached(settings.data_dir("knowledge") / FINGLISH_FILE, load_model, FinglishWords)


def is_finglish(text: str) -> bool:
    """Whether a message in Latin letters only is Persian: enough of its words are Persian
    words that English does not have."""
    if _HEBREW.search(text) or _ARABIC.search(text):
        return False
    return _enough_finglish([_finglish_counts(text)])


@lru_cache(maxsize=4096)  # per turn: replay reads the same turns again at every agent turn
def _finglish_counts(text: str) -> tuple[int, int]:
    """(Persian marker words, all Latin words) of one text."""
    words = [w.casefold() for w in _LATIN_WORD.findall(_HANDLE.sub(" ", _URL.sub(" ", text)))]
    markers = _finglish_words().markers
    return sum(word in markers for word in words), len(words)


def _enough_finglish(counts: list[tuple[int, int]]) -> bool:
    found, total = sum(c[0] for c in counts), sum(c[1] for c in counts)
    finglish = _finglish_words()
    return found >= finglish.min_markers and found >= finglish.min_share * total


def _most_words(counts: dict[Language, tuple[int, int]]) -> Language:
    best = max(LANGUAGES, key=lambda lang: (counts[lang], lang != "en", lang == "he"))
    return best if counts[best][1] else "en"


@lru_cache(maxsize=4096)
def _text_counts(text: str) -> dict[Language, tuple[int, int]]:
    """script_counts, kept per text: replay reads the same turns and queries again and again
    (callers never change the dict)."""
    return script_counts(text)


def language_code(code: str | None) -> Language | None:
    """Our language for a BCP-47 tag such as "he-IL", "iw", "fa-IR" or "per"; None otherwise."""
    if not code:
        return None
    primary = re.split(r"[-_]", code.strip().lower(), maxsplit=1)[0]
    return _LANGUAGE_CODES.get(primary)


def transcript_language(transcript: Transcript) -> Language:
    """The declared language when it is one of ours, else the script of the customer's words
    (the agent's when the customer has not written yet)."""
    declared = language_code(transcript.language)
    if declared:
        return declared
    turns = transcript.customer_turns() or transcript.agent_turns()
    counts = [_text_counts(turn.text) for turn in turns]  # each turn counted once (replay)
    found = _most_words({lang: (sum(c[lang][0] for c in counts),
                                sum(c[lang][1] for c in counts)) for lang in LANGUAGES})
    finglish = found == "en" and _enough_finglish([_finglish_counts(t.text) for t in turns])
    return "fa" if finglish else found
