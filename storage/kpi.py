"""Rows the KPI engine needs for a period: only those that can count, never the whole history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from storage.models import Blocker, Escalation
from storage.statuses import BlockerStatus, EscalationStatus

ESCALATION_COLUMNS = (
    "id",
    "severity",
    "status",
    "created_at",
    "acknowledged_at",
    "resolved_at",
    "channel_id",
)
BLOCKER_COLUMNS = ("id", "status", "created_at", "resolved_at", "channel_id")


def escalation_rows(
    session: Session, *, since: datetime, channel_id: str | None = None
) -> list[dict[str, Any]]:
    """Escalations created, acknowledged or resolved since `since`, and every one still open."""
    columns = [getattr(Escalation, name) for name in ESCALATION_COLUMNS[:-1]]
    posted_in = Escalation.channel_id.label("channel_id")
    query = select(*columns, posted_in).where(
        or_(
            Escalation.created_at >= since,
            Escalation.acknowledged_at >= since,
            Escalation.resolved_at >= since,
            Escalation.status != EscalationStatus.RESOLVED,
        )
    )
    if channel_id is not None:
        query = query.where(
            or_(Escalation.channel_id == channel_id, Escalation.source_channel_id == channel_id)
        )
    return [dict(row._mapping) for row in session.execute(query)]


def blocker_rows(
    session: Session, *, since: datetime, channel_id: str | None = None
) -> list[dict[str, Any]]:
    """Blockers raised or resolved since `since`, and every one still open."""
    columns = [getattr(Blocker, name) for name in BLOCKER_COLUMNS[:-1]]
    query = select(*columns, Blocker.channel_id).where(
        or_(
            Blocker.created_at >= since,
            Blocker.resolved_at >= since,
            Blocker.status == BlockerStatus.OPEN,
        )
    )
    if channel_id is not None:
        query = query.where(
            or_(Blocker.channel_id == channel_id, Blocker.source_channel_id == channel_id)
        )
    return [dict(row._mapping) for row in session.execute(query)]
