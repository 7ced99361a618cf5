"""Suggestion latency per backend: warm p50/p95 (one loaded Coach, the dataset transcripts in
turn) and the cold start of `coach suggest FILE --json` as a fresh process.

Goals on `rules` (issue 2): p95 <= 100 ms warm, cold <= 3 s. The index is built before the clock
starts (bench_index.py measures that). `openai` is measured when COACH_OPENAI_BASE_URL is set,
`local` when llama-cpp-python and a GGUF model are installed (fewer rounds and one cold start
on model backends: each call takes seconds).

    .venv/bin/python benchmarks/bench_suggest.py [--rounds 200] [--model-rounds 20]
        [--cold-runs 5] [--backend NAME]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from importlib.util import find_spec
from pathlib import Path

from common import (
    REPO,
    dataset_transcripts,
    peak_rss_mb,
    percentile,
    print_table,
    write_figures,
)

WARM_P95_GOAL_MS = 100.0
COLD_GOAL_S = 3.0


def available_backends() -> list[str]:
    backends = ["rules"]
    if os.environ.get("COACH_OPENAI_BASE_URL"):
        backends.append("openai")
    if find_spec("llama_cpp") is not None:
        from assistant.errors import ConfigError
        from assistant.llm.chat import default_gguf

        try:
            if Path(os.environ.get("COACH_LOCAL_MODEL_PATH") or default_gguf()).is_file():
                backends.append("local")
        except ConfigError:
            pass
    return backends


def warm(coach, transcripts: list, backend: str, rounds: int) -> tuple[list[float], int]:
    """Milliseconds per suggestion after a few untimed warm-up calls, and how many of them
    fell back to rules (a model that missed its deadline measures the deadline, not itself)."""
    for transcript in transcripts[:3]:
        coach.suggest(transcript, backend=backend)
    timings, fallbacks = [], 0
    for transcript in itertools.islice(itertools.cycle(transcripts), rounds):
        start = time.perf_counter()
        suggestion = coach.suggest(transcript, backend=backend)
        timings.append((time.perf_counter() - start) * 1000)
        fallbacks += "llm_fallback" in suggestion.flags
    return timings, fallbacks


def cold(transcript, backend: str, runs: int, env: dict[str, str], tmp: Path) -> list[float]:
    """Seconds for `python -m assistant suggest FILE --json` from process start to exit."""
    path = tmp / "cold.json"
    path.write_text(transcript.model_dump_json(), encoding="utf-8")
    command = [sys.executable, "-m", "assistant", "suggest", str(path), "--json",
               "--backend", backend]
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True)
        timings.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise SystemExit(f"coach suggest failed ({done.returncode}): {done.stderr[-500:]}")
        json.loads(done.stdout)
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200, help="warm suggestions on rules")
    parser.add_argument("--model-rounds", type=int, default=20,
                        help="warm suggestions on a model backend (seconds each)")
    parser.add_argument("--cold-runs", type=int, default=5)
    parser.add_argument("--backend", action="append", help="default: every available backend")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "COACH_HOME": str(Path(tmp) / "home")}
        os.environ["COACH_HOME"] = env["COACH_HOME"]
        from assistant.coach import Coach
        from assistant.settings import get_settings

        coach = Coach.load(get_settings())
        transcripts = dataset_transcripts()
        rows = []
        for backend in args.backend or available_backends():
            rounds = args.rounds if backend == "rules" else args.model_rounds
            timings, fallbacks = warm(coach, transcripts, backend, rounds)
            starts = cold(transcripts[0], backend, args.cold_runs if backend == "rules" else 1,
                          env, Path(tmp))
            rows.append({
                "backend": backend, "suggestions": len(timings), "fallbacks": fallbacks,
                "warm_p50_ms": percentile(timings, 50), "warm_p95_ms": percentile(timings, 95),
                "warm_max_ms": round(max(timings), 1),
                "cold_median_s": round(statistics.median(starts), 2),
                "cold_max_s": round(max(starts), 2),
            })
    figures = {
        "rows": rows, "goals": {"warm_p95_ms": WARM_P95_GOAL_MS, "cold_s": COLD_GOAL_S},
        "peak_rss_mb": peak_rss_mb(), "peak_rss_cold_process_mb": peak_rss_mb(children=True),
    }
    path = write_figures("suggest", figures)
    print_table(rows)
    print(f"peak RSS: {figures['peak_rss_mb']} MB warm process, "
          f"{figures['peak_rss_cold_process_mb']} MB cold process -> {path}")
    rules = next((r for r in rows if r["backend"] == "rules"), None)
    ok = rules is None or (rules["warm_p95_ms"] <= WARM_P95_GOAL_MS
                           and rules["cold_median_s"] <= COLD_GOAL_S)
    return 0 if ok else 1


if __name__ == "__main__":
    from assistant.cli import leave  # a local model call may still be running: see leave()

    leave(main())
