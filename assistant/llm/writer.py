"""Model-written replies: prompt, call under a deadline, guard, repair once, or give up.

Giving up is never visible to the agent: the coach then falls back to the rules composer.
"""

from __future__ import annotations

import queue
import re
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.utils.json import parse_partial_json

from assistant.compose.budget import length_problem, stated_limit
from assistant.critic.guards import MAX_REPLY_CHARS, check_reply, parse_reply, stream_problems
from assistant.llm.prompts import load_prompt
from assistant.models import Compensation, Transcript
from assistant.moment import Moment
from assistant.read.pii import Redactor
from assistant.resources import Resources

LANGUAGE_NAMES = {"en": "English", "he": "Hebrew (עברית)", "fa": "Persian (فارسی)"}
MAX_TURNS_SHOWN = 24
MAX_TURN_CHARS_SHOWN = 2000
MAX_RAW_CHARS = 3 * MAX_REPLY_CHARS  # a model still writing past this is not answering
_SETTLED = re.compile(r".*[.!?؟\n]", re.DOTALL)  # text up to the last finished sentence


@dataclass
class Draft:
    """A model's reply that passed the guards, or the reasons it did not."""

    reply: str | None = None
    practice_ids: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    repaired: bool = False


# Assessment fields that carry words from the conversation: they go inside the data block only.
QUOTED_FIELDS = {"problem_summary", "agent_phrases", "demanded_amount", "mood_by_turn", "harm",
                 "facts"}
_ANGLES = str.maketrans({"<": "‹", ">": "›", "\uff1c": "‹", "\uff1e": "›"})


def as_data(text: str) -> str:
    """Text from the conversation as inert data: no angle bracket survives, so it can neither
    close the data block nor open a tag of ours, whatever it says."""
    return text[:MAX_TURN_CHARS_SHOWN].translate(_ANGLES)


def conversation_block(transcript: Transcript, redact: Callable[[str], str] = str) -> str:
    turns = transcript.turns[-MAX_TURNS_SHOWN:]
    return "\n".join(f"[{turn.role.value}] {as_data(redact(turn.text))}" for turn in turns)


def data_block(moment: Moment, redact: Callable[[str], str] = str) -> str:
    """Everything derived from what the customer and the agent wrote, escaped and with personal
    details masked by `redact`: the problem in the customer's words, then the conversation. It
    sits between the data tags only."""
    summary = as_data(redact(" ".join(moment.assessment.problem_summary.split())))
    return (f"[problem in the customer's words] {summary}\n"
            f"{conversation_block(moment.transcript, redact)}")


def assessment_json(moment: Moment) -> str:
    """The coach's reading without any customer words: labels and flags only."""
    return moment.assessment.model_dump_json(exclude=QUOTED_FIELDS)


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


def supplied_text(moment: Moment) -> str:
    """What a reply may quote links and contact details from: the conversation and the
    company's own documents and gesture."""
    c = moment.compensation
    return "\n".join([*(t.text for t in moment.transcript.turns), *moment.documents,
                      c.gesture or ""])


def prompt_secrets(moment: Moment, prompts_dir: Path | None = None) -> list[str]:
    """Texts a reply must not copy: our instructions, the assessment, the policy's rationale."""
    prompt = load_prompt("suggest", prompts_dir)
    system = [m.content for m in prompt.messages if m.role == "system"]
    return [*system, assessment_json(moment), moment.compensation.rationale]


