"""Eval throughput: every case of evals/datasets through `coach eval` machinery (suggest, all
evaluators, results, summary and HTML report) on one backend, in cases per second.

    .venv/bin/python benchmarks/bench_eval.py [--backend rules] [--concurrency N] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from common import DATASETS, peak_rss_mb, print_table, write_figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default="rules")
    parser.add_argument("--concurrency", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=3, help="runs; the best one counts")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["COACH_HOME"] = str(Path(tmp) / "home")
        from assistant.coach import Coach
        from assistant.evaluation.dataset import find_dataset_files, load_dataset
        from assistant.evaluation.runner import run_eval
        from assistant.settings import Settings

        settings = Settings()
        started = time.perf_counter()
        coach = Coach.load(settings)
        load_s = time.perf_counter() - started
        datasets = [(p, load_dataset(p)) for p in find_dataset_files([DATASETS])]
        runs = []
        for n in range(args.repeat):
            started = time.perf_counter()
            outcome = run_eval(datasets, settings, backend=args.backend, coach=coach,
                               out_dir=Path(tmp) / f"run-{n}", concurrency=args.concurrency,
                               progress=False)
            runs.append((time.perf_counter() - started, outcome.summary))
    seconds, summary = min(runs, key=lambda run: run[0])
    row = {"backend": args.backend, "cases": summary["cases"], "seconds": round(seconds, 2),
           "cases_per_s": round(summary["cases"] / seconds, 1),
           "concurrency": summary["concurrency"], "score": summary["score"],
           "passed": summary["passed"], "errors": summary["errors"]}
    figures = {"rows": [row], "coach_load_s": round(load_s, 2), "runs": args.repeat,
               "peak_rss_mb": peak_rss_mb()}
    path = write_figures("eval", figures)
    print_table([row])
    print(f"coach load {figures['coach_load_s']} s, peak RSS {figures['peak_rss_mb']} MB "
          f"-> {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
