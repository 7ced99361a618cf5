"""What a replay produces: per-turn feedback for one conversation, and a batch's summary.

Kept apart from the runner and the report so that each can read them without importing the other.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from assistant.critic.breaches import BreachRecord
from assistant.i18n import Note
from assistant.models import PracticeRef, Suggestion


class Issue(BaseModel):
    """A failed criterion in the agent's words; `policy_breach` (contract §4, optional) when an
    offer broke the compensation policy."""

    criterion: str
    quote: str
    policy_breach: BreachRecord | None = None


class TurnReplay(BaseModel):
    """One agent turn (contract §4); `score`, `reasons` and `language` are our extensions."""

    index: int
    text: str
    scores: dict[str, float]
    issues: list[Issue] = Field(default_factory=list)
    suggestion: Suggestion | None = None
    feedback: str
    score: float = 0.0
    reasons: dict[str, str] = Field(default_factory=dict)
    language: str = "en"
    notes: dict[str, Note] = Field(default_factory=dict, exclude=True)

    def reason(self, criterion: str, lang: str = "en") -> str:
        """The criterion's reason in the trainer's language (English when read back from JSON)."""
        found = self.notes.get(criterion)
        return found.render(lang) if found else self.reasons.get(criterion, "")


class ReplayResult(BaseModel):
    """A replayed conversation (contract §4) plus its best and worst turn."""

    id: str
    overall: float
    turns: list[TurnReplay]
    best_turn: int | None = None
    worst_turn: int | None = None
    language: str = "en"
    channel: str = "chat"
    agent: str | None = None
    issue_type: str = "other"

    @property
    def breaches(self) -> int:
        return sum(1 for t in self.turns for i in t.issues if i.policy_breach)

    def to_json(self) -> dict[str, Any]:
        data = self.model_dump(mode="json")
        for turn in data["turns"]:  # the optional field is left out rather than null
            for issue in turn["issues"]:
                if issue.get("policy_breach") is None:
                    issue.pop("policy_breach", None)
        return data


class Failure(BaseModel):
    source: str
    reason: str


class GroupScore(BaseModel):
    key: str
    conversations: int
    turns: int
    score: float


class CriterionScore(BaseModel):
    criterion: str
    turns: int
    score: float
    failures: int


class FrequentFailure(BaseModel):
    """A criterion trainees keep failing, in their own words — what to train next."""

    criterion: str
    count: int
    share: float
    quotes: list[tuple[str, int]] = Field(default_factory=list)
    reasons: list[tuple[str, int]] = Field(default_factory=list)
    practice: PracticeRef | None = None


class BreachCount(BaseModel):
    """How often offers broke the policy, for one agent or one policy rule."""

    key: str
    breaches: int
    conversations: int
    kinds: dict[str, int] = Field(default_factory=dict)


class BreachRow(BaseModel):
    """One offer outside the policy, where to find it, and the rule it broke."""

    conversation: str
    report: str
    turn: int
    agent: str | None
    rule: str
    kind: str
    quote: str


class ConversationRow(BaseModel):
    id: str
    source: str
    agent: str | None
    issue_type: str
    language: str
    turns: int
    overall: float
    worst_turn: int | None
    report: str
    breaches: int = 0


class Summary(BaseModel):
    conversations: int = 0
    turns: int = 0
    overall: float | None = None
    by_agent: list[GroupScore] = Field(default_factory=list)
    by_issue_type: list[GroupScore] = Field(default_factory=list)
    by_language: list[GroupScore] = Field(default_factory=list)
    by_criterion: list[CriterionScore] = Field(default_factory=list)
    top_failures: list[FrequentFailure] = Field(default_factory=list)
    breaches: int = 0
    breaches_by_agent: list[BreachCount] = Field(default_factory=list)
    breaches_by_rule: list[BreachCount] = Field(default_factory=list)
    breach_rows: list[BreachRow] = Field(default_factory=list)
    rows: list[ConversationRow] = Field(default_factory=list)
    failures: list[Failure] = Field(default_factory=list)


class BatchResult(BaseModel):
    out_dir: Path
    summary: Summary

    @property
    def failures(self) -> list[Failure]:
        return self.summary.failures
