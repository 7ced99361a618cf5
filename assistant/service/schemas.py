"""Request and response bodies of the HTTP API (the contract's shapes, plus ids)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from assistant.critic.drafts import DraftCheck
from assistant.models import MAX_TURN_CHARS, PhraseHit, Suggestion, Transcript
from assistant.store.database import RejectReason, Verdict


class SuggestionOut(Suggestion):
    """A Suggestion (contract §2) and where it was stored, for `POST /v1/feedback`."""

    suggestion_id: int | None = None
    session_id: str | None = None


class DraftCheckIn(BaseModel):
    transcript: Transcript
    draft: str = Field(max_length=MAX_TURN_CHARS)


class DraftCheckOut(BaseModel):
    """A DraftCheck with its verdict and its findings as sentences."""

    draft: str
    language: str
    issues: list[PhraseHit]
    missing_apology: bool
    rewrite: str | None
    passed: bool
    findings: list[str]

    @classmethod
    def of(cls, checked: DraftCheck) -> DraftCheckOut:
        return cls(**checked.model_dump(), passed=checked.ok, findings=checked.findings())


class FeedbackIn(BaseModel):
    suggestion_id: int
    verdict: Verdict
    final_text: str = Field(default="", max_length=MAX_TURN_CHARS)
    reason: RejectReason | None = None  # with a rejection: why, in one word


class FeedbackOut(BaseModel):
    feedback_id: int


class Health(BaseModel):
    status: str
    worker: int  # the answering process, to tell workers apart behind one port


class Readiness(BaseModel):
    status: str
    database: str
    index_records: int
    backend: str


class Problem(BaseModel):
    error: str
    request_id: str | None = None


class WebhookAck(BaseModel):
    status: str  # accepted | duplicate | ignored
    event_key: str | None = None
