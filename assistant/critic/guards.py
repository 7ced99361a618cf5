"""Checks every model-written reply must pass before an agent sees it.

The model may phrase the policy's remedy, never change it; it must answer in the customer's
language, never minimize, apologize when the company is at fault, and never leak its instructions.
"""

from __future__ import annotations

import json
import re
from typing import TypeVar

from pydantic import BaseModel, Field, ValidationError

from assistant.models import Assessment, Compensation, CompensationKind, Step
from assistant.read.language import detect_language
from assistant.read.signals import detect_steps, find_harmful_phrases
from assistant.read.textnorm import normalize

M = TypeVar("M", bound=BaseModel)
MAX_REPLY_CHARS = 2000
_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$", re.MULTILINE)
_NUMBER = r"\d+(?:[.,]\d+)?"
_CURRENCY = (r"(?:\$|€|£|₪|%|usd|eur|ils|nis|irr|irt|dollars?|euros?|shekels?|"
             r"דולר|שקל|שקלים|ש\"ח|ש״ח|יורו|دلار|تومان|ریال|یورو|درصد)")
_MONEY = re.compile(rf"{_CURRENCY}\s?({_NUMBER})|({_NUMBER})\s?{_CURRENCY}")
_LEAK_MARKERS = ("<conversation>", "</conversation>", "complaint coach", "system prompt",
                 "hard rules", "internal reference", "practice_ids")


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


def money_amounts(text: str) -> list[float]:
    """Every amount written next to a currency sign or word (Persian digits included)."""
    amounts = []
    for match in _MONEY.finditer(normalize(text)):
        number = (match.group(1) or match.group(2)).replace(",", "")
        amounts.append(float(number))
    return amounts


def _compensation_problems(reply: str, compensation: Compensation) -> list[str]:
    amounts = money_amounts(reply)
    allowed = compensation.amount if compensation.offer_now else None
    if compensation.kind == CompensationKind.none or not compensation.offer_now:
        allowed = None
    wrong = [a for a in amounts if allowed is None or abs(a - allowed) > 0.005]
    problems = []
    if wrong:
        expected = f"only {allowed:g} {compensation.currency}" if allowed else "no amount at all"
        problems.append(f"the reply mentions money ({', '.join(f'{a:g}' for a in wrong)}); "
                        f"the policy allows {expected}")
    if allowed and not any(abs(a - allowed) <= 0.005 for a in amounts):
        problems.append(f"the reply must state the remedy with its amount: {allowed:g} "
                        f"{compensation.currency} ({compensation.kind.value})")
    return problems


def check_reply(reply: str, assessment: Assessment, compensation: Compensation,
                guard_token: str) -> list[str]:
    """Everything wrong with `reply`; an empty list means it may be shown."""
    problems = []
    language = detect_language(reply)
    if language != assessment.language:
        problems.append(f"the reply is in {language}; it must be in {assessment.language}")
    for hit in find_harmful_phrases(reply, assessment.language):
        problems.append(f"the reply {hit.criterion}s the problem: \"{hit.quote}\"")
    steps = detect_steps(reply, assessment.language)
    if assessment.company_at_fault and Step.apologized not in steps | set(assessment.steps_done):
        problems.append("the company is at fault: the reply must apologize and take ownership")
    problems += _compensation_problems(reply, compensation)
    lowered = reply.casefold()
    if guard_token.casefold() in lowered or any(m in lowered for m in _LEAK_MARKERS):
        problems.append("the reply repeats the coach's instructions")
    return problems
