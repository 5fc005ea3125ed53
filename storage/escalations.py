"""Escalation rows and the queries over them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from storage.driver import Writer, transaction_of
from storage.models import Escalation
from storage.results import rows_changed
from storage.statuses import EscalationStatus

_INSERT = """
INSERT INTO escalations (team_id, title, description, link, severity, status, reporter_id,
    owner_id, assignee_id, level, source_channel_id, created_at)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
RETURNING id
"""


def create_escalation(
    writer: Writer,
    *,
    team_id: str,
    title: str,
    severity: int,
    reporter_id: str,
    owner_id: str | None,
    source_channel_id: str,
    now: datetime,
    description: str | None = None,
    link: str | None = None,
) -> int:
    """Add an open escalation; its number (the row's id)."""
    # Straight on the driver: /escalate answers Slack after this (see storage.driver).
    tx = transaction_of(writer)
    params = (
        team_id,
        title,
        description,
        link,
        severity,
        EscalationStatus.OPEN,
        reporter_id,
        owner_id,
        owner_id,
        0,
        source_channel_id,
        tx.time(now),
    )
    return int(tx.execute(_INSERT, params).fetchone()[0])


def get_escalation(session: Session, escalation_id: int) -> Escalation | None:
    return session.get(Escalation, escalation_id)


def set_posted(session: Session, escalation_id: int, *, channel_id: str, message_ts: str) -> None:
    """Remember where the escalation's message is, to edit it in place later."""
    session.execute(
        update(Escalation)
        .where(Escalation.id == escalation_id)
        .values(channel_id=channel_id, message_ts=message_ts)
    )


def acknowledge(session: Session, escalation_id: int, *, user_id: str, now: datetime) -> bool:
    """Open → acknowledged; False if it was not open (a second click changes nothing)."""
    result = session.execute(
        update(Escalation)
        .where(Escalation.id == escalation_id, Escalation.status == EscalationStatus.OPEN)
        .values(status=EscalationStatus.ACKNOWLEDGED, acknowledged_at=now, acknowledged_by=user_id)
    )
    return rows_changed(result) > 0


def resolve(
    session: Session, escalation_id: int, *, user_id: str, note: str | None, now: datetime
) -> bool:
    """Open or acknowledged → resolved; False if it was resolved already."""
    result = session.execute(
        update(Escalation)
        .where(Escalation.id == escalation_id, Escalation.status != EscalationStatus.RESOLVED)
        .values(
            status=EscalationStatus.RESOLVED,
            resolved_at=now,
            resolved_by=user_id,
            resolution_note=note,
        )
    )
    return rows_changed(result) > 0


def move_to_level(
    session: Session, escalation_id: int, *, from_level: int, level: int, assignee_id: str
) -> bool:
    """Hand an unacknowledged escalation to the next level; False if anything moved meanwhile."""
    result = session.execute(
        update(Escalation)
        .where(
            Escalation.id == escalation_id,
            Escalation.status == EscalationStatus.OPEN,
            Escalation.level == from_level,
        )
        .values(level=level, assignee_id=assignee_id)
    )
    return rows_changed(result) > 0


def open_escalations(
    session: Session, *, team_id: str | None = None, limit: int | None = None
) -> Sequence[Escalation]:
    """Escalations not resolved, oldest first (the `limit` oldest)."""
    query = select(Escalation).where(Escalation.status != EscalationStatus.RESOLVED)
    if team_id is not None:
        query = query.where(Escalation.team_id == team_id)
    query = query.order_by(Escalation.created_at, Escalation.id).limit(limit)
    return session.scalars(query).all()


def count_open(session: Session) -> int:
    """How many escalations are not resolved."""
    query = select(func.count()).where(Escalation.status != EscalationStatus.RESOLVED)
    return int(session.scalar(query) or 0)


def unacknowledged(
    session: Session, *, severities: Sequence[int] | None = None
) -> Sequence[Escalation]:
    """Open escalations nobody has acknowledged (of the given severities), oldest first."""
    query = select(Escalation).where(Escalation.status == EscalationStatus.OPEN)
    if severities is not None:
        query = query.where(Escalation.severity.in_(list(severities)))
    return session.scalars(query.order_by(Escalation.created_at, Escalation.id)).all()


def count_created(session: Session, *, start: datetime, end: datetime) -> int:
    """How many escalations were created in [start, end)."""
    query = select(func.count()).where(Escalation.created_at >= start, Escalation.created_at < end)
    return int(session.scalar(query) or 0)
