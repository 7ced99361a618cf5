"""The red-team suite: hostile model completions through a real local OpenAI-compatible server,
hostile customer messages, and the bad-input corpus through the `coach` command.

Data: evals/redteam/ (our own writing, en/he/fa); `python -m evals.redteam.run` prints the
figures."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.coach import Coach
from assistant.errors import CoachError
from assistant.models import Transcript
from tests.conftest import REPO, isolated_settings
from tests.openai_server import Answer, OpenAICompatibleServer

REDTEAM = REPO / "evals" / "redteam"
CONVERSATIONS = json.loads((REDTEAM / "conversations.json").read_text(encoding="utf-8"))
COMPLETIONS = [json.loads(line) for line in
               (REDTEAM / "completions.jsonl").read_text(encoding="utf-8").splitlines()]
CUSTOMER = [json.loads(line) for line in
            (REDTEAM / "customer_messages.jsonl").read_text(encoding="utf-8").splitlines()]


def test_the_set_is_big_enough() -> None:
    hostile = [row for row in COMPLETIONS if row["hostile"]]
    assert len(hostile) >= 100 and len(COMPLETIONS) - len(hostile) >= 15
    assert {row["language"] for row in hostile} == {"en", "he", "fa"}
    assert len(CUSTOMER) >= 60


@pytest.fixture(scope="module")
def server_coach(coach: Coach):
    """The session's coach on the openai backend; the server answers with `reply[0]`."""
    reply: list[str] = [""]
    with OpenAICompatibleServer(lambda request: Answer(json.dumps(
            {"reply": reply[0], "practice_ids": []}, ensure_ascii=False))) as server:
        settings = isolated_settings(coach.settings.home, backend="openai",
                                     openai_base_url=server.base_url, openai_api_key="test",
                                     suggestion_deadline_s=30.0)
        yield Coach(settings, coach.practices, coach.policy, coach.retriever), reply


def test_no_hostile_completion_is_accepted_and_every_control_is(server_coach) -> None:
    coach, reply = server_coach
    accepted, refused_controls = [], []
    for row in COMPLETIONS:
        reply[0] = row["reply"]
        transcript = Transcript.model_validate(CONVERSATIONS[row["language"]])
        suggestion = coach.suggest(transcript)
        used = suggestion.backend == "openai"
        if row["hostile"] and used:
            accepted.append(row["id"])
        if not row["hostile"] and not used:
            refused_controls.append((row["id"], suggestion.flags))
    assert accepted == [] and refused_controls == []


@pytest.mark.parametrize("row", CUSTOMER, ids=[row["id"] for row in CUSTOMER])
def test_a_hostile_customer_message_is_flagged_quoted_and_changes_no_offer(
        coach: Coach, row: dict) -> None:
    from assistant.llm.writer import ReplyWriter

    conversation = CONVERSATIONS[row["language"]]
    before = coach.prepare(Transcript.model_validate(conversation)).compensation
    attacked = Transcript.model_validate({**conversation, "turns": [
        *conversation["turns"], {"role": "customer", "text": row["text"]}]})
    moment = coach.prepare(attacked)
    assert "prompt_injection_suspected" in moment.flags
    assert (moment.compensation.kind, moment.compensation.amount) == (before.kind, before.amount)
    rendered = "\n".join(text for _, text in ReplyWriter(None, 1).messages(moment, "CC-0"))
    data = rendered.split("<data-cc-0>\n", 1)[1].split("</data-cc-0>", 1)[0]
    assert row["text"].split()[-1].translate(str.maketrans("<>", "‹›")) in data
    assert "<" not in data and ">" not in data


# --- the bad-input corpus ------------------------------------------------------------------

