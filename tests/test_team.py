"""The team set-up end to end: `coach serve --workers 2` sharing PostgreSQL and a Chroma server;
a worker killed with SIGKILL loses no acknowledged feedback and is replaced; SIGTERM stops the
service gracefully."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import httpx
import psycopg
import pytest

from assistant.knowledge.index import build_index
from benchmarks.team import start_chroma, start_service, stop, wait_ready
from tests.conftest import REPO, isolated_settings

TOKEN = "team-token"
EXAMPLE = json.loads((REPO / "examples" / "he_delayed_delivery.json").read_text())


def _round(client: httpx.Client) -> int:
    """One suggestion and its feedback; returns the acknowledged feedback id."""
    suggestion = client.post("/v1/suggest", json=EXAMPLE)
    suggestion.raise_for_status()
    feedback = client.post("/v1/feedback", json={"suggestion_id": suggestion.json()[
        "suggestion_id"], "verdict": "used"})
    feedback.raise_for_status()
    return feedback.json()["feedback_id"]


@pytest.mark.slow
@pytest.mark.chroma_server
@pytest.mark.timeout(900)  # two uvicorn workers, PostgreSQL and `chroma run` start on 2 cores
def test_two_workers_share_postgres_and_chroma(tmp_path: Path, postgres_url: str) -> None:
    chroma, chroma_port = start_chroma(tmp_path / "chroma")
    service = None
    try:
        build_index(isolated_settings(tmp_path / "home", chroma_host="127.0.0.1",
                                      chroma_port=chroma_port))
        env = {"COACH_HOME": str(tmp_path / "home"), "COACH_DATABASE_URL": postgres_url,
               "COACH_CHROMA_HOST": "127.0.0.1", "COACH_CHROMA_PORT": str(chroma_port),
               "COACH_API_TOKENS": TOKEN, "COACH_BACKEND": "rules"}
        service, url = start_service(env, workers=2, log=tmp_path / "serve.log")
        workers = wait_ready(url, TOKEN, workers=2)
        assert not (tmp_path / "home" / "index").exists()  # the index is the server's
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"},
                          timeout=30, limits=httpx.Limits(max_keepalive_connections=0)) as client:
            acked = [_round(client) for _ in range(6)]
            os.kill(sorted(workers)[0], signal.SIGKILL)
            deadline = time.monotonic() + 120
            while len(acked) < 12 and time.monotonic() < deadline:
                try:
                    acked.append(_round(client))
                except httpx.HTTPError:
                    time.sleep(0.2)  # a request the dead worker held; the other answers
            assert len(acked) == 12
            replaced = wait_ready(url, TOKEN, workers=2, timeout_s=180)
            assert sorted(workers)[0] not in replaced
        with psycopg.connect(postgres_url) as conn:
            stored = {r[0] for r in conn.execute("SELECT id FROM feedback")}
        assert set(acked) <= stored
        assert stop(service) == 0
        service = None
        log = (tmp_path / "serve.log").read_text()
        assert '"event": "request"' in log
        assert EXAMPLE["turns"][0]["text"][:20] not in log  # no customer text in the logs
    finally:
        if service is not None:
            stop(service)
        stop(chroma)
