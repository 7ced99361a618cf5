"""Run a dataset through the coach: one suggestion per case, every evaluator, then the files of
contract §5 (results.jsonl, summary.json, report.html) and the verdict against the thresholds."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from assistant.errors import ConfigError, DataFileError, InputError
from assistant.evaluation.dataset import Case, Dataset
from assistant.evaluation.evaluators import Subject, evaluate
from assistant.evaluation.judge import Judge
from assistant.evaluation.results import CaseResult
from assistant.models import Suggestion
from assistant.read.lexicon import CompiledLexicon
from assistant.read.pii import Redactor
from assistant.settings import Settings

FALLBACK_FLAG = "llm_fallback"


@dataclass
class RunOutcome:
    out_dir: Path
    summary: dict[str, Any]
    results: list[CaseResult]
    failures: list[str] = field(default_factory=list)

    @property
    def below_thresholds(self) -> bool:
        return bool(self.failures)


def _fallback_error(suggestion: Suggestion) -> str | None:
    """A model backend that fell back to rules did not answer: for its eval that is an error."""
    if FALLBACK_FLAG not in suggestion.flags:
        return None
    problems = [f.split(":", 1)[1].strip() for f in suggestion.flags if f.startswith("llm_problem")]
    return f"the model's reply was not used ({'; '.join(problems) or 'no reason given'})"


def evaluate_case(case: Case, dataset: Dataset, suggestion: Suggestion, judge: Judge | None,
                  prompts_dir: Path, lexicon: CompiledLexicon | None = None) -> CaseResult:
    """Every evaluator the case names, folded into one CaseResult (without timing)."""
    bounds = dataset.length_bounds.get(case.transcript.channel, (1, 10_000))
    subject = Subject(case=case, suggestion=suggestion, length_bounds=bounds, judge=judge,
                      prompts_dir=prompts_dir, lexicon=lexicon)
    result = _blank(case, dataset)
    result.suggestion = suggestion.model_dump(mode="json")
    for name in dataset.evaluators_for(case):
        found = evaluate(name, subject)
        result.checks.update(found.checks)
        result.reasons.update(found.reasons)
        result.details.update(found.details)
        if found.error:
            result.check_errors[name] = found.error
        elif found.skipped:
            result.skipped[name] = found.skipped
        if found.score is not None:
            result.evaluator_scores[name] = round(found.score, 4)
    scores = list(result.evaluator_scores.values())
    result.score = round(sum(scores) / len(scores), 4) if scores else None
    result.passed = all(result.checks.values()) and not result.check_errors
    return result


def _blank(case: Case, dataset: Dataset) -> CaseResult:
    said = [t.text for t in case.transcript.customer_turns()]
    return CaseResult(case_id=case.id, dataset=dataset.name, language=case.expect.language,
                      issue_type=case.expect.issue_type, tags=case.tags,
                      customer_said=said[-1] if said else "")


def run_case(coach: Any, case: Case, dataset: Dataset, backend: str | None,
             judge: Judge | None) -> CaseResult:
    """Ask the coach, time it, evaluate; an endpoint that fails makes this case an error."""
    start = time.perf_counter()
    try:
        suggestion = coach.suggest(case.transcript, backend=backend)
    except (ConfigError, DataFileError):
        raise  # a backend or data file that cannot work stops the run, not fails every case
    except Exception as exc:  # any failure of the system under test is this case's result
        result = _blank(case, dataset)
        result.error = f"{type(exc).__name__}: {exc}"
        result.latency_ms = round((time.perf_counter() - start) * 1000, 1)
        return result
    latency = round((time.perf_counter() - start) * 1000, 1)
    error = _fallback_error(suggestion)
    if error:  # what came back is the rules fallback, not the backend under evaluation
        result = _blank(case, dataset)
        result.suggestion, result.error = suggestion.model_dump(mode="json"), error
    else:
        result = evaluate_case(case, dataset, suggestion, judge, coach.settings.prompts_dir,
                               coach.resources.lexicon)
    result.latency_ms = latency
    return result


def run_cases(coach: Any, datasets: list[Dataset], *, backend: str | None, judge: Judge | None,
              concurrency: int = 1, progress: bool = True) -> list[CaseResult]:
    """All cases of all datasets, `concurrency` at a time, returned in dataset order."""
    jobs = [(case, dataset) for dataset in datasets for case in dataset.cases]
    _check_unique("dataset name", [dataset.name for dataset in datasets])
    _check_unique("case id", [case.id for case, _ in jobs])
    results: list[CaseResult | None] = [None] * len(jobs)
    bar = tqdm(total=len(jobs), desc="eval", unit="case", disable=not progress or None)
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        futures = {pool.submit(run_case, coach, case, dataset, backend, judge): index
                   for index, (case, dataset) in enumerate(jobs)}
        for future in as_completed(futures):
            results[futures[future]] = future.result()
            bar.update(1)
    bar.close()
    return [r for r in results if r is not None]


def _check_unique(what: str, names: list[str]) -> None:
    """Results and thresholds are keyed by these names, so a repeat would mix two apart."""
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise InputError(f"{what} {name!r} appears more than once in this run")
        seen.add(name)


def _mean(values: list[float]) -> float:
    return round(float(np.mean(values)), 4) if values else 0.0


def _means(pairs: Iterable[tuple[str, float]]) -> dict[str, float]:
    """Mean value per label, labels sorted."""
    groups: dict[str, list[float]] = {}
    for label, value in pairs:
        groups.setdefault(str(label), []).append(value)
    return {label: _mean(values) for label, values in sorted(groups.items())}


def _rates(results: list[CaseResult]) -> dict[str, float]:
    """Pass rate of each check, over the cases where it ran."""
    return _means((name, float(ok)) for r in results for name, ok in r.checks.items())


def _practices(result: CaseResult) -> list[str]:
    return [p["id"] for p in (result.suggestion or {}).get("practices", [])]


def summarize(results: list[CaseResult], backend: str) -> dict[str, Any]:
    """summary.json: the contract's keys (errors count as score 0), then the report's groups."""
    latencies = [r.latency_ms for r in results if r.latency_ms is not None and not r.error]
    p50, p95 = (np.percentile(latencies, [50, 95]).round(1).tolist() if latencies
                else (None, None))
    evaluated = [r for r in results if not r.error]
    return {
        "cases": len(results),
        "passed": sum(r.passed for r in results),
        "score": _mean([r.score or 0.0 for r in results]),
        "by_check": _rates(results),
        "latency_ms": {"p50": p50, "p95": p95},
        "backend": backend,
        "errors": sum(1 for r in results if r.error),
        "check_errors": sum(1 for r in results if r.check_errors),
        "pass_rate": _mean([float(r.passed) for r in results]),
        "score_evaluated": _mean([r.score or 0.0 for r in evaluated]),
        "by_language": _means((r.language, r.score or 0.0) for r in results),
        "by_issue_type": _means((r.issue_type or "unspecified", r.score or 0.0) for r in results),
        "by_practice": _means((p, r.score or 0.0) for r in evaluated for p in _practices(r)),
        "by_criterion": _means(kv for r in evaluated for kv in r.details.items()),
        "by_evaluator": _means(kv for r in evaluated for kv in r.evaluator_scores.items()),
        "skipped": _skipped(results),
    }


def _skipped(results: list[CaseResult]) -> dict[str, dict[str, Any]]:
    """Per evaluator: in how many cases it was skipped, and the first reason given."""
    skipped: dict[str, dict[str, Any]] = {}
    for result in results:
        for name, reason in result.skipped.items():
            entry = skipped.setdefault(name, {"cases": 0, "reason": reason})
            entry["cases"] += 1
    return skipped


def threshold_failures(dataset: Dataset, results: list[CaseResult]) -> list[str]:
    """Each way this dataset's results fall below its declared thresholds, in words."""
    mine = [r for r in results if r.dataset == dataset.name]
    if not mine:
        return []
    floor, failures = dataset.thresholds, []
    score = _mean([r.score or 0.0 for r in mine])
    pass_rate = _mean([float(r.passed) for r in mine])
    errors = sum(1 for r in mine if r.error)
    if score < floor.min_score:
        failures.append(f"{dataset.name}: score {score:.3f} < min_score {floor.min_score}")
    if pass_rate < floor.min_pass_rate:
        failures.append(f"{dataset.name}: pass rate {pass_rate:.3f} < min_pass_rate "
                        f"{floor.min_pass_rate}")
    if errors > floor.max_errors:
        failures.append(f"{dataset.name}: {errors} cases errored > max_errors {floor.max_errors}")
    rates = _rates(mine)
    for name, minimum in sorted(floor.checks.items()):
        rate = rates.get(name)
        if rate is None:
            failures.append(f"{dataset.name}: check {name} never ran (threshold {minimum})")
        elif rate < minimum:
            failures.append(f"{dataset.name}: check {name} rate {rate:.3f} < {minimum}")
    return failures


