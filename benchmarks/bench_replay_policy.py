"""Policy-breach detection in trainer replay (issue #17): precision and recall over the planted
set in evals/replay_policy/ (conversations in en/he/fa under several company policies, every
agent turn labelled with the breach it commits or none).

A breach counts as found only at its labelled turn, with its kind and rule; anything else found
is a false positive. Exits 1 when a labelled turn disagrees with the replay.

    .venv/bin/python benchmarks/bench_replay_policy.py [FILE.jsonl ...]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from functools import lru_cache
from pathlib import Path

from common import REPO, peak_rss_mb, print_table, write_figures

SET_DIR = REPO / "evals" / "replay_policy"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, help="default: every .jsonl of the set")
    args = parser.parse_args()
    from assistant.coach import Coach
    from assistant.evaluation.breach_set import load_breach_set, score_breach_set
    from assistant.policy.engine import load_policy
    from assistant.settings import Settings

    files = args.files or sorted(SET_DIR.glob("*.jsonl"))
    cases = [case for path in files for case in load_breach_set(path)]
    with tempfile.TemporaryDirectory() as home:
        base = Coach.load(Settings(home=Path(home), backend="rules"))

        @lru_cache
        def coach_for(policy: Path) -> Coach:
            return Coach(base.settings, base.practices, load_policy(policy), base.retriever)

        started = time.perf_counter()
        score = score_breach_set(cases, coach_for)
        seconds = round(time.perf_counter() - started, 2)
    rows = [{"group": "all", "planted": score.planted,
             "found": score.true_positives + score.false_positives,
             "precision": round(score.precision, 3), "recall": round(score.recall, 3)}]
    rows += [{"group": f"language {k}", **v} for k, v in score.by_language.items()]
    rows += [{"group": f"kind {k}", **v} for k, v in score.by_kind.items()]
    print(f"{score.conversations} conversations, {score.agent_turns} agent turns, "
          f"{score.planted} planted breaches, replayed in {seconds} s")
    print_table(rows)
    for miss in score.misses:
        print(f"MISS {miss.case} turn {miss.turn}: expected {miss.expected}, found {miss.found}")
    write_figures("replay_policy", {
        "files": [str(f.relative_to(REPO)) if f.is_relative_to(REPO) else str(f) for f in files],
        "conversations": score.conversations, "agent_turns": score.agent_turns,
        "planted": score.planted, "true_positives": score.true_positives,
        "false_positives": score.false_positives, "false_negatives": score.false_negatives,
        "precision": round(score.precision, 3), "recall": round(score.recall, 3),
        "by_language": score.by_language, "by_kind": score.by_kind, "seconds": seconds,
        "misses": [m.model_dump() for m in score.misses], "peak_rss_mb": peak_rss_mb()})
    return 1 if score.misses else 0


if __name__ == "__main__":
    sys.exit(main())
