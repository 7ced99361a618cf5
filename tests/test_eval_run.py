"""Eval runs end to end: the shipped datasets, the files of contract §5, thresholds (exit 3),
`coach eval compare`, and a run against a real OpenAI-compatible server on 127.0.0.1 that
answers some cases well, some badly, and times out or talks nonsense on others."""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.cli import cli, main
from assistant.coach import Coach
from assistant.evaluation.compare import compare_runs, load_run
from assistant.evaluation.dataset import find_dataset_files, json_schema, load_dataset
from assistant.evaluation.runner import run_eval
from assistant.models import IssueType
from assistant.settings import Settings, get_settings
from tests.openai_server import Answer, OpenAICompatibleServer

REPO = Path(__file__).resolve().parent.parent
DATASETS = REPO / "evals" / "datasets"
CONTRACT_SUMMARY = {"cases", "passed", "score", "by_check", "latency_ms", "backend"}
CONTRACT_RESULT = {"case_id", "suggestion", "checks", "score", "error"}


@pytest.fixture(scope="module")
def shared_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One COACH_HOME with a built index for the whole module."""
    home = tmp_path_factory.mktemp("eval-home")
    Coach.load(Settings(home=home))
    return home


@pytest.fixture
def use_home(shared_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("COACH_HOME", str(shared_home))
    get_settings.cache_clear()
    return shared_home


def write_dataset(path: Path, cases: str, thresholds: str = "", extra: str = "",
                  evaluators: str = "language, safety, length, expect") -> Path:
    path.write_text(f"name: {path.stem}\ndefault_evaluators: [{evaluators}]\n"
                    f"{thresholds}{extra}cases:\n{cases}", encoding="utf-8")
    return path


HOSTILE = "<script>alert('x')</script> my order is 3 days late & nobody answers"
TWO_CASES = f"""\
  - id: late-parcel
    transcript:
      turns: [{{role: customer, text: "{HOSTILE}"}}]
    expect: {{language: en, issue_type: delay, must_not_contain: [calm down]}}
  - id: he-late
    transcript:
      turns: [{{role: customer, text: "ההזמנה שלי מאחרת בשלושה ימים ואף אחד לא עונה לי"}}]
    expect: {{language: he}}
"""


# -- the shipped datasets -------------------------------------------------------------------------

def test_the_shipped_datasets_cover_the_brief() -> None:
    cases = [c for p in find_dataset_files([DATASETS]) for c in load_dataset(p).cases]
    assert len(cases) >= 60
    languages = Counter(c.expect.language for c in cases)
    assert all(languages[lang] >= 15 for lang in ("en", "he", "fa")), languages
    issue_types = {c.expect.issue_type for c in cases}
    assert set(IssueType) - {IssueType.other} <= issue_types
    tags = {t for c in cases for t in c.tags}
    assert {"injection", "abusive", "excessive-demand", "customer-at-fault", "unknown-cause",
            "only-heard", "long"} <= tags
    assert any(len(c.transcript.turns) >= 7 for c in cases)


def test_the_schema_file_is_the_exported_model() -> None:
    on_disk = json.loads((REPO / "evals" / "dataset.schema.json").read_text(encoding="utf-8"))
    assert on_disk == json_schema()


# -- a rules run --------------------------------------------------------------------------------

def test_a_rules_run_writes_the_contract_files_and_escapes_case_text(
        shared_home: Path, tmp_path: Path) -> None:
    # no reply fits in 5 characters: every case fails a check, so the report quotes the customer
    path = write_dataset(tmp_path / "small.yaml", TWO_CASES,
                         extra="length_bounds: {chat: [1, 5]}\n")
    out = tmp_path / "run"
    outcome = run_eval([(path, load_dataset(path))], Settings(home=shared_home), out_dir=out,
                       progress=False)
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert [r["case_id"] for r in rows] == ["late-parcel", "he-late"]
    assert all(set(r) >= CONTRACT_RESULT for r in rows)
    assert all(r["error"] is None and r["suggestion"]["backend"] == "rules" for r in rows)
    assert rows[1]["suggestion"]["language"] == "he"
    summary = json.loads((out / "summary.json").read_text())
    assert set(summary) >= CONTRACT_SUMMARY and set(summary["latency_ms"]) >= {"p50", "p95"}
    assert summary["cases"] == 2 and summary["backend"] == "rules"
    assert "length.within_bounds" in summary["by_check"]
    assert not outcome.below_thresholds
    html = (out / "report.html").read_text()
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
    assert "length.within_bounds" in html.split("Failed checks")[1]
    assert "<svg" in html and "late-parcel" in html and "http" not in html.split("</style>")[0]


PII_CASE = """\
  - id: card-and-mail
    transcript:
      turns:
        - role: customer
          text: "You charged my card 4111 1111 1111 1111 twice, write to dana.levi@example.com"
    expect: {language: en}
