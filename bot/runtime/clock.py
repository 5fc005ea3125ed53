"""The clock process: every BATON_SCHEDULER_INTERVAL seconds, one tick of every job.

Only `baton scheduler` imports this module, so web processes never load APScheduler.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
from collections.abc import Mapping
from datetime import datetime

from apscheduler.schedulers.blocking import BlockingScheduler

from bot.runtime.scheduler import Job, run_jobs
from bot.runtime.services import Services

log = logging.getLogger(__name__)

# The clock's work (digests, charts, reminders) can wait seconds; Slack's requests cannot: on a
# machine it shares with the web process, it takes the CPU only when no request needs it.
CLOCK_NICENESS = 19


def run_clock(services: Services, jobs: Mapping[str, Job], upkeep: Mapping[str, Job]) -> None:
    """Run every workspace's jobs, then the upkeep, every BATON_SCHEDULER_INTERVAL seconds
    until stopped, at the lowest CPU priority."""
    with contextlib.suppress(OSError):
        os.nice(CLOCK_NICENESS)
    scheduler = BlockingScheduler(timezone=services.settings.calendar.tz)
    scheduler.add_job(
        run_jobs,
        "interval",
        args=[services, jobs, upkeep],
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
