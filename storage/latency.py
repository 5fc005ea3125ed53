"""Response latency of a period, added up in the database over just the period's waiting messages.

One query, grouped by channel and sides: counts, and the wait of every answered message (to
take exact percentiles from). It reads one covering index (ix_messages_waiting_figures) in its
order, so it neither visits the table nor sorts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select, text
from sqlalchemy.orm import Session

from storage.models import Message


@dataclass(frozen=True)
class LatencyGroup:
    """The waiting messages of one channel from one side to another, posted in a period.

    `answered`: answered by the period's end; `sla_ended`: whose SLA window ended by then,
    `within_sla` of which were answered inside it; `unanswered`: whose unanswered window ended
    with no answer inside it. The two lists hold the waits of the answered ones, in no order.
    """

    channel_id: str
    author_side: str | None
    answer_side: str | None
    waiting: int
    answered: int
    sla_ended: int
    within_sla: int
    unanswered: int
    wall_seconds: list[float]
    business_seconds: list[float]


def _values(dialect: str, column: Any, answered: ColumnElement[bool]) -> Any:
    # Each group's waits come back as one value, not one row each: a list on PostgreSQL, a
    # comma-separated text on SQLite; a 90-day answer would otherwise build a row per message.
    if dialect == "postgresql":
        return func.array_agg(column).filter(answered)
    return func.group_concat(column).filter(answered)


def _floats(value: Any) -> list[float]:
    if not value:
        return []
    if isinstance(value, str):
        return [float(part) for part in value.split(",")]
    return [float(part) for part in value]


def latency_groups(
    session: Session, *, start: datetime, end: datetime, channel_id: str | None = None
) -> list[LatencyGroup]:
    """The figures of the waiting messages posted in [start, end), by channel and sides."""
    dialect = session.get_bind().dialect.name
    answered = Message.answered_at < end
    sla_ended = Message.sla_due_at <= end
    window_ended = Message.unanswered_due_at <= end
    query = (
        select(
            Message.channel_id,
            Message.author_side,
            Message.answer_side,
            func.count(),
            func.count().filter(answered),
            func.count().filter(sla_ended),
            func.count().filter(sla_ended, Message.answered_at <= Message.sla_due_at),
            func.count().filter(
                window_ended,
                or_(
                    Message.answered_at.is_(None),
                    Message.answered_at > Message.unanswered_due_at,
                ),
            ),
            _values(dialect, Message.wall_seconds, answered),
            _values(dialect, Message.business_seconds, answered),
        )
        .where(
            Message.wait_kind.is_not(None),
            Message.deleted.is_(False),
            Message.posted_at >= start,
            Message.posted_at < end,
        )
        .group_by(Message.channel_id, Message.author_side, Message.answer_side)
    )
    if channel_id is not None:
        query = query.where(Message.channel_id == channel_id)
    return [
        LatencyGroup(
            channel_id=row[0],
            author_side=row[1],
            answer_side=row[2],
            waiting=int(row[3]),
            answered=int(row[4]),
            sla_ended=int(row[5]),
            within_sla=int(row[6]),
            unanswered=int(row[7]),
            wall_seconds=_floats(row[8]),
            business_seconds=_floats(row[9]),
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
