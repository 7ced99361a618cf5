"""The guards every suggestion passes before an agent sees it, and the parsing of a model's answer.

The model may phrase the policy's remedy, never change it; it must answer in the customer's
language, never minimize, apologize when the company is at fault, and never leak its instructions.
The rules composer's replies pass the same critic.
"""

from __future__ import annotations

import json
import re
from typing import TypeVar

from pydantic import BaseModel, Field, ValidationError

from assistant.critic.findings import critique_reply
from assistant.models import Assessment, Compensation, Stage
from assistant.read.lexicon import CompiledLexicon

M = TypeVar("M", bound=BaseModel)
MAX_REPLY_CHARS = 2000
_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$", re.MULTILINE)


class LLMReply(BaseModel):
    """What the model must return."""

    reply: str = Field(min_length=1, max_length=MAX_REPLY_CHARS)
    practice_ids: list[str] = Field(default_factory=list)


def parse_json_model(raw: str, model: type[M]) -> tuple[M | None, str | None]:
    """A model's JSON answer as `model` (fences and chatter around it tolerated), or why it is
    unusable, in words fit for a repair prompt."""
    text = _FENCE.sub("", raw.strip())
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end <= start:
        return None, "the answer is not a JSON object"
    try:
        return model.model_validate(json.loads(text[start : end + 1])), None
    except json.JSONDecodeError as exc:
        return None, f"the answer is not valid JSON ({exc.msg})"
    except ValidationError as exc:
        first = exc.errors()[0]
        return None, f"field '{'.'.join(map(str, first['loc']))}': {first['msg']}"


def parse_reply(raw: str) -> tuple[LLMReply | None, str | None]:
    """The reply model's JSON, or why it is unusable."""
    return parse_json_model(raw, LLMReply)


def check_reply(reply: str, assessment: Assessment, compensation: Compensation,
                guard_token: str | None, lexicon: CompiledLexicon | None = None,
                stage: Stage | None = None) -> list[str]:
    """Everything wrong with `reply`, in words fit for a repair prompt; an empty list means it
    may be shown. The critic (assistant.critic.findings) decides; this only words it."""
    findings = critique_reply(reply, assessment, compensation, stage=stage,
                              guard_token=guard_token, lexicon=lexicon)
    return [finding.message for finding in findings]
