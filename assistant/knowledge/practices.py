"""The service-recovery playbook: practices written from the seed articles, as data files."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from assistant.datafiles import load_model
from assistant.errors import DataFileError
from assistant.models import LANGUAGES, IssueType, PracticeRef, Stage

SEED_NAMES = frozenset(
    {
        "000_26041c3565291736.txt",
        "001_41e93279e6b3fd9d.txt",
        "002_5d8c846181177a25.txt",
        "003_5c351ae8e01b0be8.txt",
        "004_613fd346b0669c87.txt",
    }
)


class Localized(BaseModel):
    """One text in each of our three languages."""

    model_config = ConfigDict(extra="forbid")
    en: str = Field(min_length=1)
    he: str = Field(min_length=1)
    fa: str = Field(min_length=1)


class LocalizedList(BaseModel):
    model_config = ConfigDict(extra="forbid")
    en: list[str] = Field(min_length=1)
    he: list[str] = Field(min_length=1)
    fa: list[str] = Field(min_length=1)


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid")
    seed: str
    case: str = ""

    @field_validator("seed")
    @classmethod
    def _known_seed(cls, seed: str) -> str:
        if seed not in SEED_NAMES and not seed.startswith("company:"):
            raise ValueError(f"unknown seed file {seed!r}; expected one of {sorted(SEED_NAMES)}")
        return seed


class Practice(BaseModel):
    """One practice of service recovery. `do` phrases are sentences an agent can send as they are
    (they may use the placeholders {name} and {problem}); `dont` phrases are what to avoid."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    title: Localized
    stage: Stage
    principle: Localized
    do: LocalizedList
    dont: LocalizedList
    sources: list[Source] = Field(min_length=1)
    issue_types: list[IssueType] = Field(default_factory=list)
    keywords: LocalizedList | None = None

    @model_validator(mode="after")
    def _placeholders_known(self) -> Practice:
        for lang in LANGUAGES:
            for phrase in getattr(self.do, lang):
                stripped = phrase.replace("{name}", "").replace("{problem}", "")
                if "{" in stripped or "}" in stripped:
                    raise ValueError(f"do.{lang}: only {{name}} and {{problem}} may be used")
        return self

    def ref(self, lang: str = "en") -> PracticeRef:
        source = ", ".join(s.seed + (f" ({s.case})" if s.case else "") for s in self.sources)
        return PracticeRef(id=self.id, title=getattr(self.title, lang), source=source)

    def document_in(self, lang: str) -> str:
        """The text indexed for retrieval in one language."""
        parts = [getattr(self.title, lang), getattr(self.principle, lang)]
        parts += getattr(self.do, lang) + getattr(self.dont, lang)
        if self.keywords:
            parts += getattr(self.keywords, lang)
        return "\n".join(parts)


def load_practices(directory: Path) -> list[Practice]:
    """All `*.yaml` practices under `directory`, sorted by id; duplicate ids are an error."""
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise DataFileError(str(directory), "", "no practice files (*.yaml) found")
    practices: dict[str, Practice] = {}
    for path in files:
        practice = load_model(path, Practice)
        if practice.id in practices:
            raise DataFileError(str(path), "id", f"duplicate practice id {practice.id!r}")
        practices[practice.id] = practice
    return [practices[key] for key in sorted(practices)]


# --- the names of the sources, for people ------------------------------------------------------

SOURCES_FILE = "sources.yaml"


class CaseName(BaseModel):
    """A case's name in Hebrew and Persian (the practices cite it by its English name)."""

    model_config = ConfigDict(extra="forbid")
    he: str = Field(min_length=1)
    fa: str = Field(min_length=1)


class SourceNames(BaseModel):
    """Readable titles of the seed articles and the cases in them (knowledge/sources.yaml), so
    an agent sees "Ten common mistakes in customer service", not a hashed file name."""

    model_config = ConfigDict(extra="forbid")
    seeds: dict[str, Localized] = Field(default_factory=dict)
    cases: dict[str, CaseName] = Field(default_factory=dict)

    def cite(self, source: Source, lang: str) -> str:
        """"Title (case)" in `lang`; a name the file does not know is shown as written."""
        seed = self.seeds.get(source.seed)
        title = getattr(seed, lang) if seed else source.seed
        if not source.case:
            return title
        names = self.cases.get(source.case)
        return f"{title} ({getattr(names, lang) if names and lang != 'en' else source.case})"

    def missing(self, practices: list[Practice]) -> list[str]:
        """Seeds and cases the practices cite that have no names here."""
        cited = {(s.seed, s.case) for p in practices for s in p.sources}
        return sorted({seed for seed, _ in cited if seed not in self.seeds
                       and not seed.startswith("company:")}
                      | {case for _, case in cited if case and case not in self.cases})


def load_source_names(path: Path) -> SourceNames:
    """The names file; a knowledge folder without one shows the names as written."""
    return load_model(path, SourceNames) if path.is_file() else SourceNames()
