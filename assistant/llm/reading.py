"""The model reads first: a chat model's reading of a complaint, validated into the Assessment.

With a model backend the model may read what the trained reader misses (a story, sarcasm). Its
answer is parsed and validated with pydantic; anything unusable leaves the trained reading as it
is. Safety, injection and compensation-request flags are never weaker than the trained reader's
(logical OR), and harm quotes must be exact words of a customer turn.
"""

from __future__ import annotations

import json
import secrets
import time
from pathlib import Path
from typing import Literal

from langchain_core.language_models import BaseChatModel
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assistant.llm.prompts import load_prompt
from assistant.llm.writer import _in_daemon, conversation_block
from assistant.models import (
    Assessment,
    Emotion,
    HarmSpan,
    IssueScore,
    IssueType,
    Risk,
    Role,
    Severity,
    Transcript,
)
from assistant.read.pii import Redactor

Want = Literal["refund", "replacement", "repair", "cancel", "change", "compensation", "apology",
               "explanation", "fix", "heard", "escalation", "delivery"]
READ_FLAG = "llm_read"
READ_FALLBACK_FLAG = "llm_read_fallback"


class ReadHarm(BaseModel):
    turn: int = Field(ge=0)
    text: str = Field(min_length=1)


class ModelReading(BaseModel):
    """What the model must answer (prompts/read.yaml)."""

    model_config = ConfigDict(extra="ignore")
    issue_types: list[IssueScore] = Field(min_length=1, max_length=4)
    confidence: float = Field(ge=0.0, le=1.0)
    safety: bool
    asked_for_compensation: bool
    churn: bool = False
    public_post: bool = False
    legal_threat: bool = False
    emotion: Emotion
    harm: list[ReadHarm] = Field(default_factory=list)
    wants: list[Want] = Field(default_factory=list)


def parse_reading(raw: str) -> ModelReading | None:
    """The JSON object in a model's answer, validated; None when there is none or it is bad."""
    start, end = raw.find("{"), raw.rfind("}")
    if start < 0 or end <= start:
        return None
    try:
        return ModelReading.model_validate(json.loads(raw[start:end + 1]))
    except (json.JSONDecodeError, ValidationError):
        return None


def read_with_model(model: BaseChatModel, transcript: Transcript, assessment: Assessment,
                    deadline_s: float, prompts_dir: Path | None = None,
                    redact_pii: bool = True) -> tuple[Assessment, str]:
    """The assessment refined by the model's reading, and the flag saying how it went. Personal
    details reach the model only as placeholders; the call runs in a daemon thread, so the
    deadline holds and nothing waits for an abandoned call."""
    redact = Redactor(enabled=redact_pii).redact
    messages = load_prompt("read", prompts_dir).render(
        conversation=conversation_block(transcript, redact),
        guard_token=f"CC-{secrets.token_hex(4)}")
    try:
        answer = _in_daemon(lambda: model.invoke(messages), time.monotonic() + deadline_s)
        raw = str(answer.content)
    except Exception:  # timeout, model or network failure: the trained reading stays
        return assessment, READ_FALLBACK_FLAG
    reading = parse_reading(raw)
    if reading is None:
        return assessment, READ_FALLBACK_FLAG
    return merge_reading(assessment, reading, transcript), READ_FLAG


def merge_reading(a: Assessment, r: ModelReading, transcript: Transcript) -> Assessment:
    """The model's reading over the trained one; flags are the OR of both."""
    safety = a.safety or r.safety
    issues = list(r.issue_types)
    if safety and issues[0].type != IssueType.safety:
        issues = [IssueScore(type=IssueType.safety, confidence=max(a.confidence, 0.5)),
                  *[s for s in issues if s.type != IssueType.safety]][:4]
    risks = set(a.risks) | {risk for risk, said in ((Risk.churn, r.churn),
                                                    (Risk.public_post, r.public_post),
                                                    (Risk.legal_threat, r.legal_threat)) if said}
    if safety:
        risks.add(Risk.safety)
    severity = a.severity
    if safety and severity in (Severity.low, Severity.medium):
        severity = Severity.high
    harm = _located(r.harm, transcript) or a.harm
    return a.model_copy(update={
        "issue_type": issues[0].type, "issue_types": issues, "confidence": r.confidence,
        "safety": safety, "asked_for_compensation": a.asked_for_compensation
        or r.asked_for_compensation, "risks": [risk for risk in Risk if risk in risks],
        "severity": severity, "emotion": r.emotion, "harm": harm,
        "facts": a.facts.model_copy(update={"wants": sorted(set(a.facts.wants) | set(r.wants))}),
    })


def _located(quotes: list[ReadHarm], transcript: Transcript) -> list[HarmSpan]:
    """Quotes that are exact words of a customer turn, as spans; the rest are dropped."""
    spans = []
    for quote in quotes:
        if quote.turn >= len(transcript.turns):
            continue
        turn = transcript.turns[quote.turn]
        start = turn.text.find(quote.text.strip())
        if turn.role == Role.customer and start >= 0:
            end = start + len(quote.text.strip())
            spans.append(HarmSpan(turn=quote.turn, text=turn.text[start:end], start=start,
                                  end=end))
    return spans
