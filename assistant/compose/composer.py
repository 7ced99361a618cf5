"""The `rules` backend: the next reply, composed without a model, in the customer's language.

`plan_stage` decides what the reply must do next; `compose_reply` builds it from moves (name the
specific problem, apologize with ownership, ask one question, state the policy's remedy and
gesture, assure, give a next step). Each sentence comes from the retrieved practices' `do`
phrases when one fits, else from knowledge/phrasing.yaml, so the reply is the playbook's, and
variants are chosen by a hash of the conversation: replies differ, tests stay reproducible.

Customer text is untrusted and never echoed. The one detail taken from it — a duration such as
"two hours" — is parsed and re-written in the phrasing file's own words.
"""

from __future__ import annotations

import hashlib
import re
import string
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from assistant.datafiles import load_model
from assistant.knowledge.practices import Practice
from assistant.models import (
    Assessment,
    Compensation,
    CompensationKind,
    Emotion,
    IssueType,
    Language,
    Risk,
    Stage,
    Step,
    Transcript,
)
from assistant.read.textnorm import normalize
from assistant.settings import get_settings

PHRASING_FILE = "phrasing.yaml"
MAX_SENTENCES = 6
MAX_CHARS = {"chat": 900, "phone": 900, "social": 600, "email": 2500}  # a reply per channel
GREETING_ROOM = 40

# ---------------------------------------------------------------------------------------------
# The phrasing file's schema: every template is checked for the placeholders its slot can fill.

_FORMATTER = string.Formatter()


def placeholders(text: str) -> set[str]:
    """The `{names}` a template uses; malformed braces are a ValueError."""
    try:
        return {name for _, name, _, _ in _FORMATTER.parse(text) if name is not None}
    except ValueError as exc:
        raise ValueError(f"malformed placeholder in {text!r}: {exc}") from None


def _template(allowed: str = "", required: str = "", question: bool = False):
    """A str type that accepts only the given placeholders (and demands the required ones)."""
    may, must = set(allowed.split()) | set(required.split()), set(required.split())

    def check(text: str) -> str:
        names = placeholders(text)
        if unknown := names - may:
            raise ValueError(f"unknown placeholder {{{sorted(unknown)[0]}}} in {text!r}; "
                             f"allowed: {', '.join(sorted(may)) or 'none'}")
        if missing := must - names:
            raise ValueError(f"{text!r} must use the placeholder {{{sorted(missing)[0]}}}")
        if question and not text.rstrip().endswith(("?", "؟")):
            raise ValueError(f"{text!r} must be a question (end with ? or ؟)")
        return text

    return Annotated[str, Field(min_length=1), AfterValidator(check)]


def _variants(allowed: str = "", required: str = "", question: bool = False):
    """A non-empty list of templates; one must work without the optional {product}."""

    def plain_one(items: list[str]) -> list[str]:
        if "product" in allowed and all("product" in placeholders(t) for t in items):
            raise ValueError("add at least one variant without {product}")
        return items

    item = _template(allowed, required, question)
    return Annotated[list[item], Field(min_length=1), AfterValidator(plain_one)]


Plain = _variants()
Questions = _variants(allowed="product", question=True)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MoneyStyle(_Strict):
    decimals: Literal["always", "auto"]
    thousands: str
    decimal: str = Field(min_length=1)
    currencies: dict[Annotated[str, Field(pattern=r"^[A-Z]{3}$")], _template(required="amount")]
    other: _template(required="amount code")


UnitName = Literal["minute", "hour", "day", "week", "month"]


class UnitWords(_Strict):
    read: list[str] = Field(min_length=1)
    one: str = Field(min_length=1)
    two: str | None = None
    many: _template(required="n")
    adjective: _template(required="n") | None = None
    numbers: list[str] | None = Field(default=None, min_length=11, max_length=11)


class HalfHour(_Strict):
    read: list[str] = Field(min_length=1)
    text: str = Field(min_length=1)
    adjective: str | None = None


