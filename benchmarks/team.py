"""Start the team set-up on 127.0.0.1 — a Chroma server and `coach serve` with N workers — for the
service benchmark and the end-to-end test; every server is stopped by its caller."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout_s} s")


def start_chroma(path: Path) -> tuple[subprocess.Popen, int]:
    """`chroma run` on a free port; returns the process and the port."""
    chroma = Path(sys.executable).parent / "chroma"
    port = free_port()
    server = subprocess.Popen([str(chroma), "run", "--path", str(path), "--host", "127.0.0.1",
                               "--port", str(port)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    wait_for_port(port)
    return server, port


def start_service(env: dict[str, str], workers: int, log: Path) -> tuple[subprocess.Popen, str]:
    """`coach serve --workers N` on a free port; returns the process and its base URL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "assistant", "serve", "--host", "127.0.0.1", "--port", str(port),
         "--workers", str(workers)],
        env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=log.open("ab"))
    return process, f"http://127.0.0.1:{port}"


def wait_ready(url: str, token: str, workers: int, timeout_s: float = 300.0) -> set[int]:
    """Wait until `workers` distinct processes answer /v1/ready; returns their pids."""
    deadline, seen = time.monotonic() + timeout_s, set()
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"},
                      timeout=10, limits=httpx.Limits(max_keepalive_connections=0)) as client:
        while time.monotonic() < deadline:
            try:
                if client.get("/v1/ready").status_code == 200:
                    seen.add(client.get("/v1/health").json()["worker"])
                    if len(seen) >= workers:
                        return seen
                    continue
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
    raise TimeoutError(f"{url}: {len(seen)} of {workers} workers ready after {timeout_s} s")


def stop(process: subprocess.Popen, timeout_s: float = 30.0) -> int:
    """SIGTERM (graceful shutdown), SIGKILL if it does not end in time; returns the exit code."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            return process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
    return process.wait()
