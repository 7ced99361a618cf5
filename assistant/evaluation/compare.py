"""What changed between two eval runs: per case and per check, better or worse, and by how much."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from assistant.datafiles import validation_error
from assistant.errors import DataFileError, InputError
from assistant.files import file_problem

EPSILON = 0.0005
MAX_RUN_FILE_BYTES = 200 * 1024 * 1024


class _Summary(BaseModel):
    """The fields of summary.json that compare reads; others are ignored."""

    model_config = ConfigDict(extra="allow")
    backend: str = "?"
    score: float = 0.0
    passed: int = 0
    by_check: dict[str, float | None] = Field(default_factory=dict)


class _Result(BaseModel):
    """The fields of one results.jsonl line that compare reads."""

    model_config = ConfigDict(extra="allow")
    case_id: str | int
    checks: dict[str, bool | None] = Field(default_factory=dict)
    score: float | None = None
    error: str | None = None
    passed: bool | None = None


class RunFiles(BaseModel):
    """An eval run directory as read back: its summary and its results by case id."""

    path: str
    summary: dict[str, Any]
    results: dict[str, dict[str, Any]]


class CaseChange(BaseModel):
    case_id: str
    status_a: str
    status_b: str
    score_a: float | None
    score_b: float | None
    delta: float
    now_passing: list[str] = Field(default_factory=list)
    now_failing: list[str] = Field(default_factory=list)


class CheckChange(BaseModel):
    check: str
    rate_a: float | None
    rate_b: float | None
    delta: float


class Comparison(BaseModel):
    run_a: str
    run_b: str
    backend_a: str
    backend_b: str
    score_a: float
    score_b: float
    score_delta: float
    passed_a: int
    passed_b: int
    better: list[CaseChange]
    worse: list[CaseChange]
    changed: list[CaseChange] = Field(description="checks moved both ways, score unchanged")
    unchanged: int
    checks: list[CheckChange]
    only_in_a: list[str]
    only_in_b: list[str]


def load_run(path: Path) -> RunFiles:
    """Read DIR/summary.json and DIR/results.jsonl; a broken file names itself and the line."""
    if not path.is_dir():
        raise InputError(f"{path}: not an eval run directory")
    summary_path, results_path = path / "summary.json", path / "results.jsonl"
    for file in (summary_path, results_path):
        problem = file_problem(file, MAX_RUN_FILE_BYTES)
        if problem == "file not found":
            raise InputError(f"{path}: not an eval run directory ({file.name} is missing)")
        if problem:
            raise DataFileError(str(file), "", problem)
    try:
        summary = _Summary.model_validate(json.loads(summary_path.read_text(encoding="utf-8")))
        lines = results_path.read_text(encoding="utf-8").splitlines()
    except ValidationError as exc:
        raise validation_error(summary_path, exc) from None
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise DataFileError(str(summary_path), "", f"unreadable: {exc}") from None
    results = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = _Result.model_validate(json.loads(line))
            results[str(row.case_id)] = row.model_dump()
        except (json.JSONDecodeError, RecursionError) as exc:
            raise DataFileError(str(results_path), f"line {number}", f"bad result: {exc}") from None
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            raise DataFileError(str(results_path), f"line {number}: {where}",
                                first["msg"]) from None
    summary = summary.model_dump()
    return RunFiles(path=str(path), summary=summary, results=results)


def _status(row: dict[str, Any]) -> str:
    if row.get("error"):
        return "error"
    checks = row.get("checks", {})
    passed = row.get("passed", bool(checks) and all(checks.values()))
    return "passed" if passed else "failed"


def _case_change(case_id: str, a: dict[str, Any], b: dict[str, Any]) -> CaseChange:
    checks_a, checks_b = a.get("checks", {}), b.get("checks", {})
    score_a, score_b = a.get("score"), b.get("score")
    return CaseChange(
        case_id=case_id, status_a=_status(a), status_b=_status(b),
        score_a=score_a, score_b=score_b, delta=round((score_b or 0.0) - (score_a or 0.0), 4),
        now_passing=sorted(k for k, ok in checks_b.items() if ok and checks_a.get(k) is False),
        now_failing=sorted(k for k, ok in checks_b.items() if not ok and checks_a.get(k)),
    )


def _check_changes(a: dict[str, float], b: dict[str, float]) -> list[CheckChange]:
    changes = []
    for name in sorted(set(a) | set(b)):
        rate_a, rate_b = a.get(name), b.get(name)
        delta = round((rate_b or 0.0) - (rate_a or 0.0), 4)
        if rate_a is None or rate_b is None or abs(delta) > EPSILON:
            changes.append(CheckChange(check=name, rate_a=rate_a, rate_b=rate_b, delta=delta))
    return sorted(changes, key=lambda c: c.delta)


_RANK = {"error": 0, "failed": 1, "passed": 2}


def _direction(change: CaseChange) -> int:
    """+1 better, -1 worse, 0 no clear direction: by score, then status, then checks."""
    if abs(change.delta) > EPSILON:
        return 1 if change.delta > 0 else -1
    status = _RANK[change.status_b] - _RANK[change.status_a]
    if status:
        return 1 if status > 0 else -1
    return (bool(change.now_passing) > bool(change.now_failing)) - (
        bool(change.now_failing) > bool(change.now_passing))


def compare_runs(run_a: RunFiles, run_b: RunFiles) -> Comparison:
    """Every case in both runs sorted into better, worse, mixed (changed) or unchanged."""
    better, worse, changed, unchanged = [], [], [], 0
    for case_id in sorted(set(run_a.results) & set(run_b.results)):
        change = _case_change(case_id, run_a.results[case_id], run_b.results[case_id])
        direction = _direction(change)
        if direction > 0:
            better.append(change)
        elif direction < 0:
            worse.append(change)
        elif change.now_passing or change.now_failing:
            changed.append(change)
        else:
            unchanged += 1
    sa, sb = run_a.summary, run_b.summary
    return Comparison(
        run_a=run_a.path, run_b=run_b.path,
        backend_a=str(sa.get("backend", "?")), backend_b=str(sb.get("backend", "?")),
        score_a=sa.get("score", 0.0), score_b=sb.get("score", 0.0),
        score_delta=round(sb.get("score", 0.0) - sa.get("score", 0.0), 4),
        passed_a=sa.get("passed", 0), passed_b=sb.get("passed", 0),
        better=sorted(better, key=lambda c: -c.delta), worse=sorted(worse, key=lambda c: c.delta),
        changed=changed, unchanged=unchanged,
        checks=_check_changes(sa.get("by_check", {}), sb.get("by_check", {})),
        only_in_a=sorted(set(run_a.results) - set(run_b.results)),
        only_in_b=sorted(set(run_b.results) - set(run_a.results)),
    )


def _score(value: float | None) -> str:
    return "  —  " if value is None else f"{value:.3f}"


def _case_line(change: CaseChange) -> str:
    line = (f"  {change.case_id}  {_score(change.score_a)} → {_score(change.score_b)} "
            f"({change.delta:+.3f})")
    if change.status_a != change.status_b:
        line += f"  [{change.status_a} → {change.status_b}]"
    if change.now_passing:
        line += f"\n      now passing: {', '.join(change.now_passing)}"
    if change.now_failing:
        line += f"\n      now failing: {', '.join(change.now_failing)}"
    return line


def format_comparison(c: Comparison) -> str:
    """The readable text of `coach eval compare`."""
    lines = [
        f"A: {c.run_a} ({c.backend_a})  score {c.score_a:.3f}  passed {c.passed_a}",
        f"B: {c.run_b} ({c.backend_b})  score {c.score_b:.3f}  passed {c.passed_b}",
        f"score {c.score_delta:+.3f}, passed {c.passed_b - c.passed_a:+d}, "
        f"{len(c.better)} better, {len(c.worse)} worse, {len(c.changed)} mixed, "
        f"{c.unchanged} unchanged",
    ]
    for title, group in (("Better", c.better), ("Worse", c.worse), ("Mixed", c.changed)):
        if group:
            lines += ["", f"{title} ({len(group)}):", *(_case_line(x) for x in group)]
    if c.checks:
        lines += ["", "Checks (pass rate A → B):"]
        lines += [f"  {x.check}  {_score(x.rate_a)} → {_score(x.rate_b)} ({x.delta:+.3f})"
                  for x in c.checks]
    for title, ids in (("Only in A", c.only_in_a), ("Only in B", c.only_in_b)):
        if ids:
            lines += ["", f"{title}: {', '.join(ids)}"]
    return "\n".join(lines)
