"""Response latency of a period, added up in the database over just the period's waiting messages.

One query, grouped by channel and sides: counts, and the wait of every answered message (to
take exact percentiles from). It reads one covering index (ix_messages_waiting_figures) in its
order, so it neither visits the table nor sorts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select, text
from sqlalchemy.orm import Session

from storage.models import Message


@dataclass(frozen=True)
class WaitFigures:
    """Waiting messages as known at the end of a period.

    `answered`: answered by then; `sla_ended`: whose SLA window ended by then, `within_sla` of
    which were answered inside it; `unanswered`: whose unanswered window ended with no answer
    inside it. The two lists hold the waits of the answered ones, in no order.
    """

    waiting: int
    answered: int
    sla_ended: int
    within_sla: int
    unanswered: int
    wall_seconds: list[float]
    business_seconds: list[float]


@dataclass(frozen=True)
class LatencyGroup(WaitFigures):
    """The waiting messages of one channel from one side to another, posted in a period."""

    channel_id: str
    author_side: str | None
    answer_side: str | None


# Written as the partial indexes on messages are, so that the planners pick them.
WAITING: tuple[ColumnElement[bool], ...] = (
    Message.wait_kind.is_not(None),
    Message.deleted.is_(False),
)


def _waits(dialect: str, column: Any, answered: ColumnElement[bool]) -> Any:
    # Each group's waits come back as one value, not one row each: a list on PostgreSQL, a
    # comma-separated text on SQLite; a 90-day answer would otherwise build a row per message.
    if dialect == "postgresql":
        return func.array_agg(column).filter(answered, column.is_not(None))
    return func.group_concat(column).filter(answered, column.is_not(None))


def _floats(value: Any) -> list[float]:
    if not value:
        return []
    if isinstance(value, str):
        return [float(part) for part in value.split(",")]
    return [float(part) for part in value]


def wait_figures(dialect: str, as_of: datetime) -> list[Any]:
    """The aggregate columns WaitFigures is read from (see figures_of), as known at `as_of`."""
    answered = Message.answered_at < as_of
    sla_ended = Message.sla_due_at <= as_of
    return [
        func.count(),
        func.count().filter(answered),
        func.count().filter(sla_ended),
        func.count().filter(sla_ended, Message.answered_at <= Message.sla_due_at),
        func.count().filter(
            Message.unanswered_due_at <= as_of,
            or_(Message.answered_at.is_(None), Message.answered_at > Message.unanswered_due_at),
        ),
        _waits(dialect, Message.wall_seconds, answered),
        _waits(dialect, Message.business_seconds, answered),
    ]


def figures_of(row: Sequence[Any]) -> dict[str, Any]:
    """WaitFigures' fields from the values of wait_figures' columns, in their order."""
    waiting, answered, sla_ended, within_sla, unanswered, wall, business = row
    return {
        "waiting": int(waiting),
        "answered": int(answered),
        "sla_ended": int(sla_ended),
        "within_sla": int(within_sla),
        "unanswered": int(unanswered),
        "wall_seconds": _floats(wall),
        "business_seconds": _floats(business),
    }


def latency_groups(
    session: Session,
    *,
    start: datetime,
    end: datetime,
    channel_id: str | None = None,
    as_of: datetime | None = None,
) -> list[LatencyGroup]:
    """The figures of the waiting messages posted in [start, end), by channel and sides, as
    known at `as_of` (the period's end unless given)."""
    dialect = session.get_bind().dialect.name
    query = (
        select(
            Message.channel_id,
            Message.author_side,
            Message.answer_side,
            *wait_figures(dialect, end if as_of is None else as_of),
        )
        .where(*WAITING, Message.posted_at >= start, Message.posted_at < end)
        .group_by(Message.channel_id, Message.author_side, Message.answer_side)
    )
    if channel_id is not None:
        query = query.where(Message.channel_id == channel_id)
    return [
        LatencyGroup(
            channel_id=row[0], author_side=row[1], answer_side=row[2], **figures_of(row[3:])
        )
        for row in session.execute(query)
    ]


def refresh_statistics(session: Session) -> None:
    """Refresh SQLite's planner statistics of the messages table (PostgreSQL's autovacuum does).

    Without them SQLite cannot tell that the figures index is best read channel by channel,
    and a 7-day answer reads every waiting message ever stored.
    """
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("PRAGMA analysis_limit=2000"))
        session.execute(text("ANALYZE messages"))
