"""What every benchmark shares: the machine it ran on, peak memory, percentiles, the JSON file
under benchmarks/results/ and a plain table on stdout."""

from __future__ import annotations

import json
import os
import platform
import resource
import sys
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "benchmarks" / "results"
DATASETS = REPO / "evals" / "datasets"
sys.path.insert(0, str(REPO))


def machine() -> dict[str, object]:
    """CPU model and count, memory, OS and Python: figures mean little without them."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gb = None
    try:
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
        memory_gb = round(pages * size / 2**30, 1)
    except (ValueError, OSError, AttributeError):
        pass
    return {"cpu": model, "cpus": os.cpu_count(), "memory_gb": memory_gb,
            "os": f"{platform.system()} {platform.release()}",
            "python": platform.python_version()}


def peak_rss_mb(children: bool = False) -> float:
    """Peak resident memory of this process (or of its finished children), in MB."""
    who = resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF
    peak = resource.getrusage(who).ru_maxrss
    return round(peak / 1024 / (1024 if sys.platform == "darwin" else 1), 1)


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100, linear interpolation) of a non-empty list."""
    return round(float(np.percentile(values, q)), 2)


def dataset_transcripts() -> list:
    """The transcripts of every case in evals/datasets: all languages, short and long."""
    from assistant.evaluation.dataset import find_dataset_files, load_dataset

    return [case.transcript for path in find_dataset_files([DATASETS])
            for case in load_dataset(path).cases]


def write_figures(name: str, figures: dict[str, object]) -> Path:
    """benchmarks/results/<name>.json, stamped with the time and the machine."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    data = {"benchmark": name, **figures,
            "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": machine()}
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def print_table(rows: list[dict[str, object]]) -> None:
    """Left-aligned columns from the keys of the first row."""
    if not rows:
        return
    keys = list(rows[0])
    cells = [[str(row.get(k, "")) for k in keys] for row in rows]
    widths = [max(len(k), *(len(c[i]) for c in cells)) for i, k in enumerate(keys)]
    print("  ".join(k.ljust(w) for k, w in zip(keys, widths, strict=True)))
    for line in cells:
        print("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)))
