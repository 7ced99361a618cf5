"""`coach` as a user runs it: real processes, exit codes of the contract."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.models import Suggestion
from tests.conftest import REPO

EXAMPLES = REPO / "examples"


def run(*args: str, home: Path, **extra_env: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COACH_HOME": str(home), "COACH_BACKEND": "rules", **extra_env}
    return subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True,
                          text=True, env=env, cwd=REPO, timeout=300)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("cli-home")
    assert run("index", "build", home=home).returncode == 0
    return home


def test_suggest_prints_a_readable_suggestion(home: Path) -> None:
    example = sorted(EXAMPLES.glob("*.json"))[0]
    result = run("suggest", str(example), home=home)
    assert result.returncode == 0, result.stderr
    assert "Reply (" in result.stdout and "Offer:" in result.stdout


def test_suggest_json_is_the_contract(home: Path) -> None:
    for example in sorted(EXAMPLES.glob("*.json")):
        result = run("suggest", str(example), "--json", home=home)
        assert result.returncode == 0, result.stderr
        suggestion = Suggestion.model_validate_json(result.stdout)
        assert suggestion.reply.strip() and suggestion.backend == "rules"


def test_a_company_policy_file_decides_the_offer(home: Path) -> None:
    """The README's airline example: 100 USD per passenger for a gold member who asks."""
    flight = str(EXAMPLES / "en_cancelled_flight.json")
    env = {"COACH_POLICY_FILE": str(EXAMPLES / "policies" / "airline.yaml")}
    airline = Suggestion.model_validate_json(run("suggest", flight, "--json", home=home,
                                                 **env).stdout)
    default = Suggestion.model_validate_json(run("suggest", flight, "--json", home=home).stdout)
    assert airline.compensation.policy_id == "cancelled-flight-certificate"
    assert (airline.compensation.amount, airline.compensation.currency) == (300.0, "USD")
    assert "$300.00" in airline.reply
    assert default.compensation.policy_id != airline.compensation.policy_id


def test_jsonl_gives_one_line_per_transcript_in_order(home: Path) -> None:
    example = sorted(EXAMPLES.glob("*.jsonl"))[0]
    lines = [line for line in example.read_text("utf-8").splitlines() if line.strip()]
    result = run("suggest", str(example), "--json", home=home)
    assert result.returncode == 0, result.stderr
    out = result.stdout.splitlines()
    assert len(out) == len(lines)
    languages = [json.loads(line)["language"] for line in out]
    assert len(set(languages)) >= 2


def test_bad_input_exits_2_with_one_line(home: Path, tmp_path: Path) -> None:
    missing = run("suggest", str(tmp_path / "nope.json"), home=home)
    assert missing.returncode == 2 and "nope.json" in missing.stderr
    broken = tmp_path / "broken.json"
    broken.write_text('{"turns": [{"role": "boss", "text": "hi"}]}', encoding="utf-8")
    result = run("suggest", str(broken), home=home)
    assert result.returncode == 2
    assert "broken.json" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_bad_line_does_not_stop_the_good_ones(home: Path, tmp_path: Path) -> None:
    batch = tmp_path / "batch.jsonl"
    good = {"id": "ok", "turns": [{"role": "customer", "text": "My refund never arrived!"}]}
    batch.write_text(json.dumps(good) + "\n{not json\n" + json.dumps(good) + "\n", "utf-8")
    result = run("suggest", str(batch), "--json", home=home)
    assert result.returncode == 2 and "line 2" in result.stderr
    replies = [json.loads(line) for line in result.stdout.splitlines()]
    assert [("reply" in r) for r in replies] == [True, False, True]


def test_unknown_backend_is_a_usage_error(home: Path) -> None:
    example = sorted(EXAMPLES.glob("*.json"))[0]
    result = run("suggest", str(example), "--backend", "magic", home=home)
    assert result.returncode == 2


def test_openai_backend_without_endpoint_says_what_to_set(home: Path) -> None:
    example = sorted(EXAMPLES.glob("*.json"))[0]
    result = run("suggest", str(example), "--backend", "openai", home=home)
    assert result.returncode == 2 and "COACH_OPENAI_BASE_URL" in result.stderr


def test_index_add_reports_bad_files(home: Path, tmp_path: Path) -> None:
    doc = tmp_path / "faq.md"
    doc.write_text("# FAQ\n\nRefunds take 5 days.", encoding="utf-8")
    assert run("index", "add", str(doc), home=home).returncode == 0
    assert run("index", "add", str(tmp_path / "none"), home=home).returncode == 2


def test_a_model_call_left_running_at_exit_does_not_finalize_under_it(tmp_path: Path) -> None:
    """A call abandoned at its deadline may still be inside llama.cpp when the command ends:
    the process then leaves at once (no interpreter finalization, which crashed with exit 139
    under the local model), its output flushed and its exit code kept."""
    script = tmp_path / "left.py"
    script.write_text(
        "import atexit, time\n"
        "from assistant.cli import leave\n"
        "from assistant.llm.writer import _in_daemon\n"
        "atexit.register(lambda: print('finalized'))\n"
        "try:\n"
        "    _in_daemon(lambda: time.sleep(60), time.monotonic() + 0.1)\n"
        "except TimeoutError:\n"
        "    print('answer', end='')\n"
        "leave(2)\n", encoding="utf-8")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=60)
    assert (done.returncode, done.stdout) == (2, "answer")