class Durations(_Strict):
    """How a wait is read from customer text and written back (Hebrew duals, Persian digits)."""

    numbers: list[str] = Field(min_length=11, max_length=11)
    also_read: dict[str, int] = Field(default_factory=dict)
    not_after: list[str] = Field(default_factory=list)
    not_before: list[str] = Field(default_factory=list)  # "three months ago" is no wait
    prefixes: str = ""
    half_hour: HalfHour
    units: dict[UnitName, UnitWords]

    @field_validator("units")
    @classmethod
    def _all_units(cls, units: dict[str, UnitWords]) -> dict[str, UnitWords]:
        missing = [u for u in UnitName.__args__ if u not in units]
        if missing:
            raise ValueError(f"missing unit {missing[0]!r}")
        return units

    @cached_property
    def reader(self) -> DurationReader:
        return DurationReader.build(self)


class Greetings(_Strict):
    first: _variants(required="name")
    later: _variants(required="name")


class Acknowledgements(_Strict):
    default: _variants(required="problem")
    upset: _variants(required="problem")
    worried: _variants(required="problem")
    not_at_fault: _variants(required="problem")


class Apologies(_Strict):
    at_fault: Plain
    unknown: Plain


class Explanations(_Strict):
    at_fault: Plain
    unknown: Plain
    not_at_fault: Plain


class RemedyWords(_Strict):
    amount: _variants(allowed="product", required="amount")
    plain: _variants(allowed="product")
    offer_amount: _template(required="amount")
    offer_plain: _template()


class NextSteps(_Strict):
    after_remedy: Plain
    follow_up: Plain
    assured: Plain
    safety: Plain


class SafetyWords(_Strict):
    check: _variants(question=True)
    precaution: Plain


class IssueWords(_Strict):
    noun: _template()
    product: _template(required="product") | None = None
    duration: _template(allowed="duration duration_adj") | None = None
    product_duration: _template(allowed="duration duration_adj", required="product") | None = None
    question: Questions

    @field_validator("duration", "product_duration")
    @classmethod
    def _uses_duration(cls, text: str | None) -> str | None:
        if text is not None and not placeholders(text) & {"duration", "duration_adj"}:
            raise ValueError(f"{text!r} must use {{duration}} or {{duration_adj}}")
        return text


class LanguagePhrasing(_Strict):
    """Everything the composer says in one language."""

    digits: str = Field(min_length=10, max_length=10)
    money: MoneyStyle
    durations: Durations
    greeting: Greetings
    acknowledge: Acknowledgements
    deescalate: Plain
    apology: Apologies
    recap: _variants(required="problem")
    listen: Plain
    listen_question: _variants(question=True)
    help: Plain
    explain: Explanations
    gesture: _variants(required="gesture")
    gesture_after_remedy: _variants(required="gesture")
    goodwill: str = Field(min_length=1)
    approval: _variants(required="offer")
    remedies: dict[CompensationKind, RemedyWords]
    assure: _variants(allowed="noun")
    next_step: NextSteps
    safety: SafetyWords
    closing: Plain
    fault_markers: list[str] = Field(min_length=1)
    apology_markers: list[str] = Field(min_length=1)
    dismissive_thanks: list[str] = Field(min_length=1)
    titles: list[str] = Field(min_length=1)
    issues: dict[IssueType, IssueWords]

    @field_validator("remedies")
    @classmethod
    def _every_remedy(cls, remedies: dict) -> dict:
        missing = [k.value for k in CompensationKind if k != CompensationKind.none
                   and k not in remedies]
        if missing:
            raise ValueError(f"missing compensation kind {missing[0]!r}")
        return remedies

    @field_validator("issues")
    @classmethod
    def _every_issue(cls, issues: dict) -> dict:
        missing = [t.value for t in IssueType if t not in issues]
        if missing:
            raise ValueError(f"missing issue type {missing[0]!r}")
        return issues


class Phrasing(_Strict):
    """knowledge/phrasing.yaml: the composer's glue in en, he and fa."""

    instruction_words: list[str] = Field(min_length=1)
    en: LanguagePhrasing
    he: LanguagePhrasing
    fa: LanguagePhrasing

    def words(self, language: str) -> LanguagePhrasing:
        return getattr(self, language if language in ("en", "he", "fa") else "en")


def load_phrasing(path: Path | None = None) -> Phrasing:
    """The phrasing file (default: knowledge/phrasing.yaml); reloaded when it changes."""
    path = Path(path or get_settings().knowledge_dir / PHRASING_FILE)
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        stamp = None
    return _load_phrasing(path.resolve(), stamp)


