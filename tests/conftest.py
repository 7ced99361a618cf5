"""Shared test set-up: no real network, and all state in a temporary COACH_HOME."""

from __future__ import annotations

import ipaddress
import socket
import sys
from pathlib import Path
from typing import Any

import pytest

from assistant.settings import Settings, get_settings

pytest_plugins = ["tests.isolation"]

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "ui"))  # the UI's own modules (panel_model), as Streamlit sees them
SEEDS = REPO.parent / "shared" / "seeds"
ABCD = REPO.parent / "shared" / "datasets" / "abcd"
needs_abcd = pytest.mark.skipif(not (ABCD / "abcd_sample.json").is_file(),
                            reason="../shared/datasets/abcd is not beside this checkout")

_real_connect = socket.socket.connect


def _is_loopback(address: object) -> bool:
    if not isinstance(address, tuple):  # AF_UNIX paths and the like stay on this machine
        return True
    host = str(address[0])
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _guarded_connect(self: socket.socket, address: object) -> None:
    if not _is_loopback(address):
        raise RuntimeError(f"tests may not reach the network: connect({address!r}) blocked")
    return _real_connect(self, address)


@pytest.fixture(autouse=True, scope="session")
def _block_network() -> None:
    """Real network calls fail loudly; servers on 127.0.0.1 stay reachable."""
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    yield
    socket.socket.connect = _real_connect  # type: ignore[method-assign]


@pytest.fixture(autouse=True)
def coach_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own state dir; nothing touches the user's real one."""
    home = tmp_path / "coach-home"
    monkeypatch.setenv("COACH_HOME", str(home))
    monkeypatch.setenv("COACH_BACKEND", "rules")
    for name in ("COACH_OPENAI_BASE_URL", "COACH_OPENAI_API_KEY", "COACH_CHROMA_HOST"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield home
    get_settings.cache_clear()


@pytest.fixture
def settings(coach_home: Path) -> Settings:
    return Settings(home=coach_home)


def isolated_settings(home: Path, **overrides: object) -> Settings:
    """Settings that ignore the caller's environment for backend, endpoints and Chroma server.
    The model's own reading is off unless a test turns it on: scripted servers answer the
    writer's calls in order."""
    values = {"home": home, "backend": "rules", "chroma_host": None, "openai_base_url": None,
              "openai_api_key": None, "policy_file": None, "model_reads": False}
    return Settings(**{**values, **overrides})


@pytest.fixture(scope="session")
def coach_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return isolated_settings(tmp_path_factory.mktemp("coach-session"))


@pytest.fixture(scope="session")
def coach(coach_settings: Settings):
    """One Coach on the rules backend with a built embedded index, shared by the session."""
    from assistant.coach import Coach

    return Coach.load(coach_settings)


@pytest.fixture
def postgres_url() -> str:
    """A fresh, empty PostgreSQL database on the server COACH_TEST_POSTGRES_URL names (CI starts
    one with `.ci/postgres start`); dropped afterwards."""
    import os
    import uuid

    server = os.environ.get("COACH_TEST_POSTGRES_URL")
    if not server:
        pytest.skip("no PostgreSQL server: set COACH_TEST_POSTGRES_URL (.ci/postgres start DIR)")
    import psycopg

    from assistant.store.connection import close_pools

    name = f"coach_test_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base, _, _ = server.rpartition("/")
    yield f"{base}/{name}"
    close_pools()
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Each phase's report on the test item, so a fixture can tell that its test failed (the
    browser tests then save a screenshot of the failing page)."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def pytest_report_header(config: pytest.Config) -> list[str]:
    """Name the CPU and the local model library build: native-code failures depend on them."""
    from assistant.llm.local_smoke import cpu_identity, library_build

    return [f"cpu: {cpu_identity()}", f"llama-cpp-python: {library_build()}"]


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """`pytest -q` (make test) prints no header: name the CPU and build at the end instead."""
    if config.get_verbosity() < 0:
        for line in pytest_report_header(config):
            terminalreporter.write_line(line)


@pytest.fixture(autouse=True)
def _fresh_circuit_breaker() -> None:
    """Endpoints that failed in one test are not skipped in the next."""
    from assistant.llm.breaker import BREAKER

    BREAKER.reset()
