"""Alert states: one row per (rule, subject), changed only by conditional UPDATEs.

Each change returns True iff this call made it, so two clocks evaluating the same hour post a
breach, a repeat or a recovery once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from storage.inserts import insert_once
from storage.models import AlertState
from storage.results import rows_changed


def states(session: Session, rule: str) -> dict[str, AlertState]:
    """The rule's states by subject, detached from the session."""
    rows = list(session.scalars(select(AlertState).where(AlertState.rule == rule)))
    session.expunge_all()
    return {row.subject: row for row in rows}


def _change(
    session: Session, rule: str, subject: str, *when: ColumnElement[bool], **values: Any
) -> bool:
    """Set `values` on the (rule, subject) state if it is as `when` says; True if it was."""
    result = session.execute(
        update(AlertState)
        .where(AlertState.rule == rule, AlertState.subject == subject, *when)
        .values(**values)
    )
    return rows_changed(result) > 0


def _posted(now: datetime, value: float | None) -> dict[str, Any]:
    """What a post changes: when the state was last posted, its value, when it changed."""
    return {"last_posted_at": now, "last_value": value, "updated_at": now}


def start_breach(
    session: Session,
    *,
    team_id: str,
    rule: str,
    subject: str,
    value: float | None,
    now: datetime,
) -> bool:
    """OK (or never seen) → breaching; False when it was breaching already."""
    values = {"breaching_since": now, **_posted(now, value)}
    new = {"team_id": team_id, "rule": rule, "subject": subject, **values}
    if insert_once(session, AlertState.__table__, new):  # type: ignore[arg-type]
        return True
    return _change(session, rule, subject, AlertState.breaching_since.is_(None), **values)


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
    still = (AlertState.breaching_since.is_not(None), AlertState.last_posted_at == last_posted_at)
    return _change(session, rule, subject, *still, **_posted(now, value))


def note_value(
    session: Session, *, rule: str, subject: str, value: float | None, now: datetime
) -> None:
    """Remember the latest value without posting."""
    _change(session, rule, subject, last_value=value, updated_at=now)


def recover(
    session: Session, *, rule: str, subject: str, value: float | None, now: datetime
) -> bool:
    """Breaching → OK; False when it was not breaching."""
    breaching = AlertState.breaching_since.is_not(None)
    return _change(session, rule, subject, breaching, breaching_since=None, **_posted(now, value))


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
    _change(
        session,
        rule,
        subject,
        AlertState.last_posted_at == changed_at,
        breaching_since=breaching_since,
        last_posted_at=last_posted_at,
    )