@lru_cache(maxsize=8)
def _load_phrasing(path: Path, stamp: int | None) -> Phrasing:
    return load_model(path, Phrasing)


# ---------------------------------------------------------------------------------------------
# Money and durations, written the same way everywhere.


def format_money(amount: float, currency: str | None, language: str,
                 phrasing: Phrasing | None = None) -> str:
    """An amount as replies write it: "$40.00", "40 \u200fדולר", "۴۰ دلار"."""
    words = (phrasing or load_phrasing()).words(language)
    style = words.money
    cents = int((Decimal(str(amount)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    whole, frac = divmod(cents, 100)
    number = f"{whole:,}".replace(",", "\0")
    if style.decimals == "always" or frac:
        number += f"\1{frac:02d}"
    number = number.translate(_digits(words.digits)).replace("\0", style.thousands)
    number = number.replace("\1", style.decimal)
    code = (currency or "").strip().upper()
    if code in style.currencies:
        return style.currencies[code].format(amount=number)
    code = code if re.fullmatch(r"[A-Z]{3}", code) else ""
    return style.other.format(amount=number, code=code).strip()


def _digits(digits: str) -> dict[int, str]:
    return str.maketrans("0123456789", digits)


def _fold(text: str) -> str:
    """Normalised text for matching; Persian half-spaces become spaces, not glue."""
    return normalize(text.replace("\u200c", " ").replace("’", "'"))


@dataclass(frozen=True)
class Duration:
    """A wait the customer mentioned; count None means half an hour."""

    count: int | None
    unit: UnitName


_DURATION_LIMITS = {"minute": 600, "hour": 96, "day": 365, "week": 52, "month": 24}


def _alternation(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True) if w)


@dataclass(frozen=True)
class DurationReader:
    pattern: re.Pattern[str]
    numbers: dict[str, int]
    units: dict[str, str]
    duals: dict[str, str]
    not_after: frozenset[str]
    not_before: frozenset[str]

    @classmethod
    def build(cls, spec: Durations) -> DurationReader:
        numbers = {_fold(w): i for i, w in enumerate(spec.numbers)}
        for unit in spec.units.values():
            numbers.update({_fold(w): i for i, w in enumerate(unit.numbers or [])})
        numbers.update({_fold(w): n for w, n in spec.also_read.items()})
        units = {_fold(w): name for name, unit in spec.units.items() for w in unit.read}
        duals = {_fold(u.two): name for name, u in spec.units.items() if u.two}
        options = [rf"(?P<half>{_alternation(_fold(w) for w in spec.half_hour.read)})"]
        if duals:
            options.append(rf"(?P<dual>{_alternation(duals)})")
        options.append(rf"(?:(?P<digits>\d{{1,4}})\s*|(?P<word>{_alternation(numbers)})\s+)"
                       rf"(?P<unit>{_alternation(units)})")
        prefix = f"[{re.escape(spec.prefixes)}]?" if spec.prefixes else ""
        pattern = re.compile(rf"(?<!\w){prefix}(?:{'|'.join(options)})(?!\w)")
        return cls(pattern, numbers, units, duals, frozenset(_fold(w) for w in spec.not_after),
                   frozenset(_fold(w) for w in spec.not_before))

    def find(self, texts: Iterable[str]) -> Duration | None:
        """The first plausible wait mentioned, e.g. "two hours" -> Duration(2, "hour")."""
        for text in texts:
            folded = _fold(text)
            for match in self.pattern.finditer(folded):
                before = folded[: match.start()].split()[-1:]
                after = re.findall(r"\w+", folded[match.end():])[:1]
                if set(before) & self.not_after or set(after) & self.not_before:
                    continue
                found = self._duration(match)
                if found:
                    return found
        return None

    def _duration(self, match: re.Match[str]) -> Duration | None:
        groups = match.groupdict()
        if groups["half"]:
            return Duration(None, "minute")
        if groups.get("dual"):
            return Duration(2, self.duals[groups["dual"]])
        count = int(match["digits"]) if match["digits"] else self.numbers[match["word"]]
        unit = self.units[match["unit"]]
        return Duration(count, unit) if 0 < count <= _DURATION_LIMITS[unit] else None


def render_duration(duration: Duration, words: LanguagePhrasing) -> tuple[str, str]:
    """(phrase, adjective) in the reply's language: ("two hours", "two-hour"), ("שעתיים", ...)."""
    spec = words.durations
    if duration.count is None:
        half = spec.half_hour
        return half.text, half.adjective or half.text
    unit = spec.units[duration.unit]
    count = duration.count
    number = (unit.numbers or spec.numbers)[count] if count <= 10 else str(count)
    number = number.translate(_digits(words.digits))
    if count == 1:
        phrase = unit.one
    elif count == 2 and unit.two:
        phrase = unit.two
    else:
        phrase = unit.many.format(n=number)
    return phrase, unit.adjective.format(n=number) if unit.adjective else phrase


# ---------------------------------------------------------------------------------------------
# Untrusted fields: only short, plain names and products are ever written into a reply.

_NAME = re.compile(r"[^\W\d_]+(?:[ '’.\-][^\W\d_]+){0,3}\.?")
_PRODUCT = re.compile(r"[^\W_]+(?:[ '’&/+\-][^\W_]+){0,5}")
_EN_ARTICLE = re.compile(r"^(?:the|a|an|your|my|our)\s+", re.IGNORECASE)
_SCRIPTS = {"en": r"[A-Za-z]", "he": r"[\u0590-\u05FF]", "fa": r"[\u0600-\u06FF]"}


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
    if not product or not _in_script(product, language):
        return None
    return _EN_ARTICLE.sub("", product) if language == "en" else product


def _in_script(text: str, language: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    native = sum(1 for c in letters if re.match(_SCRIPTS[language], c))
    return bool(letters) and native / len(letters) >= 0.6


def _clean_gesture(raw: str, language: str) -> str | None:
    """The policy's gesture as a clause to end a sentence with; None if not in this language."""
    text = " ".join(raw.split()).rstrip(" .!。")
    if not text or len(text) > 300 or "{" in text or "}" in text:
        return None
    if not _in_script(text, language):
        return None
    if language == "en" and not re.match(r"I\b", text):
        text = text[0].lower() + text[1:]
    return text


# ---------------------------------------------------------------------------------------------
# What the next reply must do.


def _remedy_due(assessment: Assessment, compensation: Compensation | None) -> bool:
    if compensation is None:
        return assessment.company_at_fault is True
    has_remedy = compensation.kind != CompensationKind.none or bool(compensation.gesture)
    return compensation.offer_now and has_remedy


def plan_stage(assessment: Assessment, compensation: Compensation | None = None) -> Stage:
    """The stage the next reply should reach, from the recovery steps already done."""
    steps = set(assessment.steps_done)
    owes_apology = assessment.company_at_fault is not False
    if assessment.wants_to_be_heard and not assessment.asked_for_compensation:
        if not {Step.acknowledged, Step.asked} <= steps:
            return Stage.listen
        if owes_apology and Step.apologized not in steps:
            return Stage.apologize
        return Stage.assure if Step.assured not in steps else Stage.follow_up
    if Step.acknowledged not in steps:
        return Stage.apologize if owes_apology else Stage.acknowledge
    if owes_apology and Step.apologized not in steps:
        return Stage.apologize
    if not assessment.cause_known and Step.asked not in steps:
        return Stage.diagnose
    if assessment.cause_known and Step.explained not in steps:
        return Stage.explain
    if Step.offered not in steps and _remedy_due(assessment, compensation):
        return Stage.compensate
    if not owes_apology and Step.next_step not in steps:
        return Stage.resolve
    return Stage.assure if Step.assured not in steps else Stage.follow_up


# ---------------------------------------------------------------------------------------------
# Composing.


class ComposedReply(BaseModel):
    """The reply, the stage it reaches, the practices whose phrases it uses and its moves."""

    text: str
    stage: Stage
    used_practices: list[str] = Field(default_factory=list)
    moves: list[str] = Field(default_factory=list)


# Which playbook stage can supply each move's sentence. Only stages whose phrases speak of
# empathy, ownership, questions and commitments: `compensate`/`resolve` phrases name remedies the
# policy may not have decided, `follow_up`/`learn`/`respond` ones belong to other moments.
_PLAYBOOK_STAGE = {
    "acknowledge": Stage.acknowledge, "apology": Stage.apologize, "question": Stage.diagnose,
    "listen": Stage.listen, "listen_question": Stage.listen, "explain": Stage.explain,
    "assure": Stage.assure,
}
_QUESTIONS = frozenset({"question", "listen_question", "safety_check"})
# When a reply would run long, the lowest of these go first.
_PRIORITY = {
    "safety_check": 100, "acknowledge": 95, "precaution": 90, "apology": 90, "remedy": 88,
    "safety_next": 87, "listen": 85, "gesture": 80, "explain": 78, "question": 75,
    "deescalate": 72, "listen_question": 70, "help": 65, "after_remedy": 62, "follow_up": 62,
    "assure+follow_up": 62, "remedy+gesture": 88, "assure": 60, "closing": 10, "recap": 95,
}
_UPSET = frozenset({Emotion.angry, Emotion.furious})
_LOUD_RISKS = frozenset({Risk.public_post, Risk.legal_threat})


@dataclass
class _Moment:
    """What every move needs, worked out once per reply."""

    transcript: Transcript
    a: Assessment
    comp: Compensation
    stage: Stage
    phrasing: Phrasing
    name: str | None
    product: str | None
    gesture: str | None
    steps: set[Step] = field(default_factory=set)

    @property
    def lang(self) -> Language:
        return self.a.language

    @property
    def words(self) -> LanguagePhrasing:
        return self.phrasing.words(self.lang)

    @property
    def first_reply(self) -> bool:
        return not self.transcript.agent_turns()

    @property
    def safety(self) -> bool:
        return self.a.issue_type == IssueType.safety or Risk.safety in self.a.risks

    @property
    def offering(self) -> bool:
        return (self.comp.offer_now and Step.offered not in self.steps
                and self.stage != Stage.listen)

    @property
    def upset(self) -> bool:
        return self.a.emotion in _UPSET or bool(_LOUD_RISKS & set(self.a.risks))

    @cached_property
    def tone(self) -> str:
        if self.a.company_at_fault is False:
            return "not_at_fault"
        if self.upset:
            return "upset"
        worried = self.safety or self.a.issue_type == IssueType.privacy
        return "worried" if worried or self.a.emotion == Emotion.worried else "default"

    @property
    def noun(self) -> str:
        return self.words.issues[self.a.issue_type].noun

    @cached_property
    def problem(self) -> str:
        """The specific problem: noun phrase with the product and the wait when known."""
        issue = self.words.issues[self.a.issue_type]
        values: dict[str, str] = {"product": self.product} if self.product else {}
        if issue.duration or issue.product_duration:
            customer = [t.text for t in self.transcript.customer_turns()]
            found = self.words.durations.reader.find(customer)
            if found:
                values["duration"], values["duration_adj"] = render_duration(found, self.words)
        for template in (issue.product_duration, issue.duration, issue.product, issue.noun):
            if template and placeholders(template) <= values.keys():
                return template.format(**values)
        return issue.noun


def _dont_patterns(practices: Sequence[Practice], lang: str) -> list[list[str]]:
    """Each `dont` phrase as folded fragments (split at "…" and placeholders)."""
    patterns = []
    for practice in practices:
        for phrase in getattr(practice.dont, lang):
            parts = re.split(r"\.\.\.|…|\{[a-z_]+\}", _fold(phrase))
            parts = [p.strip(" .,!?؟;:\"'“”«»-—") for p in parts]
            if parts := [p for p in parts if len(p) >= 2]:
                patterns.append(parts)
    return patterns


def _contains(folded: str, fragment: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(fragment)}(?!\w)", folded) is not None


class _Writer:
    """Chooses each sentence: a fitting playbook phrase first, else a phrasing-file variant."""

    def __init__(self, moment: _Moment, practices: Sequence[Practice], seed: str) -> None:
        self.m, self.practices, self.seed = moment, practices, seed
        self.avoid = _dont_patterns(practices, moment.lang)
        if moment.a.company_at_fault is not True:  # no admission of a fault not established
            self.avoid += [[_fold(x)] for x in moment.words.fault_markers]
        if moment.a.company_at_fault is False:
            self.avoid += [[_fold(x)] for x in moment.words.apology_markers]
        if moment.upset or not moment.first_reply:  # thanks would read as dismissive
            self.avoid += [[_fold(x)] for x in moment.words.dismissive_thanks]
        self.used: dict[str, str] = {}
        # The name is said once: by the greeting of a first reply, else by one playbook phrase.
        self.name_used = bool(moment.name) and moment.first_reply
        self.problem_said = False

    def _index(self, slot: str, size: int) -> int:
        digest = hashlib.sha256(f"{self.seed}\x1f{slot}".encode()).digest()
        return int.from_bytes(digest[:4], "big") % size

    def harmful(self, text: str) -> bool:
        folded = _fold(text)
        return any(all(_contains(folded, part) for part in parts) for parts in self.avoid)

    def pick(self, slot: str, variants: Sequence[str], **values: str) -> str | None:
        """One variant (rotated by the conversation's hash) that fills and harms nobody."""
        usable = [v for v in variants if placeholders(v) <= values.keys()]
        if not usable:
            return None
        start = self._index(slot, len(usable))
        for template in usable[start:] + usable[:start]:
            text = template.format(**values)
            if not self.harmful(text):
                return text
        return None

    def playbook(self, move: str) -> str | None:
        """A retrieved practice's `do` phrase for this move's stage, if one fits here."""
        stage = _PLAYBOOK_STAGE.get(move)
        if stage is None or (move == "explain" and self.m.a.company_at_fault is not True):
            return None
        use_name = bool(self.m.name) and not self.name_used
        for practice in self.practices:
            if practice.stage != stage or practice.id in self.used.values():
                continue
            if practice.issue_types and self.m.a.issue_type not in practice.issue_types:
                continue
            specific = bool(practice.issue_types)
            fitting = [(raw, text) for raw in getattr(practice.do, self.m.lang)
                       if (text := self._fill(raw, move, specific, use_name))]
            if fitting:
                raw, text = fitting[self._index(practice.id, len(fitting))]
                self.used[move] = practice.id
                self.name_used |= use_name and "{name}" in raw
                self.problem_said |= "{problem}" in raw
                return text
        return None

    def _fill(self, raw: str, move: str, specific: bool, use_name: bool) -> str | None:
        """The phrase with {name}/{problem} filled, or None when it does not fit this move."""
        if "{name}" in raw and not use_name:
            raw = _without_name(raw)
        if raw is None or (move == "acknowledge" and "{problem}" not in raw) or (
                move == "question" and "{problem}" not in raw and not specific):
            return None
        problem = self.m.noun if self.problem_said else self.m.problem
        text = raw.replace("{name}", self.m.name or "").replace("{problem}", problem)
        asks = text.count("?") + text.count("؟")
        if asks != (1 if move in _QUESTIONS else 0) or re.search(r"\d", text):
            return None
        longest = 2 if move in _QUESTIONS else 1  # a question may come with its reason
        if len(text) > 240 or len(_sentences(text)) > longest or not _in_script(text, self.m.lang):
            return None
        return None if self.harmful(text) else text


# A vocative {name} a phrase can do without: "Sorry, {name}." / "{name}, ..." / "{name} عزیز، ..."
_NAME_SLOTS = (
    re.compile(r"^\{name\}\s*عزیز\s*[،,]\s*"),
    re.compile(r"^\{name\}\s*[,،:]\s*"),
    re.compile(r"\s*[,،]\s*\{name\}(?:\s*عزیز)?(?=\s*[,،.!?؟:;])"),
)


def _without_name(raw: str) -> str | None:
    for slot in _NAME_SLOTS:
        raw = slot.sub("", raw)
    return None if "{name}" in raw else raw


def _sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?؟])\s+", text.strip()) if s]


def _attach(lead: str, sentence: str, lang: str) -> str:
    """`lead` + sentence, lower-casing an English sentence start ("Hi Dana, thank you...")."""
    if lang == "en" and not re.match(r"I\b|I'", sentence):
        sentence = sentence[:1].lower() + sentence[1:]
    return f"{lead} {sentence}"


# --- the moves --------------------------------------------------------------------------------


def _plan_moves(m: _Moment) -> list[str]:
    """The moves of this reply, in the order a skilled agent would make them."""
    a, steps, moves = m.a, m.steps, []
    if m.safety and Step.acknowledged not in steps:
        moves.append("safety_check")
    # Every reply names the specific problem: in full while the customer is upset or still owed
    # an apology, else as a short recap before moving on.
    owed = a.company_at_fault is not False and Step.apologized not in steps
    if Step.acknowledged not in steps or m.first_reply or m.upset or owed:
        moves.append("acknowledge")
    else:
        moves.append("recap")
    if m.safety and Step.acknowledged not in steps:
        moves.append("precaution")
    if a.emotion == Emotion.furious or _LOUD_RISKS & set(a.risks) or (
            a.emotion == Emotion.angry and a.intensity >= 0.7):
        moves.append("deescalate")
    if a.company_at_fault is not False and Step.apologized not in steps:
        moves.append("apology")
    if m.stage == Stage.listen:
        return [*moves, "listen", "listen_question"]
    return moves + _resolution_moves(m)


def _resolution_moves(m: _Moment) -> list[str]:
    a, steps, moves = m.a, m.steps, []
    explain = a.cause_known and Step.explained not in steps
    if a.company_at_fault is False and Step.next_step not in steps and not explain:
        moves.append("help")
    if not a.cause_known and Step.asked not in steps and not m.safety:
        moves.append("question")
    if explain:
        moves.append("explain")
    if m.offering and m.comp.kind != CompensationKind.none:
        moves.append("remedy")
    if m.offering and m.gesture:
        moves.append("gesture")
    remedied = "remedy" in moves or Step.offered in steps
    settled = a.cause_known or remedied or m.stage in (Stage.assure, Stage.follow_up)
    if settled and Step.assured not in steps and a.company_at_fault is not False:
        moves.append("assure")
    if m.safety:
        moves.append("safety_next")
    elif "remedy" in moves and not m.comp.requires_approval:
        moves.append("after_remedy")
    elif m.stage in (Stage.assure, Stage.follow_up, Stage.resolve) or "gesture" in moves:
        moves.append("follow_up")
    return _assure_with_next_step(moves)


def _assure_with_next_step(moves: list[str]) -> list[str]:
    """"So it doesn't happen again, and I'll check in tomorrow" reads best as one sentence, and
    keeps room in a short reply for the question and the remedy."""
    follow = next((move for move in ("after_remedy", "follow_up") if move in moves), None)
    if "assure" not in moves or follow is None:
        return moves
    return [move for move in moves if move not in ("assure", follow)] + ["assure+follow_up"]


def _remedy(w: _Writer) -> str | None:
    """The policy's remedy, exactly: its amount, or a request for approval when one is needed."""
    m = w.m
    remedy = m.words.remedies[m.comp.kind]
    values = {"product": m.product} if m.product else {}
    if m.comp.amount:
        values["amount"] = format_money(m.comp.amount, m.comp.currency, m.lang, m.phrasing)
    if m.comp.requires_approval:
        offer = remedy.offer_amount if "amount" in values else remedy.offer_plain
        return w.pick("approval", m.words.approval, offer=offer.format(**values))
    sentence = w.pick("remedy", remedy.amount if "amount" in values else remedy.plain, **values)
    if sentence and m.a.company_at_fault is False:
        sentence = _attach(m.words.goodwill, sentence, m.lang)
    return sentence


def _glue(w: _Writer, move: str) -> str | None:
    """The phrasing file's sentence for a move."""
    m, words = w.m, w.m.words
    fault = {True: "at_fault", None: "unknown", False: "not_at_fault"}[m.a.company_at_fault]
    issue = words.issues[m.a.issue_type]
    product = {"product": m.product} if m.product else {}
    slots: dict[str, tuple[Sequence[str], dict[str, str]]] = {
        "acknowledge": (getattr(words.acknowledge, m.tone), {"problem": m.problem}),
        "recap": (words.recap, {"problem": m.problem}),
        "apology": (getattr(words.apology, fault if fault != "not_at_fault" else "unknown"), {}),
        "question": (issue.question, product),
        "explain": (getattr(words.explain, fault), {}),
        "gesture": (words.gesture, {"gesture": m.gesture or ""}),
        "assure": (words.assure, {"noun": issue.noun}),
        "after_remedy": (words.next_step.after_remedy, {}),
        "follow_up": (words.next_step.follow_up, {}),
        "assure+follow_up": (words.next_step.assured, {}),
        "safety_next": (words.next_step.safety, {}),
        "safety_check": (words.safety.check, {}),
        "precaution": (words.safety.precaution, {}),
    }
    variants, values = slots.get(move) or (getattr(words, move), {})
    text = w.pick(move, variants, **values)
    if text is None and move in ("acknowledge", "recap"):  # the problem is always named
        every = [v for tone in words.acknowledge.model_dump().values() for v in tone]
        text = w.pick(move, every, **values)
    w.problem_said |= move in ("acknowledge", "recap") and text is not None
    return text


def _say(w: _Writer, move: str) -> str | None:
    if move == "remedy":
        return _remedy(w)
    return w.playbook(move) or _glue(w, move)


def _trim(said: list[tuple[str, str]], channel: str) -> list[tuple[str, str]]:
    """Keep the reply short: drop the least important moves beyond MAX_SENTENCES, or beyond
    what the channel reads comfortably (room left for the greeting)."""
    budget = MAX_CHARS.get(channel, MAX_CHARS["chat"]) - GREETING_ROOM
    while (sum(len(_sentences(text)) for _, text in said) > MAX_SENTENCES
           or sum(len(text) + 1 for _, text in said) > budget) and len(said) > 1:
        weakest = min(range(len(said)), key=lambda i: (_PRIORITY[said[i][0]], -i))
        del said[weakest]
    return said


def _offer_in_one_sentence(w: _Writer, said: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The remedy and the personal gesture are one offer: said in one sentence they read as
    one, and a short reply keeps room for the assurance and the next step."""
    moves = [move for move, _ in said]
    if "remedy" not in moves or "gesture" not in moves:
        return said
    clause = w.pick("gesture_after_remedy", w.m.words.gesture_after_remedy,
                    gesture=w.m.gesture or "")
    if clause is None:
        return said
    i = moves.index("remedy")
    said[i] = ("remedy+gesture", said[i][1].rstrip(".") + clause)
    return [(move, text) for move, text in said if move != "gesture"]


def _finish(m: _Moment, w: _Writer, said: list[tuple[str, str]]) -> str:
    """Join the sentences; a first reply greets by name, a later one names the customer once."""
    sentences = [text for _, text in said]
    named = m.name and any(m.name in s for s in sentences)
    if sentences and m.name and (m.first_reply or not named):
        variants = m.words.greeting.first if m.first_reply else m.words.greeting.later
        if greeting := w.pick("greeting", variants, name=m.name):
            sentences[0] = _attach(greeting, sentences[0], m.lang)
    if m.lang == "en":
        sentences = [s[:1].upper() + s[1:] for s in sentences]
    return " ".join(sentences)


def compose_reply(transcript: Transcript, assessment: Assessment, compensation: Compensation,
                  practices: Sequence[Practice], *, phrasing: Phrasing | None = None
                  ) -> ComposedReply:
    """The next reply, in the customer's language, built from the playbook and the policy."""
    phrasing = phrasing or load_phrasing()
    moment = _Moment(
        transcript, assessment, compensation, plan_stage(assessment, compensation), phrasing,
        name=first_name(clean_name(transcript.customer.name, phrasing), assessment.language,
                        phrasing),
        product=clean_product(transcript.context.get("product"), assessment.language, phrasing),
        gesture=_clean_gesture(compensation.gesture, assessment.language),
        steps=set(assessment.steps_done),
    )
    writer = _Writer(moment, practices, f"{transcript.id}\x1f{len(transcript.turns)}")
    said = [(move, text) for move in _plan_moves(moment) if (text := _say(writer, move))]
    if len(said) < 4 and (closing := _say(writer, "closing")):
        said.append(("closing", closing))
    said = _trim(_offer_in_one_sentence(writer, said), transcript.channel)
    moves = [part for move, _ in said for part in move.split("+")]
    return ComposedReply(text=_finish(moment, writer, said), stage=moment.stage, moves=moves,
                         used_practices=[writer.used[m] for m in moves if m in writer.used])
