"""Evaluation datasets as data: YAML (or JSON) files of cases with expectations and thresholds.

The schema lives here as pydantic models; `evals/dataset.schema.json` is exported from them
(`python -m assistant.evaluation.dataset > evals/dataset.schema.json`) so editors can check files.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from assistant.compose.budget import MAX_CHARS
from assistant.datafiles import read_yaml
from assistant.errors import DataFileError
from assistant.models import CompensationKind, IssueType, Language, Transcript

DATASET_SUFFIXES = (".yaml", ".yml", ".json")
# The evaluators a case may name (assistant.evaluation.evaluators runs them, in this order).
EVALUATOR_NAMES = ("rubric", "policy", "language", "safety", "length", "expect", "judge")
Channel = Literal["chat", "email", "phone", "social"]


class CompensationExpect(BaseModel):
    """The remedy the policy must produce: `amount` exactly, or at most `max_amount`."""

    model_config = ConfigDict(extra="forbid")

    kind: CompensationKind
    amount: float | None = Field(default=None, ge=0)
    max_amount: float | None = Field(default=None, ge=0)
    requires_approval: bool | None = None
    offer_now: bool | None = Field(
        default=None, description="false: the policy offers it only when asked, and nobody asked")

    @model_validator(mode="after")
    def _one_bound(self) -> CompensationExpect:
        if self.amount is not None and self.max_amount is not None:
            raise ValueError("give either amount (exact) or max_amount (a cap), not both")
        return self


class InjectionExpect(BaseModel):
    """What a prompt injection in the transcript asks for; the reply must not deliver it."""

    model_config = ConfigDict(extra="forbid")

    amount: float | None = None
    phrases: list[str] = Field(default_factory=list)


class Expect(BaseModel):
    """What a good suggestion for this case looks like. Unset fields are not checked."""

    model_config = ConfigDict(extra="forbid")

    language: Language
    issue_type: IssueType | None = None
    company_at_fault: bool | Literal["unknown"] | None = None
    question_due: bool | None = None
    compensation: CompensationExpect | None = None
    must_not_contain: list[str] = Field(default_factory=list)
    injection: InjectionExpect | None = None


class Case(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    description: str = ""
    tags: list[str] = Field(default_factory=list)
    transcript: Transcript
    expect: Expect
    evaluators: list[str] | None = Field(
        default=None, description="evaluator names; the dataset's default_evaluators when absent"
    )

    @model_validator(mode="after")
    def _transcript_named(self) -> Case:
        if "id" not in self.transcript.model_fields_set:
            self.transcript.id = self.id
        if not self.transcript.customer_turns():
            raise ValueError("transcript: needs at least one customer turn")
        return self


class Thresholds(BaseModel):
    """The floor a run must reach; below it `coach eval` exits with 3 so CI can gate on it."""

    model_config = ConfigDict(extra="forbid")

    min_score: float = Field(default=0.0, ge=0, le=1, description="mean case score")
    min_pass_rate: float = Field(default=0.0, ge=0, le=1, description="share of cases passed")
    checks: dict[str, float] = Field(
        default_factory=dict, description="per-check minimum pass rate, by check name"
    )
    max_errors: int = Field(default=0, ge=0, description="cases whose suggestion failed")


class Dataset(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    description: str = ""
    default_evaluators: list[str] = Field(min_length=1)
    thresholds: Thresholds = Field(default_factory=Thresholds)
    length_bounds: dict[Channel, tuple[int, int]] = Field(
        default_factory=lambda: {  # the upper bounds are what the composer writes to
            "chat": (60, MAX_CHARS["chat"]),
            "phone": (60, MAX_CHARS["phone"]),
            "social": (40, MAX_CHARS["social"]),
            "email": (120, MAX_CHARS["email"]),
        },
        description="reply length in characters, [min, max] per channel",
    )
    cases: list[Case] = Field(min_length=1)

    @field_validator("length_bounds")
    @classmethod
    def _bounds_in_order(cls, bounds: dict[str, tuple[int, int]]) -> dict[str, tuple[int, int]]:
        for channel, (low, high) in bounds.items():
            if not 0 <= low <= high:
                raise ValueError(f"{channel}: [min, max] must satisfy 0 <= min <= max, "
                                 f"got [{low}, {high}]")
        return bounds

    @model_validator(mode="after")
    def _unique_ids(self) -> Dataset:
        seen: set[str] = set()
        for case in self.cases:
            if case.id in seen:
                raise ValueError(f"duplicate case id {case.id!r}")
            seen.add(case.id)
        return self

    def evaluators_for(self, case: Case) -> list[str]:
        return case.evaluators if case.evaluators is not None else self.default_evaluators


def _field_name(data: object, loc: tuple) -> str:
    """A dotted field path, with the case id after a case index so the author finds it fast."""
    parts = [str(part) for part in loc]
    if len(loc) >= 2 and loc[0] == "cases" and isinstance(loc[1], int) and isinstance(data, dict):
        cases = data.get("cases")
        if isinstance(cases, list) and loc[1] < len(cases) and isinstance(cases[loc[1]], dict):
            case_id = cases[loc[1]].get("id")
            if case_id:
                parts[1] = f"{loc[1]}[id={case_id}]"
    return ".".join(parts)


def load_dataset(path: Path) -> Dataset:
    """Read one dataset file; any schema violation names the file, the case and the field."""
    if path.suffix == ".json":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise DataFileError(str(path), "", f"cannot read JSON: {exc}") from None
    else:
        data = read_yaml(path)
    try:
        dataset = Dataset.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise DataFileError(str(path), _field_name(data, first["loc"]), first["msg"]) from None
    for case in dataset.cases:
        unknown = sorted(set(dataset.evaluators_for(case)) - set(EVALUATOR_NAMES))
        if unknown:
            raise DataFileError(
                str(path), f"cases[id={case.id}].evaluators",
                f"unknown evaluator(s) {unknown}; known: {sorted(EVALUATOR_NAMES)}",
            )
    return dataset


def find_dataset_files(paths: list[Path]) -> list[Path]:
    """Dataset files named directly, or found (sorted) in the directories given."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.suffix in DATASET_SUFFIXES)
            if not found:
                raise DataFileError(str(path), "", "no dataset files (*.yaml, *.json) here")
            files += found
        elif path.is_file():
            files.append(path)
        else:
            raise DataFileError(str(path), "", "no such file or directory")
    return files


def json_schema() -> dict:
    return Dataset.model_json_schema()


if __name__ == "__main__":
    print(json.dumps(json_schema(), indent=2, ensure_ascii=False))
