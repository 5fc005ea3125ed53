"""Periodic jobs, each piece of work claimed once in the database.

APScheduler keeps its jobs in memory. What makes the work happen once is the claim row
(job, subject, period) taken before the work: a second clock started by mistake finds the
claim and skips, and a clock that was down finds the work unclaimed when it comes back.
Clocks started on purpose share a tick: on PostgreSQL, a clock passes over a workspace whose
jobs another clock is running right then (Database.alone), instead of reading it all again
only to find every claim taken.

The scheduler knows no job: whoever runs the jobs hands it the map of names to jobs.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.runtime.installations import NotInstalled
from bot.runtime.services import Services
from storage import claims, events, outbox
from storage.scope import acting_for

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
    team_id = services.team_id
    with services.db.unit_of_work() as session:
        if not claims.claim(session, team_id=team_id, now=services.now(), **key):
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


def run_each_once(
    services: Services,
    job: str,
    period: str,
    subjects: Sequence[str],
    do: Callable[[str], None],
) -> dict[str, Exception]:
    """Claim `job` for each of `subjects` in `period`, then do each one claimed in turn; what
    raised, by subject.

    As run_once, one transaction at a time: the claims all commit before any work runs, and a
    subject whose work raised gets its claim back for the next run, the others are finished,
    in one more. A process killed mid-way keeps its claims: what it had not started waits for
    the next period. (A claim each would commit twice per subject.)
    """
    team_id = services.team_id
    with services.db.unit_of_work() as session:
        claimed = claims.claim_each(
            session, team_id=team_id, job=job, subjects=subjects, period=period, now=services.now()
        )
    failed: dict[str, Exception] = {}
    for subject in subjects:
        if subject not in claimed:
            continue
        try:
            do(subject)
        except Exception as error:
            failed[subject] = error
    with services.db.unit_of_work() as session:
        claims.settle_each(
            session,
            job=job,
            period=period,
            done=claimed - failed.keys(),
            given_back=failed.keys(),
            now=services.now(),
        )
    return failed


def forget_old_events(services: Services, now: datetime) -> None:
    """Slack retries within minutes; a day of delivery records is plenty."""
    with services.db.unit_of_work() as session:
        events.forget_events_before(session, before=now - timedelta(days=1))
        outbox.forget_done_before(session, before=now - timedelta(days=7))


def run_jobs(
    services: Services, jobs: Mapping[str, Job], upkeep: Mapping[str, Job] | None = None
) -> None:
    """One tick: every workspace's `jobs`, acting for it, then the deployment's `upkeep`; a
    failing job is logged with its traceback and the rest go on. A workspace whose jobs
    another clock is running at that moment is left to it."""
    now = services.now()
    for team in workspaces(services):
        with acting_for(team), services.db.alone(f"tick:{team or ''}") as alone:
            if not alone:
                # Another clock is running this workspace's jobs now; it does this tick's.
                log.debug("jobs for %s skipped: another clock is running them", team or "all")
                continue
            for name, job in jobs.items():
                _run(name, job, services, now, team)
    for name, job in (upkeep or {}).items():
        _run(name, job, services, now, None)


def workspaces(services: Services) -> list[str | None]:
    """The workspaces the clock works for: with one token, its own (the whole database, as
    None); with many workspaces, every one Baton is installed in now, read afresh each tick,
    so that an uninstalled workspace gets no more work."""
    if not services.defaults.installs:
        # Asked of Slack once, so that the jobs use the settings its admins chose in Slack.
        services.team_id  # noqa: B018
        return [None]
    return list(services.installations.teams())


def _run(name: str, job: Job, services: Services, now: datetime, team: str | None) -> None:
    where = f" for {team}" if team else ""
    started = time.perf_counter()
    try:
        job(services, now)
    except NotInstalled as error:
        log.warning("job %s%s stopped: %s", name, where, error)
    except Exception:
        log.exception("job %s%s failed", name, where)
    else:
        log.debug("job %s%s done in %.3f s", name, where, time.perf_counter() - started)
