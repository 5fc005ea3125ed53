"""Answers a process remembers for a while: what it read of Slack or of its database, trusted
until it may have changed elsewhere."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Remembered(Generic[K, V]):
    """Values by key, each trusted for `seconds` from the moment it was read; safe to share
    between threads."""

    def __init__(self, seconds: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.now = clock
        self._values: dict[K, tuple[V, float]] = {}
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        """The value of `key` while it is trusted; None once it is not, or was never read."""
        with self._lock:
            known = self._values.get(key)
        if known is None or known[1] <= self.now():
            return None
        return known[0]

    def put(self, key: K, value: V, *, read_at: float) -> None:
        """Remember `value`, read at `read_at` (a moment of the clock, taken before reading)."""
        with self._lock:
            self._values[key] = (value, read_at + self.seconds)

    def forget(self, key: K) -> None:
        with self._lock:
            self._values.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
