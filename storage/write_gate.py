"""The write gate: this machine's writers of one SQLite file queue in the kernel, before SQLite.

SQLite makes a writer that finds the database locked sleep and retry, 1 ms at first, then 2, 5
and up to 100 ms; Baton's write transactions hold the lock for a fraction of a millisecond, so
gunicorn's workers and the outbox drainer would spend much of their time asleep, and an answer
to Slack would wait behind a sleep far longer than the transaction it waited for. Waiting on a
file lock (flock) instead wakes the next writer the moment the lock is free. A writer that does
not take the gate (a migration, a person with the sqlite3 shell) is still safe: SQLite's own
lock (BEGIN IMMEDIATE) remains the rule, and its busy handler makes the two kinds wait.
"""

from __future__ import annotations

import os
import threading
import weakref
from typing import cast

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows has no flock; SQLite's own lock still holds
    fcntl = None  # type: ignore[assignment]


class Hold:
    """One thread's descriptor of the gate's file, and how many times it entered the gate."""

    def __init__(self, path: str) -> None:
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        self.depth = 0
        # Closed with its thread: a server with a thread per request would run out otherwise.
        weakref.finalize(self, os.close, self.fd)

    def release(self) -> None:
        """Leave the gate once; the lock goes when every entry has left."""
        if self.depth == 0:
            return
        self.depth -= 1
        if self.depth == 0:
            fcntl.flock(self.fd, fcntl.LOCK_UN)


class WriteGate:
    """An exclusive flock on `path`, held by one thread of one process at a time.

    Re-entrant within a thread: a thread that holds the gate and enters it again (a second
    transaction begun before the first one ended) only counts up, so it never waits on itself.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self._local = threading.local()

    def acquire(self) -> Hold:
        """Wait for the gate; release the Hold returned to leave it."""
        # A descriptor per thread and process: flock excludes open files, and a forked child
        # must not use its parent's.
        owner = (os.getpid(), threading.get_ident())
        if getattr(self._local, "owner", None) != owner:
            self._local.hold = Hold(self.path)
            self._local.owner = owner
        hold = cast(Hold, self._local.hold)
        if hold.depth == 0:
            fcntl.flock(hold.fd, fcntl.LOCK_EX)
        hold.depth += 1
        return hold


_GATES: dict[str, WriteGate] = {}
_GATES_LOCK = threading.Lock()


def gate_for(database_path: str | None) -> WriteGate | None:
    """The gate of a SQLite file; None in memory, or where the system has no flock."""
    if fcntl is None or not database_path or database_path == ":memory:":
        return None
    path = os.path.abspath(database_path)
    with _GATES_LOCK:
        gate = _GATES.get(path)
        if gate is None:
            gate = _GATES[path] = WriteGate(f"{path}-baton-write-lock")
    return gate
