"""What the coach decided about a conversation before any reply is written."""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.knowledge.practices import Practice
from assistant.models import Assessment, Compensation, Stage, Transcript


@dataclass
class Moment:
    """Everything decided about the conversation before any reply is written."""

    transcript: Transcript
    assessment: Assessment
    compensation: Compensation
    stage: Stage
    practices: list[Practice]
    documents: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
