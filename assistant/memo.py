"""A bounded memory of results keyed by their input, safe when threads share it.

Replay reads the same turns again at every later turn, and the service answers from several
threads at once: the reader's scores, the retriever's rankings and the waits a text mentions
are kept per text, the oldest dropped first, and never lost or raised on when two threads meet.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Remembered(Generic[K, V]):
    """At most `size` results; `get(key, compute)` computes outside the lock, so a slow
    computation never blocks readers of other keys (two threads may compute one key twice)."""

    def __init__(self, size: int) -> None:
        self._size, self._data, self._lock = size, dict[K, V](), threading.Lock()

    def get(self, key: K, compute: Callable[[], V]) -> V:
        with self._lock:
            if key in self._data:
                return self._data[key]
        value = compute()
        with self._lock:
            if key not in self._data and len(self._data) >= self._size:
                self._data.pop(next(iter(self._data)))
            self._data[key] = value
        return value

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._data

    def __len__(self) -> int:
        return len(self._data)
