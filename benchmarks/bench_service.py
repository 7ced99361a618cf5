"""The team service under load, on 127.0.0.1 only and bounded in time.

`coach serve --workers 2` (rules backend) on PostgreSQL and a Chroma server:
1. load: CLIENTS concurrent clients each loop `POST /v1/suggest` + `POST /v1/feedback` for
   DURATION seconds — suggest latency p50/p95/max, throughput, errors;
2. kill: the same load for KILL_DURATION seconds with one worker SIGKILLed midway — requests the
   dead worker held fail (counted), every feedback the service acknowledged must be in
   PostgreSQL afterwards, and the worker must come back;
3. auth: the time of a 401 for a missing token, a wrong token of the right length that differs in
   its last character, in its first, and a short one (constant-time comparison).

    .venv/bin/python benchmarks/bench_service.py [--duration 60] [--clients 50]

PostgreSQL comes from COACH_TEST_POSTGRES_URL, else `.ci/postgres start` runs one for the bench.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np
import psycopg
from common import REPO, print_table, write_figures
from team import start_chroma, start_service, stop, wait_ready

from assistant.knowledge.index import build_index
from assistant.settings import Settings

TOKEN = "bench-token-0123456789abcdef"
EXAMPLES = ["en_hotel_late_room.json", "he_delayed_delivery.json", "fa_internet_outage.json",
            "en_damaged_parcel.json", "en_cancelled_flight.json"]


class Tally:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.errors: dict[str, int] = {}
        self.acked: list[int] = []
        self.requests = 0

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1


async def _client_loop(client: httpx.AsyncClient, transcripts: list[dict], stop_at: float,
                       tally: Tally, offset: int) -> None:
    n = offset
    while time.monotonic() < stop_at:
        transcript = transcripts[n % len(transcripts)]
        n += 1
        started = time.perf_counter()
        try:
            response = await client.post("/v1/suggest", json=transcript)
            tally.requests += 1
            if response.status_code != 200:
                tally.error(f"suggest HTTP {response.status_code}")
                continue
            tally.latencies.append((time.perf_counter() - started) * 1000)
            feedback = await client.post("/v1/feedback", json={
                "suggestion_id": response.json()["suggestion_id"], "verdict": "used"})
            tally.requests += 1
            if feedback.status_code != 201:
                tally.error(f"feedback HTTP {feedback.status_code}")
                continue
            tally.acked.append(feedback.json()["feedback_id"])
        except httpx.HTTPError as exc:
            tally.error(type(exc).__name__)


async def load(url: str, clients: int, seconds: float, kill_after: float | None = None,
               victim: int | None = None) -> tuple[Tally, float]:
    transcripts = [json.loads((REPO / "examples" / name).read_text()) for name in EXAMPLES]
    tally = Tally()
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"},
                                 timeout=30, limits=limits) as client:
        started = time.monotonic()
        stop_at = started + seconds
        tasks = [asyncio.create_task(_client_loop(client, transcripts, stop_at, tally, i))
                 for i in range(clients)]
        if kill_after is not None and victim is not None:
            await asyncio.sleep(kill_after)
            os.kill(victim, signal.SIGKILL)
        await asyncio.gather(*tasks)
    return tally, time.monotonic() - started


def summary(tally: Tally, elapsed: float) -> dict[str, object]:
    lat = np.array(tally.latencies) if tally.latencies else np.array([0.0])
    return {"suggestions": len(tally.latencies), "feedback_acked": len(tally.acked),
            "seconds": round(elapsed, 1),
            "suggest_per_s": round(len(tally.latencies) / elapsed, 1),
            "suggest_ms": {"p50": round(float(np.percentile(lat, 50)), 1),
                           "p95": round(float(np.percentile(lat, 95)), 1),
                           "max": round(float(lat.max()), 1)},
            "errors": sum(tally.errors.values()), "error_kinds": tally.errors}


def auth_timing(url: str, rounds: int = 300) -> dict[str, float]:
    """Median time of a 401 for each kind of wrong token."""
    kinds = {"missing": None, "last_char_wrong": TOKEN[:-1] + "X",
             "first_char_wrong": "X" + TOKEN[1:], "short": "abc"}
    times: dict[str, list[float]] = {k: [] for k in kinds}
    with httpx.Client(base_url=url, timeout=10) as client:
        for _ in range(rounds):
            for kind, token in kinds.items():
                headers = {"Authorization": f"Bearer {token}"} if token else {}
                started = time.perf_counter()
                assert client.get("/v1/ready", headers=headers).status_code == 401
                times[kind].append((time.perf_counter() - started) * 1000)
    return {k: round(float(np.median(v)), 3) for k, v in times.items()}


def feedback_lost(postgres_url: str, acked: list[int]) -> int:
    with psycopg.connect(postgres_url) as conn:
        stored = {r[0] for r in conn.execute("SELECT id FROM feedback")}
    return len(set(acked) - stored)


def _postgres(work: Path) -> tuple[str, bool]:
    url = os.environ.get("COACH_TEST_POSTGRES_URL")
    if url:
        return url, False
    out = subprocess.run([str(REPO / ".ci" / "postgres"), "start", str(work / "pg")],
                         check=True, capture_output=True, text=True).stdout
    return out.strip().split("=", 1)[1], True


def _fresh_database(server_url: str) -> str:
    name = f"coach_bench_{int(time.time())}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    return f"{server_url.rpartition('/')[0]}/{name}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--kill-duration", type=float, default=20.0)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="coach-bench-service-"))
    server_url, own_postgres = _postgres(work)
    postgres_url = _fresh_database(server_url)
    chroma, chroma_port = start_chroma(work / "chroma")
    service = None
    try:
        build_index(Settings(home=work / "home", chroma_host="127.0.0.1",
                             chroma_port=chroma_port))
        env = {"COACH_HOME": str(work / "home"), "COACH_DATABASE_URL": postgres_url,
               "COACH_CHROMA_HOST": "127.0.0.1", "COACH_CHROMA_PORT": str(chroma_port),
               "COACH_API_TOKENS": TOKEN, "COACH_BACKEND": "rules",
               "COACH_API_RATE_LIMIT": "100000/minute"}
        service, url = start_service(env, args.workers, work / "serve.log")
        started = time.monotonic()
        workers = wait_ready(url, TOKEN, args.workers)
        ready_s = round(time.monotonic() - started, 1)
        asyncio.run(load(url, 4, 3))  # warm-up: first queries, pools, caches
        steady, elapsed = asyncio.run(load(url, args.clients, args.duration))
        steady_summary = summary(steady, elapsed)
        steady_summary["feedback_lost"] = feedback_lost(postgres_url, steady.acked)
        victim = sorted(workers)[0]
        killed, elapsed = asyncio.run(load(url, args.clients, args.kill_duration,
                                           kill_after=args.kill_duration / 2, victim=victim))
        kill_summary = summary(killed, elapsed)
        kill_summary["feedback_lost"] = feedback_lost(postgres_url, killed.acked)
        respawn_started = time.monotonic()
        replaced = wait_ready(url, TOKEN, args.workers, timeout_s=240)
        kill_summary["worker_replaced"] = victim not in replaced
        kill_summary["all_workers_ready_again_s"] = round(time.monotonic() - respawn_started, 1)
        auth = auth_timing(url)
        stop_started = time.monotonic()
        exit_code = stop(service)
        service = None
        results = {"clients": args.clients, "workers": args.workers,
                   "backend": "rules", "database": "postgresql", "index": "chroma server",
                   "ready_s": ready_s, "load": steady_summary, "kill_one_worker": kill_summary,
                   "auth_401_median_ms": auth,
                   "graceful_stop": {"exit_code": exit_code,
                                     "seconds": round(time.monotonic() - stop_started, 1)}}
        path = write_figures("service", results)
        print_table([{"phase": phase, "suggest/s": s["suggest_per_s"],
                      "p50 ms": s["suggest_ms"]["p50"], "p95 ms": s["suggest_ms"]["p95"],
                      "errors": s["errors"], "feedback acked": s["feedback_acked"],
                      "feedback lost": s["feedback_lost"]}
                     for phase, s in (("load", steady_summary), ("kill", kill_summary))])
        print(f"401 median ms: {auth}; graceful stop: {results['graceful_stop']}; {path}")
    finally:
        if service is not None:
            stop(service)
        stop(chroma)
        if own_postgres:
            subprocess.run([str(REPO / ".ci" / "postgres"), "stop", str(work / "pg")],
                           check=False)


if __name__ == "__main__":
    main()