"""


@pytest.mark.parametrize("show", [False, True])
def test_a_run_masks_personal_details_unless_asked(shared_home: Path, tmp_path: Path,
                                                   show: bool) -> None:
    path = write_dataset(tmp_path / "pii.yaml", PII_CASE, extra="length_bounds: {chat: [1, 5]}\n")
    out = tmp_path / "run"
    run_eval([(path, load_dataset(path))], Settings(home=shared_home), out_dir=out,
             progress=False, mask_pii=not show)
    written = (out / "results.jsonl").read_text() + (out / "report.html").read_text()
    for detail in ("4111 1111 1111 1111", "dana.levi@example.com"):
        assert (detail in written) is show
    if not show:
        assert "[EMAIL_1]" in written or "[email_1]" in written.lower()


def test_falling_below_thresholds_exits_3(use_home: Path, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    # replies cannot be 1-5 characters long, so length passes nowhere: below the 0.9 floor
    path = write_dataset(tmp_path / "strict.yaml", TWO_CASES,
                         "thresholds: {checks: {length.within_bounds: 0.9}}\n",
                         "length_bounds: {chat: [1, 5]}\n")
    argv = ["coach", "eval", str(path), "--out", str(tmp_path / "run"), "--no-progress"]
    monkeypatch.setattr(sys, "argv", argv)
    with pytest.raises(SystemExit) as exited:
        main()  # the console script's own entry point, exit codes as a shell sees them
    assert exited.value.code == 3
    assert "length.within_bounds rate 0.000 < 0.9" in capsys.readouterr().err
    assert (tmp_path / "run" / "report.html").is_file()


def test_meeting_the_thresholds_exits_0(use_home: Path, tmp_path: Path) -> None:
    path = write_dataset(tmp_path / "fine.yaml", TWO_CASES, "thresholds: {min_score: 0.1}\n")
    result = CliRunner().invoke(cli, ["eval", str(path), "--out", str(tmp_path / "run"),
                                      "--backend", "rules"])
    assert result.exit_code == 0, result.output
    assert "2 cases" in result.output


def test_a_broken_dataset_is_bad_input(use_home: Path, tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("name: b\ndefault_evaluators: [length]\ncases: [{id: x}]\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["eval", str(path)])
    assert result.exit_code != 0
    assert "broken.yaml" in str(result.exception) and "transcript" in str(result.exception)


# -- compare ------------------------------------------------------------------------------------

def fake_run(directory: Path, rows: list[dict], backend: str) -> Path:
    directory.mkdir()
    (directory / "results.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    by_check: dict[str, list[bool]] = {}
    for row in rows:
        for name, ok in row["checks"].items():
            by_check.setdefault(name, []).append(ok)
    summary = {"cases": len(rows), "passed": sum(bool(r["checks"]) and all(r["checks"].values())
                                                 and not r["error"] for r in rows),
               "score": sum(r["score"] or 0 for r in rows) / len(rows),
               "by_check": {k: sum(v) / len(v) for k, v in by_check.items()},
               "latency_ms": {"p50": 1, "p95": 2}, "backend": backend}
    (directory / "summary.json").write_text(json.dumps(summary))
    return directory


def row(case_id: str, score: float | None, error: str | None = None, **checks: bool) -> dict:
    checks = {k.replace("__", "."): v for k, v in checks.items()}
    return {"case_id": case_id, "suggestion": None, "checks": checks, "score": score,
            "error": error}


@pytest.fixture
def two_runs(tmp_path: Path) -> tuple[Path, Path]:
    a = fake_run(tmp_path / "a", [
        row("up", 0.5, policy__kind=False, length__within_bounds=True),
        row("down", 1.0, policy__kind=True, length__within_bounds=True),
        row("same", 0.8, policy__kind=True),
        row("fixed", None, error="TimeoutError"),
        row("gone", 1.0, policy__kind=True),
    ], "rules")
    b = fake_run(tmp_path / "b", [
        row("up", 1.0, policy__kind=True, length__within_bounds=True),
        row("down", 0.5, policy__kind=True, length__within_bounds=False),
        row("same", 0.8, policy__kind=True),
        row("fixed", 0.9, policy__kind=True),
        row("new", 1.0, policy__kind=True),
    ], "openai")
    return a, b


def test_compare_sorts_cases_into_better_and_worse_per_check(two_runs: tuple[Path, Path]) -> None:
    comparison = compare_runs(load_run(two_runs[0]), load_run(two_runs[1]))
    better = {c.case_id: c for c in comparison.better}
    worse = {c.case_id: c for c in comparison.worse}
    assert set(better) == {"up", "fixed"} and set(worse) == {"down"}
    assert better["up"].now_passing == ["policy.kind"] and better["up"].delta == 0.5
    assert better["fixed"].status_a == "error" and better["fixed"].status_b == "passed"
    assert worse["down"].now_failing == ["length.within_bounds"]
    assert comparison.unchanged == 1
    assert comparison.only_in_a == ["gone"] and comparison.only_in_b == ["new"]
    assert {c.check for c in comparison.checks} == {"policy.kind", "length.within_bounds"}


def test_compare_command_text_and_json(use_home: Path, two_runs: tuple[Path, Path]) -> None:
    a, b = map(str, two_runs)
    text = CliRunner().invoke(cli, ["eval", "compare", a, b])
    assert text.exit_code == 0, text.output
    assert "Worse (1):" in text.output and "now failing: length.within_bounds" in text.output
    assert re.search(r"up\s+0\.500 → 1\.000 \(\+0\.500\)", text.output)
    as_json = CliRunner().invoke(cli, ["eval", "compare", a, b, "--json"])
    data = json.loads(as_json.output)
    assert [c["case_id"] for c in data["worse"]] == ["down"]


def test_compare_rejects_a_folder_that_is_not_a_run(use_home: Path, tmp_path: Path,
                                                    two_runs: tuple[Path, Path]) -> None:
    result = CliRunner().invoke(cli, ["eval", "compare", str(two_runs[0]), str(tmp_path)])
    assert result.exit_code != 0
    assert "not an eval run directory" in str(result.exception)


# -- a run against an OpenAI-compatible server --------------------------------------------------

SERVER_CASES = """\
  - id: good-answer
    transcript:
      turns: [{role: customer, text: "My parcel is four days late and nobody told me anything."}]
    expect: {language: en, must_not_contain: [calm down]}
  - id: bad-answer
    transcript:
      turns: [{role: customer, text: "The kettle I bought last week stopped heating."}]
    expect: {language: en, must_not_contain: [calm down]}
  - id: timeout
    transcript:
      turns: [{role: customer, text: "The router keeps dropping the connection every hour."}]
    expect: {language: en}
  - id: nonsense
    transcript:
      turns: [{role: customer, text: "The invoice shows a fee I never agreed to pay."}]
    expect: {language: en}
