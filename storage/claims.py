"""Claims on scheduled work: a unique (job, subject, period) row taken before the work runs."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import Table, delete, select, update
from sqlalchemy.orm import Session

from storage.inserts import dialect_insert, insert_once
from storage.models import JobClaim


def claim(
    session: Session, *, team_id: str, job: str, subject: str, period: str, now: datetime
) -> bool:
    """Take the claim; False when another run (or another clock) already holds it."""
    return insert_once(
        session,
        JobClaim.__table__,  # type: ignore[arg-type]
        {"team_id": team_id, "job": job, "subject": subject, "period": period, "claimed_at": now},
    )


def claim_each(
    session: Session,
    *,
    team_id: str,
    job: str,
    subjects: Sequence[str],
    period: str,
    now: datetime,
) -> set[str]:
    """Take the claims on `subjects` that no other run holds, in one statement; those taken."""
    if not subjects:
        return set()
    table: Table = JobClaim.__table__  # type: ignore[assignment]
    rows = [
        {"team_id": team_id, "job": job, "subject": subject, "period": period, "claimed_at": now}
        for subject in subjects
    ]
    statement = dialect_insert(session, table).values(rows).on_conflict_do_nothing()
    return set(session.scalars(statement.returning(JobClaim.subject)))


def settle_each(
    session: Session,
    *,
    job: str,
    period: str,
    done: Collection[str],
    given_back: Collection[str],
    now: datetime,
) -> None:
    """Mark the claims on `done` finished and give back those on `given_back`."""
    same_work = (JobClaim.job == job, JobClaim.period == period)
    if done:
        session.execute(
            update(JobClaim).where(*same_work, JobClaim.subject.in_(done)).values(finished_at=now)
        )
    if given_back:
        session.execute(delete(JobClaim).where(*same_work, JobClaim.subject.in_(given_back)))


def finish(session: Session, *, job: str, subject: str, period: str, now: datetime) -> None:
    """Mark claimed work as done."""
    session.execute(
        update(JobClaim)
        .where(JobClaim.job == job, JobClaim.subject == subject, JobClaim.period == period)
        .values(finished_at=now)
    )


def release(session: Session, *, job: str, subject: str, period: str) -> None:
    """Give a claim back so the next run tries the work again."""
    session.execute(
        delete(JobClaim).where(
            JobClaim.job == job, JobClaim.subject == subject, JobClaim.period == period
        )
    )


def claimed_periods(session: Session, *, job: str, subject: str) -> set[str]:
    """Periods of `job` already claimed for `subject`."""
    rows = session.scalars(
        select(JobClaim.period).where(JobClaim.job == job, JobClaim.subject == subject)
    )
    return set(rows)
