"""A circuit breaker per model endpoint: after a few failures in a row the endpoint is skipped
for a while, so agents get the rules reply at once instead of waiting out every deadline."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

FAILURES_TO_OPEN = 3
OPEN_FOR_S = 30.0


class CircuitOpen(Exception):
    """The endpoint failed too often lately; it is not called until the pause ends."""


@dataclass
class _State:
    failures: int = 0
    open_until: float = 0.0


class Breaker:
    """Counts consecutive failures per endpoint; thread-safe, shared by the process."""

    def __init__(self, failures_to_open: int = FAILURES_TO_OPEN,
                 open_for_s: float = OPEN_FOR_S) -> None:
        self.failures_to_open, self.open_for_s = failures_to_open, open_for_s
        self._states: dict[str, _State] = {}
        self._lock = threading.Lock()

    def check(self, endpoint: str) -> None:
        """Raise CircuitOpen, saying for how long, when `endpoint` is being skipped."""
        with self._lock:
            state = self._states.get(endpoint)
            left = state.open_until - time.monotonic() if state else 0.0
        if left > 0:
            raise CircuitOpen(f"model endpoint {endpoint} skipped for another {left:.0f} s after "
                              f"{self.failures_to_open} failures in a row (circuit open)")

    def record(self, endpoint: str, ok: bool) -> None:
        with self._lock:
            state = self._states.setdefault(endpoint, _State())
            if ok:
                state.failures, state.open_until = 0, 0.0
                return
            state.failures += 1
            if state.failures >= self.failures_to_open:
                state.open_until = time.monotonic() + self.open_for_s
                state.failures = 0

    def reset(self) -> None:
        with self._lock:
            self._states.clear()


BREAKER = Breaker()
