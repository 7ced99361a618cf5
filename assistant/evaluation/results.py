"""What an evaluation run produces: one evaluator's finding and one case's line of results.jsonl.

Kept apart from the runner, evaluators, judge and report so that each can read them without
importing the others.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class EvalResult(BaseModel):
    """What one evaluator found. `skipped` and `error` say why it has no checks."""

    checks: dict[str, bool] = Field(default_factory=dict)
    reasons: dict[str, str] = Field(default_factory=dict)
    score: float | None = None
    details: dict[str, float] = Field(default_factory=dict)
    skipped: str | None = None
    error: str | None = None


class CaseResult(BaseModel):
    """One line of results.jsonl: the contract's keys first, then what the report needs."""

    case_id: str
    suggestion: dict[str, Any] | None = None
    checks: dict[str, bool] = Field(default_factory=dict)
    score: float | None = None
    error: str | None = None
    passed: bool = False
    dataset: str = ""
    language: str = ""
    issue_type: str | None = None
    tags: list[str] = Field(default_factory=list)
    latency_ms: float | None = None
    reasons: dict[str, str] = Field(default_factory=dict)
    details: dict[str, float] = Field(default_factory=dict)
    evaluator_scores: dict[str, float] = Field(default_factory=dict)
    skipped: dict[str, str] = Field(default_factory=dict)
    check_errors: dict[str, str] = Field(default_factory=dict)
    customer_said: str = ""
