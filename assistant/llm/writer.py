"""Model-written replies: prompt, call under a deadline, guard, repair once, or give up.

Giving up is never visible to the agent: the coach then falls back to the rules composer.
"""

from __future__ import annotations

import queue
import secrets
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field

from langchain_core.language_models import BaseChatModel
from langchain_core.utils.json import parse_partial_json

from assistant.critic.guards import check_reply, parse_reply
from assistant.llm.prompts import load_prompt
from assistant.models import Compensation, Transcript
from assistant.moment import Moment
from assistant.resources import Resources

LANGUAGE_NAMES = {"en": "English", "he": "Hebrew (עברית)", "fa": "Persian (فارسی)"}
MAX_TURNS_SHOWN = 24
MAX_TURN_CHARS_SHOWN = 2000
_POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="llm")


@dataclass
class Draft:
    """A model's reply that passed the guards, or the reasons it did not."""

    reply: str | None = None
    practice_ids: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    repaired: bool = False


def _as_data(text: str) -> str:
    """Customer text can't close or open our tags."""
    return text[:MAX_TURN_CHARS_SHOWN].replace("<", "‹").replace(">", "›")


def conversation_block(transcript: Transcript) -> str:
    turns = transcript.turns[-MAX_TURNS_SHOWN:]
    return "\n".join(f"[{turn.role.value}] {_as_data(turn.text)}" for turn in turns)


def compensation_block(compensation: Compensation) -> str:
    if compensation.kind.value == "none":
        return "No compensation for this case; do not offer any."
    if not compensation.offer_now:
        return "Do not offer now (the policy offers it only when the customer asks)."
    amount = (f"{compensation.amount:g} {compensation.currency}"
              if compensation.amount is not None else "no amount")
    approval = " Say that you are requesting approval." if compensation.requires_approval else ""
    return (f"{compensation.kind.value}: {amount}. Personal gesture: "
            f"{compensation.gesture or 'none'}.{approval}")


class ReplyWriter:
    """Writes a reply with one chat model, under a deadline, through the guards."""

    def __init__(self, model: BaseChatModel, deadline_s: float, resources: Resources) -> None:
        self.model, self.deadline_s, self.resources = model, deadline_s, resources

    def messages(self, moment: Moment, guard_token: str) -> list[tuple[str, str]]:
        lang = moment.assessment.language
        practices = "\n".join(f"- {p.id}: {getattr(p.principle, lang)}" for p in moment.practices)
        return load_prompt("suggest", self.resources.prompts_dir).render(
            language_name=LANGUAGE_NAMES[lang], stage=moment.stage.value,
            assessment=moment.assessment.model_dump_json(exclude={"mood_by_turn"}),
            compensation=compensation_block(moment.compensation), practices=practices,
            documents="\n---\n".join(_as_data(d) for d in moment.documents),
            conversation=conversation_block(moment.transcript), guard_token=guard_token)

    def _invoke(self, messages: list, until: float) -> str:
        future = _POOL.submit(self.model.invoke, messages)
        try:
            return str(future.result(timeout=max(0.1, until - time.monotonic())).content)
        except FutureTimeout:
            future.cancel()
            raise TimeoutError(f"the model did not answer within {self.deadline_s:g} s") from None

    def _judge(self, raw: str, moment: Moment, token: str) -> Draft:
        parsed, error = parse_reply(raw)
        if parsed is None:
            return Draft(problems=[error or "unusable answer"])
        problems = check_reply(parsed.reply, moment.assessment, moment.compensation, token,
                               self.resources.lexicon, moment.stage)
        return Draft(reply=None if problems else parsed.reply.strip(),
                     practice_ids=parsed.practice_ids, problems=problems)

    def _repair(self, messages: list, raw: str, draft: Draft, moment: Moment, token: str,
                until: float) -> Draft:
        repair = load_prompt("repair", self.resources.prompts_dir).render(problems=draft.problems)
        raw = self._invoke([*messages, ("assistant", raw), *repair], until)
        fixed = self._judge(raw, moment, token)
        fixed.repaired = True
        if fixed.problems:
            fixed.problems = [*draft.problems, *fixed.problems]
        return fixed

    def write(self, moment: Moment) -> Draft:
        """One call, and one repair call if the guards object; exceptions propagate."""
        token = f"CC-{secrets.token_hex(4)}"
        until = time.monotonic() + self.deadline_s
        messages = self.messages(moment, token)
        raw = self._invoke(messages, until)
        draft = self._judge(raw, moment, token)
        if draft.problems:
            draft = self._repair(messages, raw, draft, moment, token, until)
        return draft

    def stream(self, moment: Moment) -> Iterator[str | Draft]:
        """Reply text as it arrives, then the judged Draft (repaired once if needed)."""
        token = f"CC-{secrets.token_hex(4)}"
        until = time.monotonic() + self.deadline_s
        messages = self.messages(moment, token)
        raw, shown = "", ""
        for chunk in _chunks_until(self.model, messages, until):
            raw += chunk
            partial = parse_partial_json(raw[raw.find("{"):]) if "{" in raw else None
            text = partial.get("reply", "") if isinstance(partial, dict) else ""
            if isinstance(text, str) and text.startswith(shown) and len(text) > len(shown):
                yield text[len(shown):]
                shown = text
        draft = self._judge(raw, moment, token)
        if draft.problems:
            draft = self._repair(messages, raw, draft, moment, token, until)
        yield draft


def _chunks_until(model: BaseChatModel, messages: list, until: float) -> Iterator[str]:
    """Stream chunks from a worker thread so a stalled model cannot hold us past the deadline."""
    chunks: queue.Queue = queue.Queue()

    def produce() -> None:
        try:
            for chunk in model.stream(messages):
                chunks.put(str(chunk.content))
            chunks.put(None)
        except Exception as exc:  # handed to the consumer, which decides
            chunks.put(exc)

    threading.Thread(target=produce, daemon=True, name="llm-stream").start()
    while True:
        try:
            item = chunks.get(timeout=max(0.05, until - time.monotonic()))
        except queue.Empty:
            raise TimeoutError("the model stopped streaming before the deadline") from None
        if item is None:
            return
        if isinstance(item, Exception):
            raise item
        yield item