class ReplyWriter:
    """Writes a reply with one chat model, under a deadline, through the guards."""

    def __init__(self, model: BaseChatModel, deadline_s: float, resources: Resources,
                 redact_pii: bool = True) -> None:
        self.model, self.deadline_s, self.resources = model, deadline_s, resources
        self.redact_pii = redact_pii

    def messages(self, moment: Moment, guard_token: str,
                 redactor: Redactor | None = None) -> list[tuple[str, str]]:
        """The prompt; personal details in the conversation become placeholders (`redactor`
        remembers them to restore the reply)."""
        redactor = redactor or Redactor(enabled=self.redact_pii)
        lang = moment.assessment.language
        practices = "\n".join(f"- {p.id}: {getattr(p.principle, lang)}" for p in moment.practices)
        return load_prompt("suggest", self.resources.prompts_dir).render(
            language_name=LANGUAGE_NAMES[lang], length=stated_limit(moment.transcript.channel),
            stage=moment.stage.value,
            assessment=assessment_json(moment),
            compensation=compensation_block(moment.compensation), practices=practices,
            documents="\n---\n".join(as_data(d) for d in moment.documents),
            conversation=data_block(moment, redactor.redact), guard_token=guard_token,
            data_tag=f"data-{guard_token.lower()}")

    def _invoke(self, messages: list, until: float) -> str:
        """One call in a daemon thread: the caller leaves at the deadline, and nothing waits
        for the abandoned call at exit (the HTTP client's own timeout ends it)."""
        answer = _in_daemon(lambda: self.model.invoke(messages), until)
        return str(answer.content)

    def _judge(self, raw: str, moment: Moment, token: str, redactor: Redactor) -> Draft:
        parsed, error = parse_reply(raw)
        if parsed is None:
            return Draft(problems=[error or "unusable answer"])
        reply = redactor.restore(parsed.reply)
        problems = check_reply(reply, moment.assessment, moment.compensation, token,
                               self.resources.lexicon, moment.stage, supplied_text(moment),
                               prompt_secrets(moment, self.resources.prompts_dir))
        if too_long := length_problem(reply, moment.transcript.channel):
            problems.append(too_long)
        return Draft(reply=None if problems else reply.strip(),
                     practice_ids=parsed.practice_ids, problems=problems)

    def _repair(self, messages: list, raw: str, draft: Draft, moment: Moment, token: str,
                until: float, redactor: Redactor) -> Draft:
        problems = [redactor.redact(problem) for problem in draft.problems]  # they quote it
        repair = load_prompt("repair", self.resources.prompts_dir).render(problems=problems)
        raw = self._invoke([*messages, ("assistant", raw), *repair], until)
        fixed = self._judge(raw, moment, token, redactor)
        fixed.repaired = True
        if fixed.problems:
            fixed.problems = [*draft.problems, *fixed.problems]
        return fixed

    def write(self, moment: Moment, until: float | None = None) -> Draft:
        """One call, and one repair call if the guards object, all before `until` (monotonic
        time; default: the deadline from now); exceptions propagate."""
        token = f"CC-{secrets.token_hex(4)}"
        until = until or time.monotonic() + self.deadline_s
        redactor = Redactor(enabled=self.redact_pii)
        messages = self.messages(moment, token, redactor)
        raw = self._invoke(messages, until)
        draft = self._judge(raw, moment, token, redactor)
        if draft.problems:
            draft = self._repair(messages, raw, draft, moment, token, until, redactor)
        return draft

    def stream(self, moment: Moment, until: float | None = None) -> Iterator[str | Draft]:
        """Finished sentences of the reply once each passes the streaming checks, then the
        judged Draft (repaired once if needed). A sentence that fails stops the stream, so
        nothing unguarded is ever shown; the deadline and a length limit stop it too."""
        token = f"CC-{secrets.token_hex(4)}"
        until = until or time.monotonic() + self.deadline_s
        redactor = Redactor(enabled=self.redact_pii)
        messages = self.messages(moment, token, redactor)
        raw, shown = "", 0
        for chunk in _chunks_until(self.model, messages, until):
            raw += chunk
            if len(raw) > MAX_RAW_CHARS:
                raise TimeoutError(f"the model kept writing past {MAX_RAW_CHARS} characters")
            settled = redactor.restore(_settled_reply(raw))
            if len(settled) <= shown:
                continue
            problems = stream_problems(settled, moment.assessment.language,
                                       moment.compensation, token, supplied_text(moment),
                                       prompt_secrets(moment, self.resources.prompts_dir),
                                       self.resources.lexicon)
            if problems:  # stop reading; what was shown so far passed
                yield self._repair(messages, raw, Draft(problems=problems), moment, token, until,
                                   redactor)
                return
            yield settled[shown:]
            shown = len(settled)
        draft = self._judge(raw, moment, token, redactor)
        if draft.problems:
            draft = self._repair(messages, raw, draft, moment, token, until, redactor)
        yield draft


def _settled_reply(raw: str) -> str:
    """The reply's text so far, up to its last finished sentence."""
    partial = parse_partial_json(raw[raw.find("{"):]) if "{" in raw else None
    text = partial.get("reply", "") if isinstance(partial, dict) else ""
    if not isinstance(text, str):
        return ""
    match = _SETTLED.match(text)
    return match.group() if match else ""


_THREAD = "llm-"  # the name of every thread a model call runs in starts with this


def calls_running() -> bool:
    """Whether a model call left at its deadline is still running (assistant.cli.leave)."""
    return any(t.name.startswith(_THREAD) and t.is_alive() for t in threading.enumerate())


def _in_daemon(call: Callable[[], Any], until: float) -> Any:
    """`call()` in a daemon thread, its result or exception, or TimeoutError at `until`."""
    box: queue.Queue = queue.Queue(maxsize=1)

    def run() -> None:
        try:
            box.put((True, call()))
        except Exception as exc:  # handed to the caller, which decides
            box.put((False, exc))

    threading.Thread(target=run, daemon=True, name=f"{_THREAD}call").start()
    try:
        ok, value = box.get(timeout=max(0.05, until - time.monotonic()))
    except queue.Empty:
        raise TimeoutError("the model did not answer before the deadline") from None
    if not ok:
        raise value
    return value


def _chunks_until(model: BaseChatModel, messages: list, until: float) -> Iterator[str]:
    """Stream chunks from a daemon thread so a stalled model cannot hold us past the deadline;
    when we stop reading (deadline, a failed check, done) the thread stops too."""
    chunks: queue.Queue = queue.Queue()
    stop = threading.Event()

    def produce() -> None:
        try:
            for chunk in model.stream(messages):
                if stop.is_set():
                    break  # closing the stream closes the HTTP response
                chunks.put(str(chunk.content))
            chunks.put(None)
        except Exception as exc:  # handed to the consumer, which decides
            chunks.put(exc)

    threading.Thread(target=produce, daemon=True, name=f"{_THREAD}stream").start()
    try:
        while True:
            left = until - time.monotonic()
            if left <= 0:
                raise TimeoutError("the model was still streaming at the deadline")
            try:
                item = chunks.get(timeout=left)
            except queue.Empty:
                raise TimeoutError("the model stopped streaming before the deadline") from None
            if item is None:
                return
            if isinstance(item, Exception):
                raise item
            yield item
    finally:
        stop.set()
