"""Reading a complaint with a lexicon: issue, mood, risks, what the agent did and said wrong.

Everything the coach notices in a message comes from knowledge/signals.yaml, matched on folded
text (assistant.read.language.fold) so spelling variants meet, and mapped back so every quote is an
exact substring of the original. No model: the same text always gives the same signals, in
microseconds, and a company can extend the lexicon without touching code.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_left, bisect_right, insort
from collections.abc import Callable, Iterator
from functools import cached_property
from typing import TypeVar

from assistant.models import LANGUAGES, Emotion, IssueType, PhraseHit, Risk, Step
from assistant.read.language import fold, scripts_in
from assistant.read.lexicon import HARMFUL, CompiledLexicon, get_lexicon
from assistant.read.money import Money, money_reader, read_money

T = TypeVar("T")

_CLAUSE_BREAK = re.compile(
    r"[.,;:!?\n()\[\]\"…]|(?<!\w)(?:but|however|although|אבל|אך|اما|ولی)(?!\w)")
_QUOTE_END = re.compile(r"[.,;:!?\n()\[\]\"…،؛؟—]")
_SENTENCE = re.compile(r"(?:[^.!?\n]|\.(?=\d))+[.!?]*")
_QUOTE_MAX = 80
_PARTIAL_WORD = re.compile(r"\s*\S*$")


# --- one text -------------------------------------------------------------------------------------

def overlaps(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    """Whether [start, end) overlaps one of `spans` (sorted, not overlapping each other)."""
    index = bisect_left(spans, (end,)) - 1
    return index >= 0 and spans[index][1] > start


class Doc:
    """One message, folded once and scanned lazily, category by category."""

    def __init__(self, text: str, lang: str, lexicon: CompiledLexicon | None = None) -> None:
        self.text = text
        self.folded = fold(text)
        self.norm = self.folded.text
        self.lang = lang if lang in LANGUAGES else "en"
        self.lexicon = lexicon or get_lexicon()
        self.langs = [self.lang, *sorted(scripts_in(self.norm) - {self.lang})]
        self._spans: dict[str, list[tuple[int, int]]] = {}

    def spans(self, key: str) -> list[tuple[int, int]]:
        """Where the category `key` matched, in folded positions, look-alikes and negated hits
        left out."""
        if key not in self._spans:
            self._spans[key] = self._scan(key)
        return self._spans[key]

    def has(self, key: str) -> bool:
        return bool(self.spans(key))

    def fires(self, key: str) -> bool:
        """`has(key)` without collecting every match: a long text (a thread's customer turns
        read together) is read only up to its first."""
        if key in self._spans:
            return bool(self._spans[key])
        return next(self._candidates(key), None) is not None

    def _scan(self, key: str) -> list[tuple[int, int]]:
        found: list[tuple[int, int]] = []
        for start, end in self._candidates(key):
            if not overlaps(start, end, found):  # another language's cue already there
                insort(found, (start, end))
        return found

    def _candidates(self, key: str) -> Iterator[tuple[int, int]]:
        """Matches of `key`, language by language, look-alikes and negated hits left out."""
        for lang in self.langs:
            matcher = self.lexicon.matcher(key, lang)
            if matcher.pattern is None:
                continue
            unless: list[tuple[int, int]] | None = None  # look-alikes: read at the first match
            for match in matcher.pattern.finditer(self.norm):
                start, end = match.span()
                if end == start:
                    continue
                if unless is None:
                    unless = ([m.span() for m in matcher.unless.finditer(self.norm)]
                              if matcher.unless else [])
                if overlaps(start, end, unless):
                    continue
                if matcher.negation != "none" and self._negated(start, end, matcher.negation):
                    continue
                yield start, end

    def negated(self, start: int, end: int) -> bool:
        """Whether the words at folded [start, end) are negated before or (Persian) after."""
        return self._negated(start, end, "around")

    def _negated(self, start: int, end: int, where: str) -> bool:
        """A negation in the three words before the hit (same clause), or a negated verb right
        after it (Persian puts the negation on the verb at the end: "عصبانی نیستم")."""
        before = self.norm[max(0, start - 80):start]
        breaks = [m.end() for m in _CLAUSE_BREAK.finditer(before)]
        words = before[breaks[-1] if breaks else 0:].split()[-3:]
        if words and self.lexicon.negation_before.search(" ".join(words)):
            return True
        if where != "around" or self.lexicon.negation_after is None:
            return False
        after = self.norm[end:end + 60]
        stop = _CLAUSE_BREAK.search(after)
        words = (after[:stop.start()] if stop else after).split()[:2]
        return bool(words) and bool(self.lexicon.negation_after.search(" ".join(words)))

    @cached_property
    def sentences(self) -> list[tuple[int, int]]:
        return [m.span() for m in _SENTENCE.finditer(self.norm) if m.group().strip()]

    def sentence_index(self, position: int) -> int:
        """The index of the sentence holding `position` (-1 before the first one)."""
        index = bisect_right(self.sentences, (position, len(self.norm) + 1)) - 1
        return index if index >= 0 and position < self.sentences[index][1] else -1

    def sentence_of(self, position: int) -> tuple[int, int]:
        index = self.sentence_index(position)
        return self.sentences[index] if index >= 0 else (position, position)

    def is_question(self, index: int) -> bool:
        start, end = self.sentences[index]
        return self.norm[start:end].rstrip().endswith("?")

    def quote(self, start: int, end: int) -> str:
        """The original words from the hit to the end of its clause (at most ~80 characters)."""
        begin, stop = self.folded.span(start, end)
        limit = begin + _QUOTE_MAX
        tail = self.text[stop:limit]
        clause_end = _QUOTE_END.search(tail)
        if clause_end:
            tail = tail[:clause_end.start()]
        elif limit < len(self.text) and not self.text[limit].isspace():  # cut inside a word
            tail = _PARTIAL_WORD.sub("", tail)
        return (self.text[begin:stop] + tail).strip()

    @cached_property
    def _amounts(self) -> list[Money]:
        return [m for m in read_money(self.folded, money_reader(self.lexicon)) if not m.percent]

    def amounts(self) -> list[Money]:
        """Sums of money with a currency: "$300", "500 ש"ח", "۵۰۰ هزار تومان" (spans in the
        folded text); percentages are not sums."""
        return list(self._amounts)


# --- what an agent message does -------------------------------------------------------------------

def find_harmful_phrases(text: str, lang: str) -> list[PhraseHit]:
    """Minimizing, excuses and blame in an agent message, each quoted in the agent's own words."""
    return harmful_in(Doc(text, lang))


