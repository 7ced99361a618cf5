"""The suggestion deadline holds end to end, against a real local OpenAI-compatible server that
hangs, never stops streaming, or streams money the policy did not decide."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from assistant.coach import Coach
from assistant.llm.breaker import FAILURES_TO_OPEN
from assistant.models import Suggestion, Transcript
from tests.conftest import REPO, isolated_settings
from tests.openai_server import Answer, OpenAICompatibleServer
from tests.test_openai_backend import LATE_ROOM, as_json, good_reply

DEADLINE_S = 2.0


def _coach(base: Coach, server: OpenAICompatibleServer) -> Coach:
    base.prepare(LATE_ROOM)  # the embedding model and LangChain are loaded before any clock
    settings = isolated_settings(base.settings.home, backend="openai",
                                 openai_base_url=server.base_url, openai_api_key="test",
                                 openai_timeout_s=30.0, suggestion_deadline_s=DEADLINE_S)
    coach = Coach(settings, base.resources, base.retriever)
    coach.warm_up()
    return coach


@pytest.fixture
def scripted(coach: Coach) -> Iterator[Callable[[Answer], tuple[Coach, OpenAICompatibleServer]]]:
    """A coach on the openai backend whose server gives `answer` to every request."""
    servers: list[OpenAICompatibleServer] = []

    def start(answer: Answer) -> tuple[Coach, OpenAICompatibleServer]:
        server = OpenAICompatibleServer(lambda request: answer).__enter__()
        servers.append(server)
        return _coach(coach, server), server

    yield start
    for server in servers:
        server.__exit__()


def _stream(coach: Coach, transcript: Transcript, **options: float
            ) -> tuple[str, Suggestion, float]:
    started, shown, final = time.monotonic(), "", None
    for item in coach.stream(transcript, **options):
        if isinstance(item, Suggestion):
            final = item
        else:
            shown += item
    assert final is not None
    return shown, final, time.monotonic() - started


def test_a_hanging_model_falls_back_at_the_deadline(scripted) -> None:
    coach, _ = scripted(Answer("{}", delay=60))
    started = time.monotonic()
    suggestion = coach.suggest(LATE_ROOM)
    assert time.monotonic() - started <= DEADLINE_S + 1
    assert "llm_fallback" in suggestion.flags and suggestion.backend == "rules"


def test_a_never_ending_stream_shows_nothing_and_stops_at_the_deadline(scripted) -> None:
    coach, server = scripted(Answer('{"reply": "I am so sorry', endless=" and so on", pace=0.01))
    shown, final, took = _stream(coach, LATE_ROOM)
    assert shown == "" and "llm_fallback" in final.flags
    assert took <= DEADLINE_S + 1
    time.sleep(0.5)
    assert server.hung_up == 1  # we closed the connection; the stream did not run on


def test_the_time_kept_for_showing_the_reply_comes_off_the_deadline(scripted) -> None:
    """The panel keeps 1 s of a 2 s deadline for drawing: the coach gives up on the model at
    1 s, so the reply is on screen by the deadline the agent was told."""
    coach, _ = scripted(Answer("{}", delay=60))
    _, final, took = _stream(coach, LATE_ROOM, asked_at=time.monotonic(), reserve_s=1.0)
    assert "llm_fallback" in final.flags
    assert DEADLINE_S - 1.0 - 0.2 <= took < DEADLINE_S
    assert coach._until(0.0, reserve_s=60) == DEADLINE_S / 2  # the model always gets half


def test_a_never_ending_stream_of_sentences_is_cut_off(scripted) -> None:
    coach, server = scripted(Answer('{"reply": "I am so sorry. ', pace=0.0,
                                    endless="We will look into it. "))
    shown, final, took = _stream(coach, LATE_ROOM)
    assert "llm_fallback" in final.flags and took <= DEADLINE_S + 1
    assert len(shown) <= 3 * 2000  # never more than the length limit
    time.sleep(0.5)
    assert server.hung_up == 1


@pytest.mark.parametrize("bad", ["We will refund $5000 today.", "Visit <a href='x'>here</a>.",
                                 "Call us at +1 555 0100 222."])
def test_a_streamed_sentence_that_breaks_a_guard_is_never_shown(scripted, bad: str) -> None:
    coach, _ = scripted(Answer(json.dumps({"reply": f"I am so sorry. {bad} Anything else?"})))
    shown, final, _ = _stream(coach, LATE_ROOM)
    assert shown == "I am so sorry."
    assert bad not in final.reply and "llm_fallback" in final.flags


def test_a_good_stream_is_shown_sentence_by_sentence(coach: Coach, scripted) -> None:
    reply = good_reply(coach, LATE_ROOM)
    model_coach, _ = scripted(Answer(as_json(reply)))
    shown, final, _ = _stream(model_coach, LATE_ROOM)
    assert final.backend == "openai" and final.reply == reply and shown == reply


def test_slow_calls_do_not_starve_later_ones(coach: Coach, scripted) -> None:
    slow, _ = scripted(Answer("{}", delay=30))
    fast, _ = scripted(Answer(as_json(good_reply(coach, LATE_ROOM))))
    for _ in range(4):
        assert "llm_fallback" in slow.suggest(LATE_ROOM).flags
    answered = [fast.suggest(LATE_ROOM) for _ in range(4)]
    assert all(s.backend == "openai" for s in answered)


def test_a_failing_endpoint_is_skipped_for_a_while_and_the_flags_say_so(scripted) -> None:
    coach, server = scripted(Answer(status=500))
    for _ in range(FAILURES_TO_OPEN):
        assert "llm_fallback" in coach.suggest(LATE_ROOM).flags
    calls = len(server.requests)
    skipped = coach.suggest(LATE_ROOM)
    assert len(server.requests) == calls  # not called at all
    assert any("circuit open" in flag for flag in skipped.flags)


def _cli(home: Path, base_url: str, example: Path) -> tuple[float, dict]:
    env = {**os.environ, "COACH_HOME": str(home), "COACH_BACKEND": "openai",
           "COACH_OPENAI_BASE_URL": base_url, "COACH_OPENAI_API_KEY": "test",
           "COACH_SUGGESTION_DEADLINE_S": str(DEADLINE_S)}
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "assistant", "suggest", str(example), "--json"],
                          capture_output=True, text=True, env=env, cwd=REPO, timeout=120)
    assert done.returncode == 0, done.stderr
    return time.monotonic() - started, json.loads(done.stdout)


def test_coach_suggest_returns_within_the_deadline_when_the_model_hangs(
        coach: Coach, tmp_path: Path) -> None:
    """Against a failing endpoint (answers at once) for the start-up cost, then a hanging one:
    the difference is the deadline, not the hang (no waiting for the abandoned call at exit)."""
    example = tmp_path / "late.json"
    example.write_text(LATE_ROOM.model_dump_json(), encoding="utf-8")
    with OpenAICompatibleServer(lambda r: Answer(status=500)) as failing:
        baseline, _ = _cli(coach.settings.home, failing.base_url, example)
    with OpenAICompatibleServer(lambda r: Answer("{}", delay=60)) as hanging:
        took, suggestion = _cli(coach.settings.home, hanging.base_url, example)
    assert "llm_fallback" in suggestion["flags"]
    assert took - baseline <= DEADLINE_S + 1, (took, baseline)
