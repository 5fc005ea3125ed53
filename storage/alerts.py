"""Alert states: one row per (rule, subject), changed only by conditional UPDATEs.

Each change returns True iff this call made it, so two clocks evaluating the same hour post a
breach, a repeat or a recovery once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from storage.inserts import insert_once
from storage.models import AlertState
from storage.results import rows_changed


def states(session: Session, rule: str) -> dict[str, AlertState]:
    """The rule's states by subject, detached from the session."""
    rows = list(session.scalars(select(AlertState).where(AlertState.rule == rule)))
    session.expunge_all()
    return {row.subject: row for row in rows}


def breaching(session: Session) -> Sequence[AlertState]:
    """Every state breaching now."""
    return session.scalars(
        select(AlertState)
        .where(AlertState.breaching_since.is_not(None))
        .order_by(AlertState.breaching_since)
    ).all()


def start_breach(
    session: Session, *, rule: str, subject: str, value: float | None, now: datetime
) -> bool:
    """OK (or never seen) → breaching; False when it was breaching already."""
    values = {
        "rule": rule,
        "subject": subject,
        "breaching_since": now,
        "last_posted_at": now,
        "last_value": value,
        "updated_at": now,
    }
    if insert_once(session, AlertState.__table__, values):  # type: ignore[arg-type]
        return True
    result = session.execute(
        update(AlertState)
        .where(
            AlertState.rule == rule,
            AlertState.subject == subject,
            AlertState.breaching_since.is_(None),
        )
        .values(breaching_since=now, last_posted_at=now, last_value=value, updated_at=now)
    )
    return rows_changed(result) > 0


def repeat_breach(
    session: Session,
    *,
    rule: str,
    subject: str,
    value: float | None,
    now: datetime,
    last_posted_at: datetime,
) -> bool:
    """Still breaching and last posted at `last_posted_at` (as read): post again now."""
    result = session.execute(
        update(AlertState)
        .where(
            AlertState.rule == rule,
            AlertState.subject == subject,
            AlertState.breaching_since.is_not(None),
            AlertState.last_posted_at == last_posted_at,
        )
        .values(last_posted_at=now, last_value=value, updated_at=now)
    )
    return rows_changed(result) > 0


def note_value(
    session: Session, *, rule: str, subject: str, value: float | None, now: datetime
) -> None:
    """Remember the latest value without posting."""
    session.execute(
        update(AlertState)
        .where(AlertState.rule == rule, AlertState.subject == subject)
        .values(last_value=value, updated_at=now)
    )


def recover(
    session: Session, *, rule: str, subject: str, value: float | None, now: datetime
) -> bool:
    """Breaching → OK; False when it was not breaching."""
    result = session.execute(
        update(AlertState)
        .where(
            AlertState.rule == rule,
            AlertState.subject == subject,
            AlertState.breaching_since.is_not(None),
        )
        .values(breaching_since=None, last_posted_at=now, last_value=value, updated_at=now)
    )
    return rows_changed(result) > 0


def restore(
    session: Session,
    *,
    rule: str,
    subject: str,
    breaching_since: datetime | None,
    last_posted_at: datetime | None,
    changed_at: datetime,
) -> None:
    """Undo a change whose post never reached Slack, so the next evaluation posts it again."""
    session.execute(
        update(AlertState)
        .where(
            AlertState.rule == rule,
            AlertState.subject == subject,
            AlertState.last_posted_at == changed_at,
        )
        .values(breaching_since=breaching_since, last_posted_at=last_posted_at)
    )
