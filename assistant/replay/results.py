"""What a replay produces: per-turn feedback for one conversation, and a batch's summary.

Kept apart from the runner and the report so that each can read them without importing the other.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

from assistant.models import PracticeRef, Suggestion


class Issue(BaseModel):
    criterion: str
    quote: str


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

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


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


class Summary(BaseModel):
    conversations: int = 0
    turns: int = 0
    overall: float | None = None
    by_agent: list[GroupScore] = Field(default_factory=list)
    by_issue_type: list[GroupScore] = Field(default_factory=list)
    by_language: list[GroupScore] = Field(default_factory=list)
    by_criterion: list[CriterionScore] = Field(default_factory=list)
    top_failures: list[FrequentFailure] = Field(default_factory=list)
    rows: list[ConversationRow] = Field(default_factory=list)
    failures: list[Failure] = Field(default_factory=list)


class BatchResult(BaseModel):
    out_dir: Path
    summary: Summary

    @property
    def failures(self) -> list[Failure]:
        return self.summary.failures
