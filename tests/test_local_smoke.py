"""A local model that cannot run is found out in a child process, and the rules answer instead."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.llm.local_smoke import _describe_exit, cpu_identity, local_model_runs

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "en_damaged_parcel.json"


def test_a_crash_is_named_by_its_signal() -> None:
    crash = subprocess.run([sys.executable, "-c", "import ctypes; ctypes.string_at(0)"],
                           capture_output=True, text=True)
    assert crash.returncode < 0
    assert "SIGSEGV" in _describe_exit(crash.returncode, crash.stderr)


def test_the_cpu_is_named_with_its_vector_flags() -> None:
    identity = cpu_identity()
    assert identity and "[" in identity


def test_an_isolated_test_that_crashes_fails_alone_and_names_the_signal(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text("pytest_plugins = ['tests.isolation']\n")
    (tmp_path / "test_crash.py").write_text(
        "import ctypes, pytest\n\n"
        "@pytest.mark.isolated\ndef test_native_crash():\n    ctypes.string_at(0)\n\n"
        "def test_after_the_crash():\n    assert True\n")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("COACH_TEST_ISOLATED_CHILD", None)
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           str(tmp_path)], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=300)
    assert "1 failed, 1 passed" in done.stdout, done.stdout + done.stderr
    assert "crashed with SIGSEGV" in done.stdout


llama = pytest.importorskip("llama_cpp", reason="the local extra is not installed")


@pytest.fixture
def corrupt_gguf(tmp_path: Path) -> Path:
    """A GGUF header followed by garbage: llama.cpp must not get to run it in our process."""
    path = tmp_path / "corrupt.gguf"
    path.write_bytes(b"GGUF" + bytes(range(256)) * 64)
    return path


def test_a_corrupt_model_is_refused_and_the_verdict_is_cached(corrupt_gguf: Path,
                                                               tmp_path: Path) -> None:
    verdict = local_model_runs(corrupt_gguf, tmp_path / "home")
    assert not verdict.ok and verdict.detail
    cached = json.loads((tmp_path / "home" / "local-smoke.json").read_text())
    assert list(cached.values()) == [{"ok": False, "detail": verdict.detail}]
    corrupt_gguf.write_bytes(corrupt_gguf.read_bytes() + b"changed")
    local_model_runs(corrupt_gguf, tmp_path / "home")
    assert list(json.loads((tmp_path / "home" / "local-smoke.json").read_text())) != list(cached)


def test_coach_suggest_with_a_broken_local_model_answers_with_rules(corrupt_gguf: Path,
                                                                     coach_home: Path) -> None:
    env = {**os.environ, "COACH_HOME": str(coach_home), "COACH_LOCAL_MODEL_PATH": str(corrupt_gguf)}
    done = subprocess.run([sys.executable, "-m", "assistant", "suggest", str(EXAMPLE), "--json",
                           "--backend", "local"], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    suggestion = json.loads(done.stdout)
    assert suggestion["backend"] == "rules" and suggestion["reply"].strip()
    problem = next(f for f in suggestion["flags"] if f.startswith("llm_problem"))
    assert "cannot run on this machine" in problem


def test_the_installed_build_is_portable() -> None:
    """A native build on an AVX-512/AMX host crashed elsewhere: ours targets AVX2 only."""
    from assistant.llm.local_smoke import library_build

    build = library_build()
    assert "AVX2 = 1" in build, build
    assert "AVX512 = 1" not in build and "AMX_INT8 = 1" not in build, build
