"""Run a test in a child pytest process, so a crash in native code fails one test, not the run.

A test marked `isolated` is executed again, alone, by `python -m pytest NODEID` in a fresh
process (no fork: forking after ONNX Runtime or llama.cpp started their threads can hang). A
child killed by a signal is reported as a failure naming that signal (SIGSEGV, SIGILL, ...).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

CHILD_ENV = "COACH_TEST_ISOLATED_CHILD"
CHILD_TIMEOUT_S = 850


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "isolated: runs in a child process (native crashes, shared interpreter state)")


def _signal_name(code: int) -> str:
    try:
        return signal.Signals(-code).name
    except ValueError:
        return f"signal {-code}"


def _run_child(item: pytest.Item) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "pytest", item.nodeid, "-q", "-p", "no:cacheprovider",
               "--no-header", "-o", "addopts="]
    env = {**os.environ, CHILD_ENV: "1"}
    return subprocess.run(command, cwd=item.config.rootpath, env=env, capture_output=True,
                          text=True, timeout=CHILD_TIMEOUT_S)


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> bool | None:
    if pyfuncitem.get_closest_marker("isolated") is None or os.environ.get(CHILD_ENV):
        return None
    done = _run_child(pyfuncitem)
    tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-40:])
    if done.returncode < 0:
        pytest.fail(f"the test process crashed with {_signal_name(done.returncode)}\n{tail}",
                    pytrace=False)
    if done.returncode == 0 and " skipped" in tail and " passed" not in tail:
        pytest.skip(f"skipped in the child process: {tail.splitlines()[-1]}")
    if done.returncode != 0:
        pytest.fail(f"failed in the child process (exit {done.returncode})\n{tail}", pytrace=False)
    return True