"""
# A form letter the guards let through and the judge marks down (a reply over the channel's
# budget never reaches the agent: the writer repairs it or falls back to the rules).
CURT = "I am so sorry, our mistake; I take responsibility. We value you."
_OFFER = re.compile(r"Compensation decided by the policy:\s*(\w+): ([\d.]+) ([A-Z]{3})\.")


def _reply_for(prompt: str) -> str:
    """A reply that passes the coach's guards: apology, ownership, exactly the policy's amount."""
    offer = _OFFER.search(prompt)
    stated = (f" I've added a {offer.group(1)} of {offer.group(2)} {offer.group(3)}."
              if offer else "")
    text = ("I'm so sorry about this, it is our mistake and I take responsibility for it."
            f"{stated} I will check it myself and message you by 5 pm today with the next step.")
    return CURT if "kettle" in prompt else text


def scripted(request: dict) -> Answer:
    """Good, bad, slow or nonsense answers by case, and grades for the judge's requests."""
    messages = request["messages"]
    system = messages[0]["content"]
    everything = " ".join(str(m["content"]) for m in messages)
    if "You grade one reply" in system:
        grade = 2 if "We value you" in everything else 5
        return Answer(text=json.dumps({"score": grade, "reason": f"graded {grade}: form letter"
                                       if grade == 2 else "owns it, concrete next step"}))
    if "router" in everything:
        return Answer(text="{}", delay=4.0)
    if "invoice" in everything:
        return Answer(text="As an assistant I think the customer is upset.")
    return Answer(text=json.dumps({"reply": _reply_for(everything), "practice_ids": []}))


def test_a_run_against_an_openai_compatible_server_shows_each_answer_for_what_it_is(
        shared_home: Path, tmp_path: Path) -> None:
    path = write_dataset(tmp_path / "server.yaml", SERVER_CASES,
                         evaluators="language, safety, length, expect, judge")
    out = tmp_path / "run"
    with OpenAICompatibleServer(scripted) as server:
        settings = Settings(home=shared_home, backend="openai", openai_base_url=server.base_url,
                            openai_api_key="x", openai_timeout_s=3, suggestion_deadline_s=1.5)
        outcome = run_eval([(path, load_dataset(path))], settings, out_dir=out, concurrency=3,
                           progress=False)
    results = {r.case_id: r for r in outcome.results}

    good = results["good-answer"]
    assert good.error is None and good.suggestion["backend"] == "openai"
    assert good.passed, good.reasons
    assert good.checks["judge.pass"] is True and good.evaluator_scores["judge"] == 1.0

    bad = results["bad-answer"]
    assert bad.error is None and bad.suggestion["backend"] == "openai", bad.error
    assert not bad.passed, (bad.checks, bad.suggestion["reply"])
    assert bad.checks["judge.pass"] is False and "form letter" in bad.reasons["judge.pass"]

    assert "did not answer" in results["timeout"].error
    assert results["timeout"].checks == {} and results["timeout"].score is None
    assert "JSON" in results["nonsense"].error

    summary = outcome.summary
    assert summary["backend"] == "openai" and summary["errors"] == 2
    assert summary["passed"] == 1 and summary["judge"]
    html = (out / "report.html").read_text()
    errors_table = html.split("Errors (2)")[1].split("Failed checks")[0]
    assert "timeout" in errors_table and "did not answer" in errors_table
    assert "nonsense" in errors_table
    failed_table = html.split("Failed checks")[1].split("All cases")[0]
    assert "bad-answer" in failed_table and "judge.pass" in failed_table
    assert "good-answer" not in failed_table
