"""Doing the outbox's work: posts, DMs and edits promised by listeners, done after the ack.

Listeners write a task in the same transaction as their change and answer Slack at once. A
drainer takes due tasks and runs them: in production a separate process at low CPU priority
(started beside gunicorn, and the clock drains too), so that answering Slack never waits
behind this work; in tests, a thread. A task that fails for a passing reason (a 5xx, a dropped
connection, a 429 past the client's own retries) is tried again later; a task whose drainer
died is taken over once its claim is stale. Delivery is therefore at least once: a drainer
killed between Slack's answer and the commit repeats that one call.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

from bot.services import Services
from bot.slack_client import error_code, is_permanent
from storage import outbox as store
from storage.driver import Writer

log = logging.getLogger(__name__)

Task = Callable[[Services, dict[str, Any]], None]

MAX_ATTEMPTS = 6
STALE_AFTER = timedelta(minutes=5)
IDLE_POLL_SECONDS = 0.1
DRAINER_NICENESS = 19


def promise(services: Services, writer: Writer, kind: str, **payload: Any) -> None:
    """Add `kind` work to the caller's transaction; it is done once that commits."""
    store.enqueue(writer, kind=kind, payload=payload, now=services.now())


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(300, 5 * 2**attempts))


class Drainer:
    """Takes due tasks from the outbox and runs them."""

    def __init__(self, services: Services, tasks: Mapping[str, Task], *, batch: int = 10) -> None:
        self.services = services
        self.tasks = tasks
        self.batch = batch

    def drain_once(self) -> int:
        """Run one batch of due tasks; how many were taken."""
        now = self.services.now()
        stale_before = now - STALE_AFTER
        # Look before taking SQLite's write lock: an idle drainer polls ten times a second at
        # the lowest priority, and a lock it held while descheduled would hold up the acks.
        with self.services.db.reading() as session:
            if not store.any_due(session, now=now, stale_before=stale_before):
                return 0
        with self.services.db.unit_of_work() as session:
            claimed = store.claim(session, now=now, stale_before=stale_before, limit=self.batch)
        for task in claimed:
            self._run(task)
        return len(claimed)

    def drain(self, timeout: float = 30.0) -> None:
        """Run due tasks until none is left (tests, `baton scheduler --once`)."""
        deadline = time.monotonic() + timeout
        while self.drain_once() and time.monotonic() < deadline:
            pass

    def run(self, stop: threading.Event) -> None:
        """Drain until `stop` is set, sleeping briefly whenever nothing is due."""
        while not stop.is_set():
            try:
                taken = self.drain_once()
            except Exception:
                log.exception("outbox drain failed")
                taken = 0
            if not taken:
                stop.wait(IDLE_POLL_SECONDS)

    def _run(self, task: store.Claimed) -> None:
        run = self.tasks.get(task.kind)
        db = self.services.db
        if run is None:
            log.error("outbox task %s has unknown kind %r; dropped", task.id, task.kind)
            with db.unit_of_work() as session:
                store.give_up(session, task.id, now=self.services.now(), error="unknown kind")
            return
        try:
            run(self.services, task.payload)
        except Exception as error:
            reason = error_code(error)
            attempts = task.attempts + 1
            final = is_permanent(error) or attempts >= MAX_ATTEMPTS
            log.warning(
                "outbox task %s (%s) failed, attempt %s: %s%s",
                task.id,
                task.kind,
                attempts,
                reason,
                "; giving up" if final else "",
                exc_info=not isinstance(error, OSError) and not is_permanent(error),
            )
            with db.unit_of_work() as session:
                if final:
                    store.give_up(session, task.id, now=self.services.now(), error=reason)
                else:
                    later = self.services.now() + _backoff(task.attempts)
                    store.retry_later(session, task.id, available_at=later, error=reason)
            return
        with db.unit_of_work() as session:
            store.complete(session, task.id, now=self.services.now())


def drain_forever() -> None:
    """`python -m bot.outbox`: a drainer process that stops with its parent."""
    from bot.app import build_services
    from bot.config import load_settings
    from bot.logs import configure_logging
    from bot.tasks import registry

    os.nice(DRAINER_NICENESS)
    settings = load_settings()
    configure_logging(settings.log_level)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    parent = os.getppid()

    def watch_parent() -> None:
        while not stop.wait(1.0):
            if os.getppid() != parent:
                stop.set()

    threading.Thread(target=watch_parent, daemon=True).start()
    log.info("outbox drainer started")
    Drainer(build_services(settings), registry()).run(stop)


def start_drainer_process() -> subprocess.Popen[bytes]:
    """Start the low-priority drainer beside this process, with the same environment."""
    return subprocess.Popen([sys.executable, "-m", "bot.outbox"])


if __name__ == "__main__":
    drain_forever()
