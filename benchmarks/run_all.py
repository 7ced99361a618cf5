"""Run every benchmark, each in its own process (so peak memory is its own), then print one table
of the latest figures from benchmarks/results/.

    .venv/bin/python benchmarks/run_all.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from common import RESULTS, print_table

HERE = Path(__file__).resolve().parent
# benchmarks/bench_<name>.py
BENCHES = ("index", "suggest", "eval", "replay", "replay_policy", "hardening")
QUICK = {
    "index": ["--repeat", "1"],
    "suggest": ["--rounds", "60", "--model-rounds", "5", "--cold-runs", "2"],
    "eval": ["--repeat", "1"],
    "replay": ["--conversations", "60"],
    "replay_policy": [],
    "hardening": [],
}


def headline(name: str, data: dict) -> list[dict[str, object]]:
    """One row per measured figure that matters, from a results file."""
    rss = data.get("peak_rss_mb")
    if name == "suggest":
        return [{"benchmark": f"suggest ({r['backend']})",
                 "figure": f"warm p50 {r['warm_p50_ms']} ms, p95 {r['warm_p95_ms']} ms; "
                           f"cold {r['cold_median_s']} s"
                           + (f"; {r['fallbacks']}/{r['suggestions']} fell back to rules"
                              if r.get("fallbacks") else ""), "peak_rss_mb": rss}
                for r in data["rows"]]
    if name == "eval":
        r = data["rows"][0]
        return [{"benchmark": f"eval ({r['backend']})",
                 "figure": f"{r['cases_per_s']} cases/s ({r['cases']} cases in {r['seconds']} s)",
                 "peak_rss_mb": rss}]
    if name == "index":
        r = data["rows"][0]
        return [{"benchmark": "index build",
                 "figure": f"{r['fresh_build_s']} s fresh ({r['records']} records), "
                           f"{r['rebuild_unchanged_s']} s unchanged", "peak_rss_mb": rss}]
    if name == "replay":
        return [{"benchmark": "replay (rules)",
                 "figure": f"{data['conversations_per_s']} conversations/s "
                           f"({data['conversations']} in {data['seconds']} s)",
                 "peak_rss_mb": rss}]
    if name == "replay_policy":
        return [{"benchmark": "replay policy breaches",
                 "figure": f"precision {data['precision']}, recall {data['recall']} "
                           f"({data['planted']} planted in {data['conversations']} conversations)",
                 "peak_rss_mb": rss}]
    if name == "hardening":
        return [{"benchmark": "hardening",
                 "figure": f"{data['hostile_accepted']}/{data['hostile']} hostile accepted, "
                           f"{data['controls_accepted']}/{data['controls']} controls; replay 500 "
                           f"turns {data['replay_500_turns_s']} s; hanging model "
                           f"{data['hanging_s']} s at a {data['deadline_s']} s deadline",
                 "peak_rss_mb": data.get("peak_rss_mb")}]
    return []


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds, for a smoke run")
    args = parser.parse_args()
    failed = []
    for name in BENCHES:
        script = HERE / f"bench_{name}.py"
        if not script.is_file():
            continue
        extra = QUICK[name] if args.quick else []
        print(f"== {name}", flush=True)
        if subprocess.run([sys.executable, str(script), *extra]).returncode != 0:
            failed.append(name)
    rows = []
    for name in BENCHES:
        path = RESULTS / f"{name}.json"
        if path.is_file():
            rows += headline(name, json.loads(path.read_text(encoding="utf-8")))
    print()
    print_table(rows)
    if failed:
        print(f"missed its goal or failed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
