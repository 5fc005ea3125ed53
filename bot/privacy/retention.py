"""The clock's retention job: message timings older than BATON_RETENTION_DAYS are deleted.

The line moves once a day, to local midnight that many days ago. Before any message of a week
is deleted, the week's latency figures are kept (storage.kept_weeks), so the digest's charts,
the baselines and /kpi of old weeks keep their values. Then the messages before the line go
in small batches with a long pause after each, so the web process's writes of new messages
seldom wait, and then for one short batch; a tick deletes for a bounded time, and the next
tick goes on.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta

from bot.core.weeks import local_midnight, monday_of
from bot.runtime.services import Services
from storage import kept_weeks, retention

log = logging.getLogger(__name__)

# Small enough that a batch holds SQLite's write lock for a few milliseconds at most.
BATCH = 25
# After each batch, a pause this many times as long as the batch took, and at least PAUSE_MIN:
# the deletion holds the database a hundredth of the time, whatever the machine, so that few
# of the web process's writes ever find it busy.
PAUSE_FACTOR = 99.0
PAUSE_MIN = 0.002
# The rest is left to the next tick, so that a tick ends in time for the next one.
TICK_BUDGET = timedelta(seconds=20)


def retention_line(services: Services, now: datetime) -> datetime:
    """Messages posted before this moment are deleted: local midnight, retention days ago."""
    calendar = services.settings.calendar
    today = now.astimezone(calendar.tz).date()
    return local_midnight(
        today - timedelta(days=services.settings.privacy.retention_days), calendar.tz
    )


def oldest_message(services: Services) -> datetime | None:
    """When the oldest message still stored was posted."""
    with services.db.reading() as session:
        return retention.oldest_message(session)


def keep_weeks_before(services: Services, line: datetime, now: datetime, oldest: datetime) -> int:
    """Keep every week from `oldest`'s to the last that starts before `line`, unless kept
    already; how many were kept."""
    tz = services.settings.calendar.tz
    team_id = services.team_id
    kept = 0
    monday = monday_of(oldest, tz)
    while (start := local_midnight(monday, tz)) < line:
        end = local_midnight(monday + timedelta(days=7), tz)
        monday += timedelta(days=7)
        # Added up in a read, then written in a short transaction of its own.
        with services.db.reading() as session:
            if kept_weeks.is_kept(session, start):
                continue
            figures = kept_weeks.week_figures(session, start=start, end=end, now=now)
        with services.db.unit_of_work() as session:
            kept += kept_weeks.keep_week(
                session, team_id=team_id, start=start, end=end, now=now, figures=figures
            )
    return kept


def delete_before(services: Services, line: datetime, budget: timedelta = TICK_BUDGET) -> int:
    """Delete the messages posted before `line`, batch by batch, for at most `budget` (one
    batch at least); how many were deleted."""
    deleted = 0
    deadline = time.monotonic() + budget.total_seconds()
    while True:
        started = time.perf_counter()
        with services.db.unit_of_work() as session:
            batch = retention.delete_messages_before(session, before=line, limit=BATCH)
        deleted += batch
        # Deleting writes much to SQLite's log: copy it into the file now, while the deletion
        # pauses, rather than in a web worker's commit (nothing on PostgreSQL).
        services.db.checkpoint()
        if batch < BATCH or time.monotonic() >= deadline:
            return deleted
        time.sleep(max(PAUSE_MIN, PAUSE_FACTOR * (time.perf_counter() - started)))


def forget_old_timings(services: Services, now: datetime) -> None:
    """The clock's job, at every tick: keep the weeks the line reached, then delete what is
    older than the line. Two clocks doing it at once keep each week once and delete each
    message once; at most ticks nothing is older than the line, and one lookup says so."""
    line = retention_line(services, now)
    oldest = oldest_message(services)
    kept = deleted = 0
    if oldest is not None and oldest < line:
        kept = keep_weeks_before(services, line, now, oldest)
        deleted = delete_before(services, line)
    with services.db.unit_of_work() as session:
        readings = retention.delete_readings_before(session, before=line)
    if kept or deleted or readings:
        log.info(
            "retention: %d weeks of latency figures kept, %d messages and %d user-group "
            "readings from before %s deleted",
            kept,
            deleted,
            readings,
            line.astimezone(services.settings.calendar.tz).date().isoformat(),
        )
