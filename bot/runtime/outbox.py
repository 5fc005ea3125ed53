"""Doing the outbox's work: posts, DMs and edits promised by listeners, done after the ack.

Listeners write a task in the same transaction as their change and answer Slack at once. A
drainer takes due tasks and runs them: in production a process forked from gunicorn's master at
low CPU priority (and the clock drains too), so that answering Slack never waits behind this
work; in tests, a thread. A task that fails for a passing reason (a 5xx, a dropped connection,
a 429 past the client's own retries) is tried again later; a task whose drainer died is taken
over once its claim is stale: a drainer renews the claims of the tasks in hand every few
seconds, so a dead one's work is taken over within a minute. A task whose earlier try failed or
whose drainer died may have reached Slack already: `unsure_since()` tells the task so, and
posts in channels look for themselves before posting again (bot.runtime.posts); a DM, which
Baton cannot look for, may then arrive twice. A task may also ask to run again at a later
moment (paced work such as survey DMs does one step per run).

The outbox knows no task: whoever builds the drainer hands it the map of kinds to functions.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from bot.runtime.installations import NotInstalled
from bot.runtime.services import Services
from bot.runtime.slack_client import error_code, is_permanent
from storage import outbox as store
from storage.driver import Writer
from storage.scope import acting_for

log = logging.getLogger(__name__)

# A task does its work; it returns a moment to be run again then, or None when it is done.
Task = Callable[[Services, dict[str, Any]], datetime | None]

MAX_ATTEMPTS = 6
# A claim not renewed for this long belongs to a drainer that died.
STALE_AFTER = timedelta(minutes=1)
KEEP_CLAIMS_EVERY_SECONDS = 15.0
IDLE_POLL_SECONDS = 0.1
DRAINER_NICENESS = 19
CHECKPOINT_SECONDS = 0.5
# How soon a forked drainer notices SIGTERM or that its parent is gone.
WATCH_SECONDS = 0.2


_UNSURE_SINCE: ContextVar[datetime | None] = ContextVar("baton_outbox_unsure", default=None)


def unsure_since() -> datetime | None:
    """For the task being run: when it was promised, if an earlier try may have reached Slack
    (it failed, or its drainer died); None on a first try."""
    return _UNSURE_SINCE.get()


def promise(services: Services, writer: Writer, kind: str, *, team_id: str, **payload: Any) -> None:
    """Add `kind` work for workspace `team_id` to the caller's transaction; it is done once
    that commits."""
    store.enqueue(writer, team_id=team_id, kind=kind, payload=payload, now=services.now())


def promise_once(
    services: Services, writer: Writer, kind: str, *, team_id: str, **payload: Any
) -> bool:
    """Add `kind` work unless a `kind` task is already waiting; True if this call added it."""
    now = services.now()
    return store.enqueue(writer, team_id=team_id, kind=kind, payload=payload, now=now, key=kind)


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(300, 5 * 2**attempts))


class Drainer:
    """Takes due tasks from the outbox and runs them."""

    def __init__(self, services: Services, tasks: Mapping[str, Task], *, batch: int = 10) -> None:
        self.services = services
        self.tasks = tasks
        self.batch = batch
        self._in_hand: set[int] = set()
        self._keeper: threading.Thread | None = None
        self._lock = threading.Lock()

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
        self._keep_claims_of([task.id for task in claimed])
        try:
            for task in claimed:
                self._run(task)
                with self._lock:
                    self._in_hand.discard(task.id)
        finally:
            with self._lock:
                self._in_hand.clear()
        return len(claimed)

    def _keep_claims_of(self, task_ids: list[int]) -> None:
        with self._lock:
            self._in_hand.update(task_ids)
            if self._keeper is None and task_ids:
                self._keeper = threading.Thread(
                    target=self._keep_claims, name="baton-outbox-claims", daemon=True
                )
                self._keeper.start()

    def _keep_claims(self) -> None:
        while True:
            time.sleep(KEEP_CLAIMS_EVERY_SECONDS)
            with self._lock:
                held = sorted(self._in_hand)
            if not held:
                continue
            try:
                with self.services.db.unit_of_work() as session:
                    store.keep_claims(session, held, now=self.services.now())
            except Exception as error:
                log.warning("outbox claims not renewed: %s", error.__class__.__name__)

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
        unsure = _UNSURE_SINCE.set(task.created_at if task.tried_before else None)
        try:
            # The task sees and changes only the rows of the workspace it was promised for.
            with acting_for(task.team_id):
                again = run(self.services, task.payload)
        except Exception as error:
            reason = "not_installed" if isinstance(error, NotInstalled) else error_code(error)
            attempts = task.attempts + 1
            # Without the workspace's token, no later try can reach Slack either.
            hopeless = isinstance(error, NotInstalled) or is_permanent(error)
            final = hopeless or attempts >= MAX_ATTEMPTS
            log.warning(
                "outbox task %s (%s) failed, attempt %s: %s%s",
                task.id,
                task.kind,
                attempts,
                reason,
                "; giving up" if final else "",
                exc_info=not isinstance(error, OSError) and not hopeless,
            )
            with db.unit_of_work() as session:
                if final:
                    store.give_up(session, task.id, now=self.services.now(), error=reason)
                else:
                    later = self.services.now() + _backoff(task.attempts)
                    store.retry_later(session, task.id, available_at=later, error=reason)
            return
        finally:
            _UNSURE_SINCE.reset(unsure)
        with db.unit_of_work() as session:
            if again is None:
                store.complete(session, task.id, now=self.services.now())
            else:
                store.reschedule(session, task.id, available_at=again)


def drain_in_child(services: Services, tasks: Mapping[str, Task]) -> int:
    """Fork a drainer at the lowest CPU priority; its process id. It stops with its parent.

    Forked, not started afresh: the child shares the parent's imported code (a preloading
    gunicorn master's), which a new interpreter would load again into memory of its own.
    """
    pid = os.fork()
    if pid:
        return pid
    status = 0
    try:
        _drain_until_stopped(services, tasks, os.getppid())
    except BaseException:
        log.exception("outbox drainer stopped")
        status = 1
    finally:
        # Never return into the parent's code (gunicorn's arbiter) from the child.
        logging.shutdown()
        os._exit(status)
    return 0  # pragma: no cover - unreachable


def _drain_until_stopped(services: Services, tasks: Mapping[str, Task], parent: int) -> None:
    # The parent's handlers (gunicorn's) must not run in this process.
    for number in (signal.SIGINT, signal.SIGQUIT, signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2,
                   signal.SIGCHLD, signal.SIGTTIN, signal.SIGTTOU, signal.SIGWINCH):  # fmt: skip
        signal.signal(number, signal.SIG_DFL)
    stop = threading.Event()
    # The handler only notes the signal: Event.set() takes a lock that the interrupted main
    # thread may hold inside stop.wait(), and would then wait for it forever.
    terminated: list[int] = []
    signal.signal(signal.SIGTERM, lambda number, _frame: terminated.append(number))
    os.nice(DRAINER_NICENESS)
    # Named in `ps` and `top`, where it would otherwise look like one more web worker.
    with contextlib.suppress(OSError):
        Path("/proc/self/comm").write_text("baton-drainer")
    # Connections opened before the fork belong to the parent.
    services.db.engine.dispose(close=False)

    def watch() -> None:
        while not stop.wait(WATCH_SECONDS):
            if terminated or os.getppid() != parent:
                stop.set()

    threading.Thread(target=watch, daemon=True).start()
    if services.db.dialect == "sqlite":
        threading.Thread(target=_checkpoint, args=(services, stop), daemon=True).start()
    log.info("outbox drainer started (pid %s)", os.getpid())
    Drainer(services, tasks).run(stop)


def _checkpoint(services: Services, stop: threading.Event) -> None:
    """Copy SQLite's write-ahead log into the database file every CHECKPOINT_SECONDS, so that
    the web workers' commits do not (see storage.db.AUTOCHECKPOINT_PAGES)."""
    while not stop.wait(CHECKPOINT_SECONDS):
        try:
            services.db.checkpoint()
        except Exception as error:
            log.warning("write-ahead log not checkpointed: %s", error.__class__.__name__)