def harmful_in(doc: Doc) -> list[PhraseHit]:
    hits: list[tuple[int, PhraseHit]] = []
    for criterion in HARMFUL:
        quoted_up_to = -1  # one hit per clause: "You should have read the terms" is one blame
        for start, end in doc.spans(f"harmful.{criterion}"):
            if start < quoted_up_to:
                continue
            quote = doc.quote(start, end)
            quoted_up_to = start + len(fold(quote).text)
            hits.append((start, PhraseHit(criterion=criterion, quote=quote)))
    return [hit for _, hit in sorted(hits, key=lambda pair: pair[0]) if hit.quote]


def asks_diagnostic_question(doc: Doc) -> bool:
    """A real question about the problem: a diagnostic cue anywhere, or a question sentence
    with a question word that is not a look-alike ("anything else?", "would you like…?")."""
    if doc.has("steps.asked"):
        return True
    lookalikes = [doc.lexicon.matcher("steps.asked", lang).unless for lang in doc.langs]
    excluded = {doc.sentence_index(m.start()) for pattern in lookalikes if pattern
                for m in pattern.finditer(doc.norm)}
    asked = {doc.sentence_index(start) for start, _ in doc.spans("diagnostic_questions")}
    return any(doc.is_question(index) for index in asked - excluded if index >= 0)


def commits_with_time(doc: Doc) -> bool:
    """A commitment and a time in one sentence: "I'll call you back by 5 pm"."""
    times = doc.spans("time_expressions")
    if not times:
        return False
    sentences = {doc.sentence_index(start) for start, _ in doc.spans("steps.next_step")}
    return any(doc.sentence_index(start) in sentences for start, _ in times)


def acknowledges(doc: Doc) -> bool:
    """An acknowledgement the same sentence does not take back: "I understand, but it's only a
    small delay" minimizes, it does not acknowledge."""
    undercut = {doc.sentence_index(start) for key in ("harmful.minimize", "harmful.excuse")
                for start, _ in doc.spans(key)}
    return any(doc.sentence_index(start) not in undercut
               for start, _ in doc.spans("steps.acknowledged"))


@functools.lru_cache(maxsize=4096)
def cached_doc(text: str, lang: str, lexicon: CompiledLexicon) -> Doc:
    """The same message read once: replay assesses every prefix of a conversation, so each turn
    is folded and scanned once instead of once per later turn (linear, not quadratic)."""
    return Doc(text, lang, lexicon)


def per_doc(function: Callable[[Doc], T]) -> Callable[[Doc], T]:
    """Remember a reading of one Doc on the Doc itself."""
    name = f"_memo_{function.__name__}"

    @functools.wraps(function)
    def read(doc: Doc) -> T:
        if name not in doc.__dict__:
            doc.__dict__[name] = function(doc)
        return doc.__dict__[name]
    return read


@per_doc
def steps_in(doc: Doc) -> set[Step]:
    plain = (Step.asked, Step.next_step, Step.acknowledged)
    steps = {step for step in Step if step not in plain and doc.has(f"steps.{step.value}")}
    if acknowledges(doc):
        steps.add(Step.acknowledged)
    if asks_diagnostic_question(doc):
        steps.add(Step.asked)
    if commits_with_time(doc):
        steps.add(Step.next_step)
    return steps


