"""The planted policy-breach set: replayed conversations whose agent turns are labelled with
the breach they commit (or none), scored for breach detection (precision and recall).

Each line of `evals/replay_policy/*.jsonl` is a transcript (contract §1) plus the company policy
it is replayed under and, on agent turns, `expect_breach: {kind, rule}` or null. The schema lives
here; `evals/replay_policy/case.schema.json` is exported from it
(`python -m assistant.evaluation.breach_set > evals/replay_policy/case.schema.json`).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from assistant.critic.breaches import BreachKind
from assistant.errors import DataFileError
from assistant.models import Language, Role, Transcript

if TYPE_CHECKING:
    from assistant.coach import Coach

_FIELDS = {"tp": "true_positives", "fn": "false_negatives", "fp": "false_positives"}


class ExpectedBreach(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: BreachKind
    rule: str = Field(min_length=1)


class PlantedTurn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role
    text: str = Field(min_length=1)
    expect_breach: ExpectedBreach | None = Field(
        default=None, description="agent turns only: the breach this turn commits")


class PlantedCase(BaseModel):
    """One conversation with its policy and the breach expected at each agent turn."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    language: Language
    policy: str = Field(description="the policy file, relative to the data file")
    note: str = Field(default="", description="what is planted, for the reader")
    channel: Literal["chat", "email", "phone", "social"] = "chat"
    customer: dict[str, Any] = Field(default_factory=dict)
    agent: dict[str, Any] = Field(default_factory=dict)
    context: dict[str, Any] = Field(default_factory=dict)
    turns: list[PlantedTurn] = Field(min_length=2)

    @model_validator(mode="after")
    def _labels_on_agent_turns(self) -> PlantedCase:
        for index, turn in enumerate(self.turns):
            if turn.expect_breach and turn.role != Role.agent:
                raise ValueError(f"turn {index}: only an agent turn can commit a breach")
        if not any(t.role == Role.agent for t in self.turns):
            raise ValueError("no agent turn to replay")
        return self

    def transcript(self) -> Transcript:
        return Transcript.model_validate({
            "id": self.id, "language": self.language, "channel": self.channel,
            "customer": self.customer, "agent": self.agent, "context": self.context,
            "turns": [{"role": t.role, "text": t.text} for t in self.turns]})

    def expected(self) -> dict[int, set[tuple[str, str]]]:
        return {i: {(t.expect_breach.kind, t.expect_breach.rule)} if t.expect_breach else set()
                for i, t in enumerate(self.turns) if t.role == Role.agent}


def load_breach_set(path: Path) -> list[tuple[PlantedCase, Path]]:
    """The cases of one JSONL file with their policy paths; a bad line raises DataFileError
    naming the file, the line and the field."""
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            case = PlantedCase.model_validate(json.loads(line))
        except json.JSONDecodeError as exc:
            raise DataFileError(f"{path}:{number}", "", f"invalid JSON ({exc.msg})") from None
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(part) for part in first["loc"])
            raise DataFileError(f"{path}:{number}", field, first["msg"]) from None
        policy = (path.parent / case.policy).resolve()
        if not policy.is_file():
            raise DataFileError(f"{path}:{number}", "policy", f"no policy file {policy}")
        cases.append((case, policy))
    return cases


class Miss(BaseModel):
    """A turn where detection and label disagree."""

    case: str
    turn: int
    expected: list[tuple[str, str]]
    found: list[tuple[str, str]]
    text: str


class BreachSetScore(BaseModel):
    conversations: int = 0
    agent_turns: int = 0
    planted: int = 0
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0
    quotes_ok: int = 0
    by_language: dict[str, dict[str, float]] = Field(default_factory=dict)
    by_kind: dict[str, dict[str, float]] = Field(default_factory=dict)
    misses: list[Miss] = Field(default_factory=list)

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.planted if self.planted else 1.0


def _rates(tp: int, fp: int, fn: int) -> dict[str, float]:
    return {"planted": tp + fn, "found": tp + fp,
            "precision": round(tp / (tp + fp), 3) if tp + fp else 1.0,
            "recall": round(tp / (tp + fn), 3) if tp + fn else 1.0}


def score_breach_set(cases: list[tuple[PlantedCase, Path]],
                     coach_for: Callable[[Path], Coach]) -> BreachSetScore:
    """Replay every case under its policy and compare the breaches found, turn by turn, with
    the labels: a hit needs the right turn, kind and rule, and a quote from that turn."""
    from assistant.replay.runner import replay_transcript

    score = BreachSetScore()
    counts: dict[str, Counter[str]] = {"language": Counter(), "kind": Counter()}
    for case, policy in cases:
        result = replay_transcript(case.transcript(), coach_for(policy))
        score.conversations += 1
        expected = case.expected()
        for turn in result.turns:
            breaches = [i for i in turn.issues if i.policy_breach]
            found = {(i.policy_breach.kind, i.policy_breach.rule)
                     for i in breaches if i.policy_breach}
            want = expected.get(turn.index, set())
            score.agent_turns += 1
            score.quotes_ok += sum(1 for i in breaches if i.quote and i.quote in turn.text)
            _tally(score, counts, case.language, want, found)
            if want != found:
                score.misses.append(Miss(case=case.id, turn=turn.index, expected=sorted(want),
                                         found=sorted(found), text=turn.text))
    score.by_language = _grouped(counts["language"])
    score.by_kind = _grouped(counts["kind"])
    return score


def _tally(score: BreachSetScore, counts: dict[str, Counter[str]], language: str,
           want: set[tuple[str, str]], found: set[tuple[str, str]]) -> None:
    score.planted += len(want)
    for label, outcome in ([(w, "tp") for w in want & found] + [(w, "fn") for w in want - found]
                           + [(f, "fp") for f in found - want]):
        setattr(score, _FIELDS[outcome], getattr(score, _FIELDS[outcome]) + 1)
        counts["language"][f"{language}:{outcome}"] += 1
        counts["kind"][f"{label[0]}:{outcome}"] += 1


def _grouped(counter: Counter[str]) -> dict[str, dict[str, float]]:
    keys = sorted({key.split(":")[0] for key in counter})
    return {k: _rates(counter[f"{k}:tp"], counter[f"{k}:fp"], counter[f"{k}:fn"]) for k in keys}


def schema_text() -> str:
    schema = PlantedCase.model_json_schema()
    schema["title"] = "Complaint Coach planted policy-breach replay case (one JSONL line)"
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    print(schema_text(), end="")
