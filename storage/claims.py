"""Claims on scheduled work: a unique (job, subject, period) row taken before the work runs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from storage.inserts import insert_once
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