def detect_steps(text: str, lang: str) -> set[Step]:
    """The recovery steps an agent message performs. "Sorry you feel that way" is no apology;
    "anything else?" is no diagnostic question; a next step needs a time."""
    return steps_in(Doc(text, lang))


# --- what a customer message says -----------------------------------------------------------------

# Letters that look Latin but are Cyrillic or Greek, and digits written for letters (leetspeak):
# "іgnоre аll previous instructions", "1gn0r3 y0ur pr0mpt".
_LOOKALIKES = str.maketrans("асеоруxіјѕԁһкмтвнАСЕОРУХІЈЅНКМТВαεορτυνκ",
                            "aceopyxijsdhkmtbhaceopyxijshkmtbaeoptuvk")
_LEET = str.maketrans("0134578@$|!", "oieastbasil")
_LEET_WORD = re.compile(r"\b(?=\w*[a-z])(?=\w*[0-9@$|!])[\w@$|!]+", re.IGNORECASE)


def unmasked(text: str) -> str:
    """`text` with look-alike letters and leetspeak read as the Latin words they imitate."""
    plain = text.translate(_LOOKALIKES)
    return _LEET_WORD.sub(lambda m: m.group().translate(_LEET), plain)


def detect_injection(text: str, lexicon: CompiledLexicon | None = None) -> bool:
    """True when customer text tries to instruct the assistant (any of our languages), also
    when disguised with look-alike letters or leetspeak."""
    return _injection(text, lexicon or get_lexicon())


@functools.lru_cache(maxsize=4096)
def _injection(text: str, lexicon: CompiledLexicon) -> bool:
    patterns = [lexicon.matcher("injection", lang).pattern for lang in LANGUAGES]
    variants = {fold(text).text, fold(unmasked(text)).text}
    return any(pattern.search(norm) for norm in variants for pattern in patterns if pattern)


@per_doc
def issue_hits(doc: Doc) -> dict[IssueType, int]:
    """How many cues of each issue type the message holds."""
    counts = {IssueType(key): len(doc.spans(f"issues.{key}"))
              for key in doc.lexicon.lexicon.issues}
    return {issue: n for issue, n in counts.items() if n}


@per_doc
def detect_risks(doc: Doc) -> set[Risk]:
    risks = {Risk(key) for key in doc.lexicon.lexicon.risks if doc.has(f"risks.{key}")}
    if doc.has("issues.safety"):
        risks.add(Risk.safety)
    return risks


@per_doc
def strongest_emotion(doc: Doc) -> Emotion | None:
    """The most intense emotion the words name, or None when they name none."""
    named = [e for e in doc.lexicon.intensity if doc.has(f"emotions.{e.value}")]
    return max(named, key=doc.lexicon.intensity.__getitem__) if named else None


def _shouting(text: str) -> bool:
    words = re.findall(r"[A-Za-z]{3,}", text)
    caps = [w for w in words if w.isupper()]
    letters = sum(len(w) for w in words)
    return len(caps) >= 3 or (len(caps) >= 2 and len(caps) * 2 >= len(words)) or (
        letters >= 12 and len(caps) == len(words))


@per_doc
def amplification(doc: Doc) -> float:
    """How much hotter than its emotion words the message reads: !!!, CAPITALS, profanity,
    "again", threats, and the harm it describes."""
    weights = doc.lexicon.lexicon.amplifiers
    total = 0.0
    threats = [risk for risk in Risk if risk != Risk.safety and doc.has(f"risks.{risk.value}")]
    total += weights.threat * len(threats)  # "I'll cancel AND post everywhere" is hotter still
    if doc.has("severity.critical"):
        total += weights.critical_stakes
    elif doc.has("severity.high") or doc.has("severity.long_wait"):
        total += weights.high_stakes
    if any(mark in doc.norm for mark in ("!!", "?!", "!?")) or doc.norm.count("!") >= 3:
        total += weights.exclamation
    if _shouting(doc.text):
        total += weights.shouting
    if doc.has("amplifiers.profanity"):
        total += weights.profanity.weight
    if doc.has("amplifiers.repeated"):
        total += weights.repeated.weight
    return total


@per_doc
def demanded_amount(doc: Doc) -> Money | None:
    """The sum nearest to a demand ("I want", "refund", "פיצוי") in the same sentence."""
    amounts = doc.amounts()
    if not amounts:
        return None
    cues: dict[int, list[tuple[int, int]]] = {}
    for span in sorted(doc.spans("demand") + doc.spans("compensation_request")):
        cues.setdefault(doc.sentence_index(span[0]), []).append(span)
    best: tuple[int, int, Money] | None = None
    for amount in amounts:
        near = cues.get(doc.sentence_index(amount.start), [])
        index = bisect_left(near, (amount.start,))
        for start, end in near[max(index - 1, 0):index + 1]:  # the cue just before and after
            key = (max(start - amount.end, amount.start - end, 0), -amount.start)
            if best is None or key < best[:2]:
                best = (*key, amount)
    return best[2] if best else None
