"""Reading a complaint with a lexicon: issue, mood, risks, what the agent did and said wrong.

Everything the coach notices in a message comes from knowledge/signals.yaml, matched on folded
text (assistant.read.language.fold) so spelling variants meet, and mapped back so every quote is an
exact substring of the original. No model: the same text always gives the same signals, in
microseconds, and a company can extend the lexicon without touching code.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right, insort
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from assistant.datafiles import load_model
from assistant.models import LANGUAGES, Emotion, IssueType, PhraseHit, Risk, Step
from assistant.read.language import fold, scripts_in
from assistant.settings import get_settings

LEXICON_FILE = "signals.yaml"
HARMFUL = ("minimize", "excuse", "blame")

_FLAGS = re.MULTILINE
_HE_PREFIX = "[ובהלמשכ]{0,3}"
_SEPARATOR = {"en": r"[\s\-]+", "he": r"[\s\-]+", "fa": r"[\s\-]*"}
_GAP = r"[^\w.!?\n]+(?:\w+[^\w.!?\n]+){0,3}?"
_CLAUSE_BREAK = re.compile(
    r"[.,;:!?\n()\[\]\"…]|(?<!\w)(?:but|however|although|אבל|אך|اما|ولی)(?!\w)")
_QUOTE_END = re.compile(r"[.,;:!?\n()\[\]\"…،؛؟—]")
_SENTENCE = re.compile(r"(?:[^.!?\n]|\.(?=\d))+[.!?]*")
_NUMBER = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_QUOTE_MAX = 80
_PARTIAL_WORD = re.compile(r"\s*\S*$")


# --- cues -----------------------------------------------------------------------------------------

def _word_pattern(word: str) -> str:
    stem = word.endswith("*") and len(word) > 1
    core = re.escape(word[:-1] if stem else word)
    core = core.replace("'", "'?").replace('"', "(?:\"|'')?").replace(r"\-", r"[\s\-]?")
    core = core.replace(",", ",?")
    return core + (r"\w*" if stem else "")


def _cue_parts(cue: str, lang: str) -> tuple[str, str]:
    """(left boundary, body) of one cue; cues sharing a boundary are alternated behind it once,
    which keeps a scan fast (the engine tries the alternatives only where a word starts)."""
    if cue.startswith("re:"):
        return "", f"(?:{cue[3:]})"
    words = fold(cue).text.split()
    body, separator = "", ""
    for word in words:
        if word == "~":
            separator = _GAP
            continue
        body += separator + _word_pattern(word)
        separator = _SEPARATOR[lang]
    first, last = words[0][0], words[-1]
    left = r"\b" if re.match(r"\w", first) else ""
    if lang == "he" and "\u05d0" <= first <= "\u05ea":
        left += _HE_PREFIX
    right = r"(?!\w)" if re.search(r"\w$", last) else ""
    return left, body + right


def cue_pattern(cue: str, lang: str) -> str:
    """The regular expression for one cue of `lang` (syntax: header of knowledge/signals.yaml)."""
    left, body = _cue_parts(cue, lang)
    return f"(?:{left}{body})"


def _valid_cue(cue: str) -> str:
    if not cue.strip() or cue.strip() in ("re:", "~"):
        raise ValueError("empty cue")
    if not cue.startswith("re:"):
        return cue  # a phrase is escaped word by word: it always compiles
    try:
        compiled = re.compile(cue_pattern(cue, "he"), _FLAGS)
    except re.error as exc:
        raise ValueError(f"cue {cue!r} is not a valid pattern: {exc}") from None
    if compiled.search("") or compiled.search(" "):
        raise ValueError(f"cue {cue!r} matches empty text")
    return cue


Cue = Annotated[str, AfterValidator(_valid_cue)]


# --- schema ---------------------------------------------------------------------------------------

class Cues(BaseModel):
    """Cues in each of our languages; every language must have some."""

    model_config = ConfigDict(extra="forbid")
    en: list[Cue] = Field(min_length=1)
    he: list[Cue] = Field(min_length=1)
    fa: list[Cue] = Field(min_length=1)


class SomeCues(BaseModel):
    """Cues where a language may have none."""

    model_config = ConfigDict(extra="forbid")
    en: list[Cue] = Field(default_factory=list)
    he: list[Cue] = Field(default_factory=list)
    fa: list[Cue] = Field(default_factory=list)


class Category(BaseModel):
    model_config = ConfigDict(extra="forbid")
    cues: Cues
    unless: SomeCues | None = None
    negation: Literal["none", "before", "around"] = "none"


class EmotionCategory(Category):
    intensity: float = Field(ge=0.0, le=1.0)


class Negations(BaseModel):
    model_config = ConfigDict(extra="forbid")
    before: Cues
    after: SomeCues = Field(default_factory=SomeCues)


class WeightedCues(BaseModel):
    model_config = ConfigDict(extra="forbid")
    weight: float = Field(ge=0.0, le=1.0)
    cues: Cues


class Amplifiers(BaseModel):
    model_config = ConfigDict(extra="forbid")
    exclamation: float = Field(ge=0.0, le=1.0)
    shouting: float = Field(ge=0.0, le=1.0)
    repeat_turn: float = Field(ge=0.0, le=1.0)
    threat: float = Field(ge=0.0, le=1.0)
    high_stakes: float = Field(ge=0.0, le=1.0)
    critical_stakes: float = Field(ge=0.0, le=1.0)
    profanity: WeightedCues
    repeated: WeightedCues


class Currency(BaseModel):
    model_config = ConfigDict(extra="forbid")
    large: float = Field(gt=0)
    cues: list[Cue] = Field(min_length=1)


def _complete(members: list[str], skip: tuple[str, ...] = ()):
    def check(value: dict) -> dict:
        missing = [m for m in members if m not in value and m not in skip]
        if missing:
            raise ValueError(f"missing {', '.join(missing)}")
        if any(m in value for m in skip):
            raise ValueError(f"{', '.join(skip)} needs no cues")
        return value
    return check


class Lexicon(BaseModel):
    """knowledge/signals.yaml."""

    model_config = ConfigDict(extra="forbid")
    version: Literal[1]
    negations: Negations
    issues: Annotated[dict[IssueType, Category],
                      AfterValidator(_complete(list(IssueType), skip=("other",)))]
    severity: Annotated[dict[Literal["critical", "high", "long_wait", "low"], Category],
                        AfterValidator(_complete(["critical", "high", "long_wait", "low"]))]
    emotions: Annotated[dict[Emotion, EmotionCategory], AfterValidator(_complete(list(Emotion)))]
    amplifiers: Amplifiers
    risks: Annotated[dict[Risk, Category], AfterValidator(_complete(list(Risk)))]
    steps: Annotated[dict[Step, Category], AfterValidator(_complete(list(Step)))]
    time_expressions: Category
    diagnostic_questions: Category
    harmful: Annotated[dict[Literal["minimize", "excuse", "blame"], Category],
                       AfterValidator(_complete(list(HARMFUL)))]
    compensation_request: Category
    demand: Category
    wants_to_be_heard: Category
    company_fault: Category
    customer_fault: Category
    cause_unknown: Category
    injection: Category
    currencies: dict[Annotated[str, Field(pattern=r"^[A-Z]{3}$")], Currency] = Field(min_length=1)
    multipliers: dict[str, Annotated[float, Field(gt=0)]] = Field(default_factory=dict)

    def categories(self) -> dict[str, Category]:
        """Every category by its dotted key, e.g. "issues.delay", "steps.apologized"."""
        found: dict[str, Category] = {}
        for group in ("issues", "severity", "emotions", "risks", "steps", "harmful"):
            for name, category in getattr(self, group).items():
                found[f"{group}.{name}"] = category
        for name in ("time_expressions", "diagnostic_questions", "compensation_request", "demand",
                     "wants_to_be_heard", "company_fault", "customer_fault", "cause_unknown",
                     "injection"):
            found[name] = getattr(self, name)
        amplifiers = self.amplifiers
        found["amplifiers.profanity"] = Category(cues=amplifiers.profanity.cues)
        found["amplifiers.repeated"] = Category(cues=amplifiers.repeated.cues)
        return found


# --- compiled -------------------------------------------------------------------------------------

def _alternation(cues: list[str], lang: str) -> re.Pattern[str] | None:
    if not cues:
        return None
    groups: dict[str, list[str]] = {}
    for cue in sorted(cues, key=len, reverse=True):  # the longest cue wins at a position
        left, body = _cue_parts(cue, lang)
        groups.setdefault(left, []).append(body)
    branches = [f"{left}(?:{'|'.join(bodies)})" if left else "|".join(bodies)
                for left, bodies in groups.items()]
    return re.compile("|".join(branches), _FLAGS)


def _every_language(cues: Cues | SomeCues) -> re.Pattern[str] | None:
    patterns = [_alternation(getattr(cues, lang), lang) for lang in LANGUAGES]
    joined = "|".join(p.pattern for p in patterns if p)
    return re.compile(joined, _FLAGS) if joined else None


@dataclass(frozen=True)
class Matcher:
    pattern: re.Pattern[str] | None
    unless: re.Pattern[str] | None
    negation: str


@dataclass(frozen=True)
class Amount:
    value: float
    currency: str
    start: int
    end: int


class CompiledLexicon:
    """A validated lexicon with every category compiled once per language."""

    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self.categories = lexicon.categories()
        self._matchers: dict[tuple[str, str], Matcher] = {}
        negations = lexicon.negations
        self.negation_before = _every_language(negations.before)
        self.negation_after = _every_language(negations.after)
        self.intensity = {Emotion(e): c.intensity for e, c in lexicon.emotions.items()}
        self.currencies = {code: re.compile("|".join(_currency_pattern(c) for c in spec.cues))
                           for code, spec in lexicon.currencies.items()}
        self.multipliers = {fold(word).text: factor for word, factor in lexicon.multipliers.items()}
        self.amount = _amount_pattern(lexicon)

    def matcher(self, key: str, lang: str) -> Matcher:
        """Category `key` in `lang`, compiled on first use: a Hebrew chat compiles no Persian."""
        if (key, lang) not in self._matchers:
            category = self.categories[key]
            unless = getattr(category.unless, lang) if category.unless else []
            self._matchers[key, lang] = Matcher(_alternation(getattr(category.cues, lang), lang),
                                                _alternation(unless, lang), category.negation)
        return self._matchers[key, lang]


def _currency_pattern(cue: str) -> str:
    """A currency sign or word: it may touch the number ("$300", "300₪", "500ש"ח")."""
    text = fold(cue).text
    bounded = not text.endswith("*") and re.search(r"\w$", text)
    return "(?:" + _word_pattern(text) + (r"(?!\w)" if bounded else "") + ")"


def _amount_pattern(lexicon: Lexicon) -> re.Pattern[str]:
    currency = "|".join(_currency_pattern(c) for spec in lexicon.currencies.values()
                        for c in sorted(spec.cues, key=len, reverse=True))
    words = sorted((fold(w).text for w in lexicon.multipliers), key=len, reverse=True)
    multiplier = "|".join(re.escape(w) for w in words) or "(?!)"
    return re.compile(
        rf"(?:(?P<pre>{currency})\s?)?(?<![\d.,])(?P<num>{_NUMBER})(?![\d])"
        rf"\s*(?:(?P<mult>{multiplier})(?!\w)\s*)?(?P<post>{currency})?")


def load_lexicon(path: Path) -> CompiledLexicon:
    """Read, validate and compile a lexicon file; a bad file raises DataFileError."""
    return CompiledLexicon(load_model(path, Lexicon))


@lru_cache(maxsize=4)
def _cached(path: str, stamp: tuple[int, int]) -> CompiledLexicon:
    del stamp  # part of the cache key only: an edited file is read again
    return load_lexicon(Path(path))


def lexicon_path() -> Path:
    return get_settings().knowledge_dir / LEXICON_FILE


def get_lexicon(path: Path | None = None) -> CompiledLexicon:
    """The compiled lexicon at `path` (default: knowledge/signals.yaml), cached until it changes."""
    path = path or lexicon_path()
    try:
        stat = path.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
    except OSError:
        stamp = (0, 0)  # load_lexicon reports the missing file
    return _cached(str(path), stamp)


# --- one text -------------------------------------------------------------------------------------

def _overlaps(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
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

    def _scan(self, key: str) -> list[tuple[int, int]]:
        found: list[tuple[int, int]] = []
        for lang in self.langs:
            matcher = self.lexicon.matcher(key, lang)
            if matcher.pattern is None:
                continue
            unless = ([m.span() for m in matcher.unless.finditer(self.norm)]
                      if matcher.unless else [])
            for match in matcher.pattern.finditer(self.norm):
                start, end = match.span()
                if end == start or _overlaps(start, end, unless) or _overlaps(start, end, found):
                    continue
                if matcher.negation != "none" and self._negated(start, end, matcher.negation):
                    continue
                insort(found, (start, end))
        return found

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

    def amounts(self) -> list[Amount]:
        """Sums of money with a currency: "$300", "500 ש"ח", "۵۰۰ هزار تومان"."""
        found: list[Amount] = []
        for match in self.lexicon.amount.finditer(self.norm):
            sign = match.group("pre") or match.group("post")
            if not sign:
                continue
            value = float(match.group("num").replace(",", ""))
            if match.group("mult"):
                value *= self.lexicon.multipliers.get(match.group("mult"), 1.0)
            code = next((c for c, p in self.lexicon.currencies.items() if p.fullmatch(sign)), "")
            found.append(Amount(value, code, *match.span()))
        return found


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

def detect_injection(text: str) -> bool:
    """True when customer text tries to instruct the assistant (any of our languages)."""
    norm, lexicon = fold(text).text, get_lexicon()
    patterns = [lexicon.matcher("injection", lang).pattern for lang in LANGUAGES]
    return any(pattern.search(norm) for pattern in patterns if pattern)


def issue_hits(doc: Doc) -> dict[IssueType, int]:
    """How many cues of each issue type the message holds."""
    counts = {IssueType(key): len(doc.spans(f"issues.{key}"))
              for key in doc.lexicon.lexicon.issues}
    return {issue: n for issue, n in counts.items() if n}


def detect_risks(doc: Doc) -> set[Risk]:
    risks = {Risk(key) for key in doc.lexicon.lexicon.risks if doc.has(f"risks.{key}")}
    if doc.has("issues.safety"):
        risks.add(Risk.safety)
    return risks


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


def demanded_amount(doc: Doc) -> Amount | None:
    """The sum nearest to a demand ("I want", "refund", "פיצוי") in the same sentence."""
    amounts = doc.amounts()
    if not amounts:
        return None
    cues: dict[int, list[tuple[int, int]]] = {}
    for span in sorted(doc.spans("demand") + doc.spans("compensation_request")):
        cues.setdefault(doc.sentence_index(span[0]), []).append(span)
    best: tuple[int, int, Amount] | None = None
    for amount in amounts:
        near = cues.get(doc.sentence_index(amount.start), [])
        index = bisect_left(near, (amount.start,))
        for start, end in near[max(index - 1, 0):index + 1]:  # the cue just before and after
            key = (max(start - amount.end, amount.start - end, 0), -amount.start)
            if best is None or key < best[:2]:
                best = (*key, amount)
    return best[2] if best else None