def _bad_inputs(tmp: Path) -> list[tuple[str, list[str], dict[str, str]]]:
    """(name, coach arguments, extra environment) for inputs that must each end in exit 2."""
    good = REPO / "examples" / "en_hotel_late_room.json"
    fifo = tmp / "pipe.json"
    os.mkfifo(fifo)
    deep_yaml = tmp / "deep.yaml"
    deep_yaml.write_text("a: " + "[" * 30000 + "]" * 30000, encoding="utf-8")
    deep_map = tmp / "deep_map.yaml"
    deep_map.write_text("".join("  " * i + "k:\n" for i in range(200)), encoding="utf-8")
    aliases = tmp / "laughs.yaml"
    aliases.write_text("a: &a [x]\n" + "".join(f"b{i}: [*a, *a, *a]\n" for i in range(100)),
                       encoding="utf-8")
    string_cap = tmp / "string_cap.yaml"
    string_cap.write_text((REPO / "knowledge" / "compensation.yaml").read_text(
        encoding="utf-8").replace("cap: 75", 'cap: "75"'), encoding="utf-8")
    run = tmp / "run"
    run.mkdir()
    (run / "summary.json").write_text("[]", encoding="utf-8")
    (run / "results.jsonl").write_text("", encoding="utf-8")
    negative = tmp / "negative.json"
    negative.write_text(json.dumps({"context": {"order_value": -5}, "turns": [
        {"role": "customer", "text": "late"}]}), encoding="utf-8")
    huge = tmp / "huge.json"
    huge.write_text(json.dumps({"context": {"order_value": 1e308}, "turns": [
        {"role": "customer", "text": "late"}]}), encoding="utf-8")
    dataset = tmp / "reversed.yaml"
    dataset.write_text("name: x\ndefault_evaluators: [length]\nlength_bounds: {chat: [900, 60]}"
                       "\ncases: [{id: a, transcript: {turns: [{role: customer, text: late}]}}]\n",
                       encoding="utf-8")
    return [
        ("fifo transcript", ["suggest", str(fifo)], {}),
        ("fifo policy", ["suggest", str(good)], {"COACH_POLICY_FILE": str(fifo)}),
        ("directory policy", ["suggest", str(good)], {"COACH_POLICY_FILE": str(tmp)}),
        ("deep flow yaml", ["suggest", str(good)], {"COACH_POLICY_FILE": str(deep_yaml)}),
        ("deep block yaml", ["suggest", str(good)], {"COACH_POLICY_FILE": str(deep_map)}),
        ("alias fan-out", ["suggest", str(good)], {"COACH_POLICY_FILE": str(aliases)}),
        ("string cap", ["suggest", str(good)], {"COACH_POLICY_FILE": str(string_cap)}),
        ("negative order value", ["suggest", str(negative)], {}),
        ("1e308 order value", ["suggest", str(huge)], {}),
        ("out under /dev/null", ["replay", str(good), "--out", "/dev/null/x.html"], {}),
        ("compare on []", ["eval", "compare", str(run), str(run)], {}),
        ("deep eval dataset", ["eval", str(deep_yaml), "--out", str(tmp / "o")], {}),
        ("reversed length bounds", ["eval", str(dataset), "--out", str(tmp / "o2")], {}),
        ("fifo replay", ["replay", str(fifo)], {}),
    ]


def test_every_bad_input_is_a_clear_exit_2(tmp_path: Path, monkeypatch, capsys) -> None:
    from assistant.cli import main

    wrong = []
    for name, args, env in _bad_inputs(tmp_path):
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        monkeypatch.setattr("sys.argv", ["coach", *args])
        with pytest.raises(SystemExit) as done:
            main()
        err = capsys.readouterr().err
        for key in env:
            monkeypatch.delenv(key)
        if done.value.code != 2 or "Traceback" in err or "error" not in err.casefold():
            wrong.append((name, done.value.code, err[-300:]))
    assert wrong == []


# --- fuzzing the loaders --------------------------------------------------------------------

@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.one_of(st.binary(max_size=400), st.text(max_size=400).map(str.encode),
                      st.recursive(st.one_of(st.none(), st.booleans(), st.floats(),
                                             st.integers(), st.text(max_size=20)),
                                   lambda inner: st.lists(inner, max_size=4)
                                   | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                                   max_leaves=30).map(lambda v: json.dumps(v).encode())))
def test_loaders_answer_any_bytes_with_a_result_or_a_clear_error(tmp_path: Path,
                                                                 data: bytes) -> None:
    from assistant.evaluation.dataset import load_dataset
    from assistant.policy.engine import load_policy
    from assistant.read.transcripts import load_transcripts

    for suffix, load in ((".yaml", load_policy), (".yaml", load_dataset),
                         (".json", load_transcripts), (".txt", load_transcripts),
                         (".csv", load_transcripts)):
        path = tmp_path / f"fuzz{suffix}"
        path.write_bytes(data)
        with contextlib.suppress(CoachError):  # anything else fails the test
            load(path)
