"""Deleting old message timings: a message, its mentions of people and of user groups, in
small batches, each its own short transaction, so that the web process's writes wait little.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.orm import Session, aliased

from storage.models import (
    Base,
    Message,
    MessageGroupMention,
    MessageMention,
    UsergroupReading,
)
from storage.results import rows_changed


def oldest_message(session: Session) -> datetime | None:
    """When the oldest message still stored was posted."""
    return session.scalar(select(func.min(Message.posted_at)))


def delete_messages_before(session: Session, *, before: datetime, limit: int) -> int:
    """Delete up to `limit` of the oldest messages posted before `before`, with their mentions;
    return how many messages were deleted."""
    found = session.execute(
        select(Message.id, Message.channel_id, Message.ts)
        .where(Message.posted_at < before)
        .order_by(Message.posted_at)
        .limit(limit)
    ).all()
    if not found:
        return 0
    # One statement per message, on the primary key: SQLite scans the whole table for a
    # (channel_id, message_ts) IN (…) of row values.
    keys = [{"channel": channel, "message": ts} for _, channel, ts in found]
    for model in (MessageMention, MessageGroupMention):
        table = Base.metadata.tables[model.__tablename__]
        session.execute(
            delete(table).where(
                table.c.channel_id == bindparam("channel"),
                table.c.message_ts == bindparam("message"),
            ),
            keys,
        )
    return rows_changed(
        session.execute(
            delete(Message)
            .where(Message.id.in_([id_ for id_, _, _ in found]))
            .execution_options(synchronize_session=False)
        )
    )


def delete_readings_before(session: Session, *, before: datetime) -> int:
    """Delete user groups' readings older than `before`, but each group's latest."""
    later = aliased(UsergroupReading)
    latest = (
        select(func.max(later.read_at))
        .where(later.group_id == UsergroupReading.group_id)
        .scalar_subquery()
    )
    return rows_changed(
        session.execute(
            delete(UsergroupReading)
            .where(UsergroupReading.read_at < before, UsergroupReading.read_at < latest)
            .execution_options(synchronize_session=False)
        )
    )
