"""The clock process: periodic jobs, each piece of work claimed once in the database.

APScheduler keeps its jobs in memory. What makes the work happen once is the claim row
(job, subject, period) taken before the work: a second clock started by mistake finds the
claim and skips, and a clock that was down finds the work unclaimed when it comes back.
"""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.services import Services
from storage import claims, events, outbox

log = logging.getLogger(__name__)

Job = Callable[[Services, datetime], None]


@dataclass(frozen=True)
class Work:
    """One piece of scheduled work: what, about what, for which period (or stage)."""

    job: str
    subject: str
    period: str


def run_once(services: Services, work: Work, do: Callable[[], None]) -> bool:
    """Claim `work`, then do it; True if this call did it.

    The claim commits before the work runs, so two clocks never both do it. When the work
    raises, the claim is given back and the next run tries again; a process killed mid-work
    keeps its claim, so a message is never sent twice (at most once, by design).
    """
    key = {"job": work.job, "subject": work.subject, "period": work.period}
    with services.db.unit_of_work() as session:
        if not claims.claim(session, now=services.now(), **key):
            return False
    try:
        do()
    except Exception:
        with services.db.unit_of_work() as session:
            claims.release(session, **key)
        raise
    with services.db.unit_of_work() as session:
        claims.finish(session, now=services.now(), **key)
    return True


def forget_old_events(services: Services, now: datetime) -> None:
    """Slack retries within minutes; a day of delivery records is plenty."""
    with services.db.unit_of_work() as session:
        events.forget_events_before(session, before=now - timedelta(days=1))
        outbox.forget_done_before(session, before=now - timedelta(days=7))


def drain_outbox(services: Services, now: datetime) -> None:
    """The clock drains too, so promised Slack work gets done even if no web drainer runs."""
    from bot.outbox import Drainer
    from bot.tasks import registry

    Drainer(services, registry()).drain(timeout=30)


def jobs() -> dict[str, Job]:
    """Every periodic job of the clock, by name."""
    from bot.alerts import run_alerts
    from bot.blocker_reminders import remind_overdue_blockers
    from bot.digest import run_digests
    from bot.escalation_reminders import escalate_unacknowledged
    from bot.latency.report import refresh_statistics
    from bot.latency.sides import refresh_sides
    from bot.nps.jobs import nps_rounds, send_invitations

    return {
        "escalation_reminders": escalate_unacknowledged,
        "blocker_reminders": remind_overdue_blockers,
        "forget_old_events": forget_old_events,
        "outbox": drain_outbox,
        "latency_sides": refresh_sides,
        "latency_statistics": refresh_statistics,
        "nps_rounds": nps_rounds,
        "nps_send": send_invitations,
        "digest": run_digests,
        "alerts": run_alerts,
    }


def run_jobs(services: Services, selected: dict[str, Job] | None = None) -> None:
    """One tick: run every job; a failing job is logged with its traceback and the rest go on."""
    now = services.now()
    for name, job in (selected or jobs()).items():
        started = time.perf_counter()
        try:
            job(services, now)
        except Exception:
            log.exception("job %s failed", name)
        else:
            log.debug("job %s done in %.3f s", name, time.perf_counter() - started)


def run_clock(services: Services) -> None:
    """Run the jobs every BATON_SCHEDULER_INTERVAL seconds until stopped."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    scheduler = BlockingScheduler(timezone=services.settings.calendar.tz)
    scheduler.add_job(
        run_jobs,
        "interval",
        args=[services],
        seconds=services.settings.scheduler_interval_seconds,
        next_run_time=datetime.now(services.settings.calendar.tz),
        id="tick",
        max_instances=1,
        coalesce=True,
        misfire_grace_time=None,
    )
    # Platforms stop the clock with SIGTERM on every deploy and restart. Python's default
    # would end a job halfway, after its claim was taken: that work would never be done.
    signal.signal(signal.SIGTERM, _exit)
    log.info("clock started: jobs every %s s", services.settings.scheduler_interval_seconds)
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        log.info("clock stopping: letting the running job finish")
        scheduler.shutdown(wait=True)
        log.info("clock stopped")


def _exit(_signal: int, _frame: object) -> None:
    raise SystemExit(0)
