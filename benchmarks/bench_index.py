"""Index build time: the practices into a fresh Chroma collection (embedding included), then a
rebuild with nothing changed (the idempotent path `coach index build` takes on every later run).

    .venv/bin/python benchmarks/bench_index.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from common import peak_rss_mb, print_table, write_figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="fresh builds; the best one counts")
    args = parser.parse_args()
    from assistant.knowledge.index import build_index
    from assistant.settings import Settings

    fresh, again, records = [], [], 0
    for n in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(home=Path(tmp) / f"home-{n}")
            started = time.perf_counter()
            report = build_index(settings)
            fresh.append(time.perf_counter() - started)
            started = time.perf_counter()
            unchanged = build_index(settings)
            again.append(time.perf_counter() - started)
            records = report.total
            if unchanged.added or unchanged.updated:
                raise SystemExit(f"a rebuild with nothing changed rewrote records: {unchanged}")
    row = {"records": records, "fresh_build_s": round(min(fresh), 2),
           "fresh_build_max_s": round(max(fresh), 2), "rebuild_unchanged_s": round(min(again), 3)}
    figures = {"rows": [row], "builds": args.repeat, "peak_rss_mb": peak_rss_mb()}
    path = write_figures("index", figures)
    print_table([row])
    print(f"peak RSS {figures['peak_rss_mb']} MB -> {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
