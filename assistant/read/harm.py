"""The customer's own words for what hurts (contract §2): the clauses the composer quotes.

Clauses are ranked by the lexicon's problem cues and, when the trained reader is there, by its
harm head; spans are offsets into the customer's turns. The words that open a clause
(`clause_starts`) also tell the composer where a long quote may end. The facts they already gave
are read in `read/facts.py`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from itertools import islice
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

from assistant.datafiles import knowledge_file, load_model
from assistant.models import LANGUAGES, HarmSpan, IssueType
from assistant.read.lexicon import CompiledLexicon, lexicon_path
from assistant.read.signals import Doc, cached_doc, detect_injection
from assistant.read.textnorm import normalize

HURT_WORDS_FILE = "harm_words.yaml"

MAX_HARM_CHARS = 160
MIN_HARM_WORDS = 3
READER_WEIGHT = 12  # a clause's harm probability (the reader's harm head) against the lexicon's
                    # cue count: 0.79 → 0.87 of validation clauses chosen on the labelled harm
WINDOW = 10  # words in a window of a long unpunctuated run
LONG_RUN = 40  # words: a clause longer than this is read in windows
# Clause ends; a comma or colon between digits ("3,200", "10:30") is part of a number.
# A full stop after an abbreviation ("Rs. 83", "Dr. Cohen") ends nothing.
_CLAUSE = re.compile(r"(?<!\d)[,:]|[,:](?!\d)|[;—–()\n]|\.\.\.|\s-\s|(?<=\w)[!?]+(?=\s)"
                     r"|(?<=\w)(?<!\bRs)(?<!\bMr)(?<!\bMs)(?<!\bDr)(?<!\bSt)(?<!\bNo)(?<!\bMrs)"
                     r"(?<!\bvs)[.][.!?]*(?=\s)")
# A sum's sign opens a quote with its number ("$6 coupon", not "6 coupon").
_CURRENCY_SIGN = re.compile(r"[$£€₪¥₹﷼](?=\s?\d)")
_HANDLE = re.compile(r"[@#][\w.]+\s*")
# What follows a company's handle that is the subject of a tweet ("@DIRECTVService has now sent
# me to 3 departments"): such a handle is kept, so the reply can say "we have".
SUBJECT_VERBS = (r"(?i:has|hasn't|is|isn't|was|wasn't|does|doesn't|keeps|just|still|never|won't"
                 r"|can't|(?:lost|charged|cancell?ed|sent|refused|kept)\s+(?:me|my|us|our|the|a|an"
                 r"|it|them|her|his))")
SUBJECT_HANDLE = re.compile(r"@[\w.]+\s+" + SUBJECT_VERBS + r"\b")


# The reader's probability that each of these clauses says what hurts (one language).
Rate = Callable[[Sequence[str], str], Sequence[float]]


def harm_spans(docs: list[tuple[int, Doc]], issue: IssueType,
               agent_turns: tuple[str, ...] = (), rate: Rate | None = None) -> list[HarmSpan]:
    """The clauses that say what hurts, best first (at most two): scored by the lexicon's
    problem cues (the assessed issue's count more), words of things going wrong and, with
    `rate`, the reader's harm head; never an instruction, a greeting or the mood alone, nor the
    agent's own words quoted back ("A small delay. Wow."): a reply must not say them again."""
    scored = [(score, turn, span) for turn, doc in docs
              for score, span in _rated(doc, issue, rate)]
    ranked = sorted(range(len(scored)), key=lambda n: (scored[n][0], -n), reverse=True)
    best = list(islice((n for n in ranked if not _echo(scored[n][2].text, agent_turns)), 2))
    if best:
        return [scored[n][2].model_copy(update={"turn": scored[n][1]}) for n in best]
    return [span for turn, doc in docs[:1] if (span := _first_sentence(doc, turn))]


def _rated(doc: Doc, issue: IssueType, rate: Rate | None) -> list[tuple[float, HarmSpan]]:
    """The lexicon's clause scores, plus READER_WEIGHT × the reader's probability; a clause
    that only asks for something or tells the backstory stays at most 0.5 (quoted only when
    nothing else hurts)."""
    scored = _scored_clauses(doc.text, doc.lang, doc.lexicon, issue)
    rates = rate([span.text for _, span, _ in scored], doc.lang) if rate and scored else None
    if rates is not None:
        scored = tuple((score + READER_WEIGHT * p, span, aside)
                       for (score, span, aside), p in zip(scored, rates, strict=True))
    return [(min(score, 0.5) if aside else score, span) for score, span, aside in scored
            if score > 0]


def _echo(text: str, agent_turns: tuple[str, ...]) -> bool:
    """Whether a clause of two words or more repeats what an agent said earlier."""
    pattern = _words_pattern(text) if agent_turns else None
    return pattern is not None and any(pattern.search(normalize(t)) for t in agent_turns)


@lru_cache(maxsize=8192)
def _words_pattern(text: str) -> re.Pattern[str] | None:
    words = re.findall(r"\w+", normalize(text))
    return re.compile(r"\b" + r"\W+".join(words) + r"\b") if len(words) >= 2 else None


@lru_cache(maxsize=4096)
def _scored_clauses(text: str, lang: str, lexicon: CompiledLexicon, issue: IssueType
                    ) -> tuple[tuple[float, HarmSpan, bool], ...]:
    """Every clause of one message with the lexicon's score and whether it is an aside,
    in reading order: replay assesses the same turns at every later agent turn, so each is
    scored once."""
    doc = cached_doc(text, lang, lexicon)
    cues = _cue_positions(doc, [f"issues.{issue.value}"])
    others = _cue_positions(doc, ["issues."])
    spans = [_after_opening(text, span, lang, lexicon) for span in _text_clauses(text)]
    return tuple((_score(doc, span, cues, others), span, _aside(doc, span)) for span in spans)


def _after_opening(text: str, span: HarmSpan, lang: str, lexicon: CompiledLexicon) -> HarmSpan:
    """The clause without the greetings or the sarcastic "thanks for" at its start: the reply
    quotes the harm."""
    lead = _opening(lexicon.knowledge_dir, lang).match(span.text)
    return (lead.end() and _span(text, span.turn, span.start + lead.end(), span.end)) or span


@lru_cache(maxsize=4096)  # replay finds the clauses of the same turns at every later turn
def _text_clauses(text: str) -> tuple[HarmSpan, ...]:
    """Every clause; a long run without punctuation (common in reviews) as overlapping windows
    of WINDOW words, so the words that hurt are found wherever they are."""
    spans, start = [], 0
    for cut in [*_CLAUSE.finditer(text), None]:
        end = cut.start() if cut else len(text)
        long = len(text[start:end].split()) > LONG_RUN
        pieces = _windows(text, start, end) if long else [(start, end)]
        spans += [span for a, b in pieces if (span := _span(text, 0, a, b))]
        start = cut.end() if cut else len(text)
    return tuple(spans)


def _windows(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Overlapping windows of WINDOW words over a long run, none across a double space: reviews
    stripped of their punctuation keep a double space where a sentence ended."""
    pieces = []
    for part in re.finditer(r"\S+(?: \S+)*", text[start:end]):
        words = [m.span() for m in re.finditer(r"\S+", part.group())]
        base = start + part.start()
        pieces += [(base + words[i][0], base + words[min(i + WINDOW, len(words)) - 1][1])
                   for i in range(0, max(len(words) - WINDOW // 2, 1), WINDOW // 2)]
    return pieces


def _span(text: str, turn: int, start: int, end: int) -> HarmSpan | None:
    while start < end and not SUBJECT_HANDLE.match(text, start) and (
            (not text[start].isalnum() and not _CURRENCY_SIGN.match(text, start))
            or _HANDLE.match(text, start)):
        handle = _HANDLE.match(text, start)
        start = handle.end() if handle else start + 1
    if end - start > MAX_HARM_CHARS:
        cut = text.rfind(" ", start, start + MAX_HARM_CHARS)
        end = cut if cut > start else start + MAX_HARM_CHARS
    chunk = text[start:end].rstrip()
    if len(chunk.split()) < MIN_HARM_WORDS or detect_injection(chunk):
        return None
    return HarmSpan(turn=turn, text=chunk, start=start, end=start + len(chunk))


def _score(doc: Doc, span: HarmSpan, cues: list[tuple[int, int]],
           others: list[tuple[int, int]]) -> float:
    inside = [p for p, _ in others if span.start <= _original(doc, p) < span.end]
    own = [p for p, _ in cues if span.start <= _original(doc, p) < span.end]
    words = set(normalize(span.text).split())
    hurt = len(words & _hurt_words(doc, doc.lang))
    question = span.text.rstrip(" !").endswith(("?", "؟")) and not inside  # "tf is this?!"
    return 3 * len(own) + 2 * len(inside) + hurt - (2 if question else 0)


def _aside(doc: Doc, span: HarmSpan) -> bool:
    """What they ask for, or how things were before, is not what hurts: such a clause is
    quoted only when nothing else hurts."""
    said = normalize(span.text)
    return (bool(set(said.split()) & _hurt_words(doc, "wants:" + doc.lang))
            or bool(_backstory(doc.lexicon.knowledge_dir, doc.lang).search(said)))


def _original(doc: Doc, folded: int) -> int:
    return doc.folded.span(folded, folded + 1)[0]


Words = list[Annotated[str, StringConstraints(min_length=1)]]


class _ByLanguage(BaseModel):
    model_config = ConfigDict(extra="forbid")
    en: Words = []
    he: Words = []
    fa: Words = []


class HarmWords(BaseModel):
    """knowledge/harm_words.yaml: the words of harm per language, and the openings, clause
    starts and wants the clauses are read with."""

    model_config = ConfigDict(extra="forbid")
    thanks: _ByLanguage
    greetings: _ByLanguage
    interjections: _ByLanguage = _ByLanguage()
    clause_starts: _ByLanguage
    backstory: _ByLanguage = _ByLanguage()
    wants: _ByLanguage
    en: Words
    he: Words
    fa: Words


@lru_cache(maxsize=4)
def _harm_words_file(knowledge_dir: Path) -> HarmWords:
    """harm_words.yaml beside the lexicon the text was read with (the shipped one when that
    folder has none), validated and parsed once."""
    return load_model(knowledge_file(knowledge_dir, HURT_WORDS_FILE), HarmWords)


@lru_cache(maxsize=4)
def _all_hurt_words(knowledge_dir: Path) -> dict[str, frozenset[str]]:
    """The harm words per language, and the words of wanting (`wants:<lang>`)."""
    listed = _harm_words_file(knowledge_dir)
    return {key: frozenset(normalize(w) for w in getattr(group, lang))
            for lang in LANGUAGES
            for key, group in ((lang, listed), (f"wants:{lang}", listed.wants))}


@lru_cache(maxsize=16)
def clause_starts(lang: str) -> frozenset[str]:
    """The words that open a clause in `lang` (the shipped harm_words.yaml)."""
    listed = _harm_words_file(lexicon_path().parent).clause_starts
    return frozenset(w.casefold() for w in getattr(listed, lang))


@lru_cache(maxsize=16)
def _backstory(knowledge_dir: Path, lang: str) -> re.Pattern[str]:
    """The phrases that tell how things were before or what was expected."""
    phrases = [normalize(p) for p in getattr(_harm_words_file(knowledge_dir).backstory, lang)]
    return re.compile(rf"(?<!\w)(?:{_alternatives(phrases)})(?!\w)")


@lru_cache(maxsize=16)
def _opening(knowledge_dir: Path, lang: str) -> re.Pattern[str]:
    """Greetings and interjections, then a "thanks for", at the start of a clause (each may
    be absent)."""
    listed = _harm_words_file(knowledge_dir)
    openers = _alternatives([*getattr(listed.greetings, lang),
                             *getattr(listed.interjections, lang)])
    thanks = _alternatives(getattr(listed.thanks, lang))
    return re.compile(rf"(?:(?:{openers})\b[\s,،:!.?\-]*)*(?:(?:{thanks})\b[\s,،:]*)?",
                      re.IGNORECASE)


def _alternatives(phrases: list[str]) -> str:
    """Phrases as one regex alternation, longest first, any run of spaces between words."""
    ordered = sorted(phrases, key=len, reverse=True)
    return "|".join(r"\s+".join(map(re.escape, p.split())) for p in ordered) or "(?!)"


def _hurt_words(doc: Doc, lang: str) -> frozenset[str]:
    return _all_hurt_words(doc.lexicon.knowledge_dir).get(lang, frozenset())


def _cue_positions(doc: Doc, keys: list[str]) -> list[tuple[int, int]]:
    positions: list[tuple[int, int]] = []
    for key in keys:
        names = [f"issues.{k}" for k in doc.lexicon.lexicon.issues] if key == "issues." else [key]
        for name in names:
            if name in doc.lexicon.categories:
                positions += doc.spans(name)
    return sorted(positions)


def _first_sentence(doc: Doc, turn: int) -> HarmSpan | None:
    for start, end in doc.sentences:
        a, b = doc.folded.span(start, end)
        if span := _span(doc.text, turn, a, b):
            return _after_opening(doc.text, span, doc.lang, doc.lexicon)
    return None

