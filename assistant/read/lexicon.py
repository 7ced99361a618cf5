"""knowledge/signals.yaml: the lexicon of cues in en/he/fa, validated and compiled once.

Cues are written plainly (with `*` for a word's endings and `...` for a short gap) and compiled
into folded-text regexes per language on first use; an edited file is read again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from assistant.datafiles import load_cached, load_model
from assistant.models import LANGUAGES, PURCHASES, Emotion, IssueType, Purchase, Risk, Step
from assistant.read.language import fold, script_of
from assistant.settings import data_dir

LEXICON_FILE = "signals.yaml"
HARMFUL = ("minimize", "excuse", "blame")

_FLAGS = re.MULTILINE
_HE_PREFIX = "[ובהלמשכ]{0,3}"
_SEPARATOR = {"en": r"[\s\-]+", "he": r"[\s\-]+", "fa": r"[\s\-]*"}
_GAP = r"[^\w.!?\n]+(?:\w+[^\w.!?\n]+){0,3}?"
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
    if lang == "he" and script_of(first) == "he":
        left += _HE_PREFIX
    right = r"(?!\w)" if re.search(r"\w$", last) else ""
    return left, body + right


def cue_pattern(cue: str, lang: str) -> str:
    """The regular expression for one cue of `lang` (syntax: header of knowledge/signals.yaml)."""
    left, body = _cue_parts(cue, lang)
    return f"(?:{left}{body})"


def compile_cue(cue: str, lang: str) -> re.Pattern[str]:
    """One cue of `lang`, compiled as the lexicon's categories are."""
    return re.compile(cue_pattern(cue, lang), _FLAGS)


def _valid_cue(cue: str) -> str:
    if not cue.strip() or cue.strip() in ("re:", "~"):
        raise ValueError("empty cue")
    if not cue.startswith("re:"):
        return cue  # a phrase is escaped word by word: it always compiles
    try:
        compiled = compile_cue(cue, "he")
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
    purchases: Annotated[dict[Purchase, Category], AfterValidator(_complete(list(PURCHASES)))]
    still_waiting: Category
    wants_refund: Category
    fee: Category
    part_of_order: Category
    injection: Category
    currencies: dict[Annotated[str, Field(pattern=r"^[A-Z]{3}$")], Currency] = Field(min_length=1)
    multipliers: dict[str, Annotated[float, Field(gt=0)]] = Field(default_factory=dict)

    def categories(self) -> dict[str, Category]:
        """Every category by its dotted key, e.g. "issues.delay", "steps.apologized"."""
        found: dict[str, Category] = {}
        for group in ("issues", "severity", "emotions", "risks", "steps", "harmful", "purchases"):
            for name, category in getattr(self, group).items():
                found[f"{group}.{name}"] = category
        for name in ("time_expressions", "diagnostic_questions", "compensation_request", "demand",
                     "wants_to_be_heard", "company_fault", "customer_fault", "cause_unknown",
                     "still_waiting", "wants_refund", "fee", "part_of_order", "injection"):
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


class CompiledLexicon:
    """A validated lexicon with every category compiled once per language."""

    def __init__(self, lexicon: Lexicon, knowledge_dir: Path | None = None) -> None:
        self.lexicon = lexicon
        # The folder the lexicon came from: its sibling word lists (harm words) are read there.
        self.knowledge_dir = knowledge_dir or data_dir("knowledge")
        self.categories = lexicon.categories()
        self._matchers: dict[tuple[str, str], Matcher] = {}
        negations = lexicon.negations
        self.negation_before = _every_language(negations.before)
        self.negation_after = _every_language(negations.after)
        self.intensity = {Emotion(e): c.intensity for e, c in lexicon.emotions.items()}
        self.currencies = {code: re.compile("|".join(_currency_pattern(c) for c in spec.cues))
                           for code, spec in lexicon.currencies.items()}
        self.multipliers = {fold(word).text: factor for word, factor in lexicon.multipliers.items()}

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


def load_lexicon(path: Path) -> CompiledLexicon:
    """Read, validate and compile a lexicon file; a bad file raises DataFileError."""
    return CompiledLexicon(load_model(path, Lexicon), path.parent)


def lexicon_path() -> Path:
    """The shipped lexicon; the coach passes its settings' own (assistant.resources)."""
    return data_dir("knowledge") / LEXICON_FILE


def get_lexicon(path: Path | None = None) -> CompiledLexicon:
    """The compiled lexicon at `path` (default: knowledge/signals.yaml), cached until it changes."""
    path = path or lexicon_path()
    return load_cached(path, load_lexicon)
