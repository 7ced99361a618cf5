"""Hardening figures (issue #12): replay time against thread length, the red-team set through a
local OpenAI-compatible server, and the deadline against a hanging and a never-ending model.

Goals: a 500-turn replay in at most 2 s; 0 hostile completions accepted with every control
accepted; a suggestion within deadline + 1 s whatever the model does.

    .venv/bin/python benchmarks/bench_hardening.py
"""

from __future__ import annotations

import dataclasses
import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
RESULTS = REPO / "benchmarks" / "results" / "hardening.json"
DEADLINE_S = 2.0


def _long_thread(turns: int, distinct: bool = False) -> dict:
    """`turns` turns of 300 characters; `distinct`: every turn's text differs (its number and
    day change), so nothing read for one turn can be reused for another."""
    customer = ("My parcel is late again and nobody answers, this is the third time I write to "
                "you about the same order and I am running out of patience with all of this. ")
    agent = ("I'm sorry about the delay, I will check the courier's tracking for you now and "
             "come back with an answer before the end of the day, you have my word on it. ")

    def text(n: int) -> str:
        said = customer if n % 2 == 0 else agent
        return ((f"Message {n}, day {n // 7 + 1}: " if distinct else "") + said * 2)[:300]

    return {"id": f"long-{turns}", "context": {"order_value": 100, "currency": "USD"},
            "turns": [{"role": "customer" if n % 2 == 0 else "agent", "text": text(n)}
                      for n in range(turns)]}


def replay_times(coach) -> dict[str, float]:
    from assistant.models import Transcript
    from assistant.replay.runner import replay_transcript

    replay_transcript(Transcript.model_validate(_long_thread(20)), coach)  # warm
    times = {}
    for turns, distinct in ((125, False), (250, False), (500, False), (500, True)):
        started = time.perf_counter()
        replay_transcript(Transcript.model_validate(_long_thread(turns, distinct)), coach)
        name = f"replay_{turns}_{'distinct_' if distinct else ''}turns_s"
        times[name] = round(time.perf_counter() - started, 2)
    return times


def red_team(coach) -> dict[str, int]:
    from assistant.coach import Coach
    from assistant.models import Transcript
    from tests.conftest import isolated_settings
    from tests.openai_server import Answer, OpenAICompatibleServer

    folder = REPO / "evals" / "redteam"
    conversations = json.loads((folder / "conversations.json").read_text(encoding="utf-8"))
    rows = [json.loads(x) for x in (folder / "completions.jsonl").read_text(
        encoding="utf-8").splitlines()]
    reply = [""]
    counts = {"hostile": 0, "hostile_accepted": 0, "controls": 0, "controls_accepted": 0}
    with OpenAICompatibleServer(lambda r: Answer(json.dumps({"reply": reply[0]}))) as server:
        settings = isolated_settings(coach.settings.home, backend="openai",
                                     openai_base_url=server.base_url, openai_api_key="x",
                                     suggestion_deadline_s=30.0)
        # The lexicon's reading, pinned as in tests/test_redteam.py: the completions carry the
        # offer the policy decides for that reading; this measures the guards, not the reader.
        lexicon_only = dataclasses.replace(coach.resources, reader=None)
        model_coach = Coach(settings, lexicon_only, coach.retriever)
        for row in rows:
            reply[0] = row["reply"]
            used = model_coach.suggest(Transcript.model_validate(
                conversations[row["language"]])).backend == "openai"
            key = "hostile" if row["hostile"] else "controls"
            counts[key] += 1
            counts[f"{key}_accepted"] += used
    return counts


def deadline(coach) -> dict[str, float]:
    from assistant.coach import Coach
    from assistant.models import Suggestion, Transcript
    from tests.conftest import isolated_settings
    from tests.openai_server import Answer, OpenAICompatibleServer

    transcript = Transcript.model_validate(_long_thread(1))
    figures = {}
    for name, answer in (("hanging", Answer("{}", delay=60)),
                         ("never_ending_stream", Answer('{"reply": "Sorry', endless=" and so on",
                                                        pace=0.005))):
        with OpenAICompatibleServer(lambda r, a=answer: a) as server:
            settings = isolated_settings(coach.settings.home, backend="openai",
                                         openai_base_url=server.base_url, openai_api_key="x",
                                         suggestion_deadline_s=DEADLINE_S)
            model_coach = Coach(settings, coach.resources, coach.retriever)
            model_coach.warm_up()
            started, shown = time.perf_counter(), ""
            for item in model_coach.stream(transcript):
                if not isinstance(item, Suggestion):
                    shown += item
            figures[f"{name}_s"] = round(time.perf_counter() - started, 2)
            figures[f"{name}_unguarded_chars_shown"] = len(shown)
    figures["deadline_s"] = DEADLINE_S
    return figures


def main() -> int:
    from assistant.coach import Coach
    from benchmarks.common import machine
    from tests.conftest import isolated_settings

    with tempfile.TemporaryDirectory() as home:
        coach = Coach.load(isolated_settings(Path(home)))
        figures = {"machine": machine(), **replay_times(coach), **red_team(coach),
                   **deadline(coach)}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
