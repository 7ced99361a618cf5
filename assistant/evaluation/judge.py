"""The LLM judge: a grader model on the `openai` backend scores a reply 1-5 by prompts/judge.yaml.

The grade maps to 0..1 through the `score_map` the prompt file sets in its own template, so
changing the scale is a data change. A grader that cannot be reached or answers nonsense makes
that case's judge an error, never a crash of the run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import jinja2
from jinja2 import nodes
from pydantic import BaseModel, Field

from assistant.critic.guards import parse_json_model
from assistant.errors import DataFileError
from assistant.evaluation.dataset import Case
from assistant.evaluation.results import EvalResult
from assistant.llm.prompts import Prompt, load_prompt
from assistant.llm.writer import LANGUAGE_NAMES, compensation_block, conversation_block
from assistant.models import Suggestion
from assistant.read.pii import Redactor
from assistant.settings import Settings

_PARSER = jinja2.Environment()


@dataclass(frozen=True)
class Scale:
    """How a 1-5 grade becomes a 0..1 score, and the grade that passes."""

    score_map: dict[int, float]
    pass_score: int


def _constants(prompt: Prompt) -> dict[str, object]:
    """Constants the prompt's templates `{% set %}` at their top level."""
    found: dict[str, object] = {}
    for message in prompt.messages:
        for node in _PARSER.parse(message.content).find_all(nodes.Assign):
            if isinstance(node.target, nodes.Name):
                try:
                    found[node.target.name] = node.node.as_const()
                except nodes.Impossible:
                    continue
    return found


def read_scale(prompt: Prompt, source: str) -> Scale:
    """The score map written in the grader prompt itself; a bad one names the file."""
    values = _constants(prompt)
    score_map, pass_score = values.get("score_map"), values.get("pass_score")
    if not isinstance(score_map, dict) or set(score_map) != {1, 2, 3, 4, 5}:
        raise DataFileError(source, "messages", "set score_map to a map of each grade 1..5 "
                                                "to a score, e.g. {1: 0.0, ..., 5: 1.0}")
    if not all(isinstance(v, int | float) and 0 <= v <= 1 for v in score_map.values()):
        raise DataFileError(source, "messages", "score_map scores must lie in 0..1")
    if pass_score not in score_map:
        raise DataFileError(source, "messages", "set pass_score to a grade 1..5")
    return Scale({int(k): float(v) for k, v in score_map.items()}, int(pass_score))


class Verdict(BaseModel):
    """What the grader must answer."""

    score: int = Field(ge=1, le=5)
    reason: str = Field(min_length=1, max_length=2000)


def parse_verdict(raw: str) -> Verdict:
    """The grader's JSON (code fences and chatter tolerated); ValueError says what is wrong."""
    verdict, problem = parse_json_model(raw, Verdict)
    if verdict is None:
        raise ValueError(f"the grader's answer is unusable: {problem}: {raw[:120]!r}")
    return verdict


def _expectations(case: Case) -> str:
    want = case.expect
    parts = []
    if want.company_at_fault is not None:
        parts.append(f"company at fault: {want.company_at_fault}")
    if want.question_due:
        parts.append("a question to find the cause is due")
    if want.must_not_contain:
        parts.append("must not say: " + "; ".join(want.must_not_contain))
    return ", ".join(parts) or "nothing beyond good service recovery"


def _quoted(text: str) -> str:
    return text.replace("<", "‹").replace(">", "›")


class Judge:
    """Grades replies with one chat model; safe to share between the runner's threads."""

    def __init__(self, prompt: Prompt, scale: Scale, model, label: str,
                 redact_pii: bool = True) -> None:
        self.prompt, self.scale, self.model, self.label = prompt, scale, model, label
        self.redact_pii = redact_pii

    @classmethod
    def from_settings(cls, settings: Settings) -> Judge | None:
        """A judge on the configured OpenAI-compatible endpoint, or None when there is none."""
        if not (settings.openai_base_url or settings.openai_api_key):
            return None
        from assistant.llm.chat import chat_model

        model = chat_model(settings.model_copy(update={"llm_temperature": 0.0}), "openai")
        prompt = load_prompt("judge", settings.prompts_dir)
        scale = read_scale(prompt, str(Path(settings.prompts_dir) / "judge.yaml"))
        where = settings.openai_base_url or "api.openai.com"
        return cls(prompt, scale, model, f"{settings.openai_model} at {where}",
                   redact_pii=settings.redact_pii)

    def describe(self) -> str:
        return self.label

    def messages(self, case: Case, suggestion: Suggestion) -> list[tuple[str, str]]:
        """The grading prompt; personal details masked in the conversation and the reply."""
        redact = Redactor(enabled=self.redact_pii).redact
        return self.prompt.render(
            language_name=LANGUAGE_NAMES[case.expect.language],
            conversation=conversation_block(case.transcript, redact),
            compensation=compensation_block(suggestion.compensation),
            expectations=_expectations(case), reply=_quoted(redact(suggestion.reply)))

    def grade(self, case: Case, suggestion: Suggestion) -> EvalResult:
        try:
            raw = str(self.model.invoke(self.messages(case, suggestion)).content)
        except Exception as exc:  # an unreachable grader is this case's judge error
            return EvalResult(error=f"judge: the grader failed: {type(exc).__name__}: {exc}")
        try:
            verdict = parse_verdict(raw)
        except ValueError as exc:
            return EvalResult(error=f"judge: {exc}")
        passed = verdict.score >= self.scale.pass_score
        score = self.scale.score_map[verdict.score]
        return EvalResult(
            checks={"judge.pass": passed},
            reasons={} if passed else {"judge.pass": f"grade {verdict.score}/5: {verdict.reason}"},
            score=score, details={"judge.score": score},
        )
