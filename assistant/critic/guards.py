"""The guards every suggestion passes before an agent sees it, and the parsing of a model's answer.

The model may phrase the policy's remedy, never change it; it must answer in the customer's
language, never minimize, apologize when the company is at fault, and never leak its instructions.
The rules composer's replies pass the same critic.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import TypeVar

from pydantic import BaseModel, Field, ValidationError

from assistant.critic.findings import critique_reply
from assistant.critic.meaning import meaning_problems
from assistant.models import Assessment, Compensation, Stage
from assistant.read.lexicon import CompiledLexicon
from assistant.read.textnorm import normalize

M = TypeVar("M", bound=BaseModel)
MAX_REPLY_CHARS = 2000
_FENCE = re.compile(r"^```(?:json)?\s*|\s*```$", re.MULTILINE)
_MARKUP = re.compile(r"<\s*/?\s*[a-z!?][^>]*>|\]\s*\(|\bjavascript\s*:|\bdata\s*:\s*text/"
                     r"|```|^\s{0,3}#{1,6}\s|\{\s*\"[^\"]{1,40}\"\s*:",
                     re.IGNORECASE | re.MULTILINE)
_DETAILS = {
    "a link": re.compile(r"\b(?:https?://|www\.)\S+|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\."
                         r"(?:com|net|org|io|co|ly|me|info|biz|ir|il|ru|xyz|app|link)\b(?:/\S*)?",
                         re.IGNORECASE),
    "an e-mail address": re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
    "a phone number": re.compile(r"(?<!\w)\+?\d[\d\s().-]{6,}\d(?!\w)"),
}
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


def _digits(text: str) -> str:
    return re.sub(r"\D", "", normalize(text))


def foreign_details(reply: str, supplied: str = "") -> list[str]:
    """Markup, links, e-mail addresses and phone numbers in `reply` that `supplied` (the
    conversation and the policy) did not give: a model must not send customers elsewhere."""
    problems = []
    if _MARKUP.search(reply):
        problems.append("the reply contains markup (HTML tags, markdown links or headings); "
                        "write plain text")
    known = normalize(supplied).casefold()
    known_digits = _digits(supplied)
    for what, pattern in _DETAILS.items():
        for match in pattern.finditer(normalize(reply)):
            found = match.group().rstrip(".,;:!?)").casefold()
            digits = _digits(found)
            if found in known or (what == "a phone number" and digits in known_digits):
                continue
            problems.append(f"the reply gives {what} nobody supplied: \"{found[:60]}\"")
    return problems


def stream_problems(text: str, language: str, compensation: Compensation, guard_token: str,
                    supplied: str = "", secrets: Iterable[str] = (),
                    lexicon: CompiledLexicon | None = None) -> list[str]:
    """What no later sentence can mend in a partly written reply: money the policy did not
    decide, claims, markup, foreign links or contacts, leaked instructions. Checked as it
    streams."""
    problems = [p for p in meaning_problems(text, language, compensation, secrets, lexicon)
                if "must state the remedy" not in p]
    problems += foreign_details(text, supplied)
    lowered = text.casefold()
    if guard_token.casefold() in lowered or any(m in lowered for m in _LEAK_MARKERS):
        problems.append("the reply repeats the coach's instructions")
    return problems


def check_reply(reply: str, assessment: Assessment, compensation: Compensation,
                guard_token: str | None, lexicon: CompiledLexicon | None = None,
                stage: Stage | None = None, supplied: str = "",
                secrets: Iterable[str] = ()) -> list[str]:
    """Everything wrong with `reply`, in words fit for a repair prompt; an empty list means it
    may be shown. The critic (assistant.critic.findings) decides on language, harm, apology,
    money and leaks; the meaning checks (assistant.critic.meaning) on sums, kinds, claims and
    tone; `supplied` (conversation, policy) is what links and contact details may come from."""
    findings = critique_reply(reply, assessment, compensation, stage=stage,
                              guard_token=guard_token, lexicon=lexicon)
    problems = [finding.message for finding in findings] + foreign_details(reply, supplied)
    for problem in meaning_problems(reply, assessment.language, compensation, secrets, lexicon):
        listening = stage == Stage.listen and "must state the remedy" in problem
        if problem not in problems and not listening:  # the remedy is not due while listening
            problems.append(problem)
    return problems