def masked_result(result: CaseResult) -> CaseResult:
    """The case with personal details as placeholders in every text it holds (cards, IBANs,
    e-mails, phones, addresses, national IDs): what a run writes unless asked otherwise."""
    redact = Redactor().redact  # one per case: the same detail gets the same placeholder

    def walk(value: Any) -> Any:
        if isinstance(value, str):
            return redact(value)
        if isinstance(value, list):
            return [walk(v) for v in value]
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        return value

    return CaseResult.model_validate(walk(result.model_dump(mode="json")))


def write_run(out_dir: Path, results: list[CaseResult], summary: dict[str, Any],
              mask_pii: bool = True) -> None:
    from assistant.evaluation.report import write_report

    results = [masked_result(r) for r in results] if mask_pii else results
    out_dir.mkdir(parents=True, exist_ok=True)
    with (out_dir / "results.jsonl").open("w", encoding="utf-8") as handle:
        for result in results:
            handle.write(json.dumps(result.model_dump(mode="json"), ensure_ascii=False) + "\n")
    (out_dir / "summary.json").write_text(
        json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    write_report(out_dir / "report.html", summary, results)


def default_out_dir(settings: Settings, backend: str) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return settings.home / "eval-runs" / f"{stamp}-{backend}"


def run_eval(datasets: list[tuple[Path, Dataset]], settings: Settings, *,
             backend: str | None = None, out_dir: Path | None = None,
             concurrency: int | None = None, progress: bool = True,
             coach: Any = None, mask_pii: bool = True) -> RunOutcome:
    """The whole run: suggest and evaluate every case, write the files, check thresholds."""
    from assistant.coach import Coach

    name = backend or settings.backend
    coach = coach or Coach.load(settings)
    wants_judge = any("judge" in d.evaluators_for(c) for _, d in datasets for c in d.cases)
    judge = Judge.from_settings(settings) if wants_judge else None
    workers = concurrency or (1 if name in ("rules", "local") else 4)
    started = time.perf_counter()
    results = run_cases(coach, [d for _, d in datasets], backend=name, judge=judge,
                        concurrency=workers, progress=progress)
    duration = time.perf_counter() - started
    summary = summarize(results, name)
    failures = [f for _, d in datasets for f in threshold_failures(d, results)]
    summary.update({
        "datasets": [{"name": d.name, "path": str(p), "cases": len(d.cases),
                      "thresholds": d.thresholds.model_dump()} for p, d in datasets],
        "threshold_failures": failures,
        "concurrency": workers,
        "judge": judge.describe() if judge else None,
        "duration_s": round(duration, 3),
        "cases_per_s": round(len(results) / duration, 2) if duration > 0 else None,
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
    })
    out = out_dir or default_out_dir(settings, name)
    write_run(out, results, summary, mask_pii)
    return RunOutcome(out_dir=out, summary=summary, results=results, failures=failures)
