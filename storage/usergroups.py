"""User groups that messages mention: their members as read over time, and each mention's fate.

A reading is added only when the members (or whether they can be read) changed, so the
members at a moment are those of the last reading at or before it; before the first reading,
those of the first one.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, func, select, update
from sqlalchemy.orm import Session

from storage.models import Message, MessageGroupMention, UsergroupReading
from storage.results import rows_changed
from storage.statuses import GroupMentionState

# A group mention's message.
_ITS_MESSAGE = and_(
    Message.channel_id == MessageGroupMention.channel_id,
    Message.ts == MessageGroupMention.message_ts,
)


@dataclass(frozen=True)
class Reading:
    """A user group's members as read at `read_at`; `readable` False: Slack would not say."""

    group_id: str
    read_at: datetime
    readable: bool
    members: frozenset[str]


def _members_text(members: Iterable[str]) -> str:
    return ",".join(sorted(set(members)))


def readings(session: Session, group_ids: Collection[str]) -> dict[str, list[Reading]]:
    """Every reading of each group, oldest first."""
    found: dict[str, list[Reading]] = {group: [] for group in group_ids}
    if not group_ids:
        return found
    query = (
        select(UsergroupReading)
        .where(UsergroupReading.group_id.in_(list(group_ids)))
        .order_by(UsergroupReading.group_id, UsergroupReading.read_at, UsergroupReading.id)
    )
    for row in session.scalars(query):
        members = frozenset(part for part in row.members.split(",") if part)
        found[row.group_id].append(Reading(row.group_id, row.read_at, row.readable, members))
    return found


def add_reading(
    session: Session,
    *,
    team_id: str,
    group_id: str,
    read_at: datetime,
    readable: bool,
    members: Iterable[str],
) -> bool:
    """Keep a reading of `group_id` unless it says what the latest one says; True if kept."""
    text = _members_text(members) if readable else ""
    latest = session.execute(
        select(UsergroupReading.readable, UsergroupReading.members)
        .where(UsergroupReading.group_id == group_id, UsergroupReading.read_at <= read_at)
        .order_by(UsergroupReading.read_at.desc(), UsergroupReading.id.desc())
        .limit(1)
    ).first()
    if latest is not None and (latest.readable, latest.members) == (readable, text):
        return False
    session.add(
        UsergroupReading(
            team_id=team_id, group_id=group_id, read_at=read_at, readable=readable, members=text
        )
    )
    session.flush()
    return True


def known_groups(session: Session, *, mentioned_since: datetime) -> list[tuple[str, str]]:
    """(team_id, group_id) of every group a message posted since `mentioned_since` mentions."""
    query = (
        select(Message.team_id, MessageGroupMention.group_id)
        .join(Message, _ITS_MESSAGE)
        .where(MessageGroupMention.posted_at >= mentioned_since)
        .distinct()
    )
    return [(str(team), str(group)) for team, group in session.execute(query)]


# -- what became of each mention ----------------------------------------------------------------


@dataclass(frozen=True)
class Pending:
    """A message whose mentioned group's members were not read yet, and what its answer needs."""

    channel_id: str
    ts: str
    group_id: str
    posted_at: datetime
    team_id: str
    user_id: str
    author_side: str | None


def pending(session: Session, *, limit: int = 500) -> list[Pending]:
    """The oldest mentions still waiting for their group's members, with their messages."""
    query = (
        select(
            MessageGroupMention.channel_id,
            MessageGroupMention.message_ts,
            MessageGroupMention.group_id,
            MessageGroupMention.posted_at,
            Message.team_id,
            Message.user_id,
            Message.author_side,
        )
        .join(Message, _ITS_MESSAGE)
        .where(MessageGroupMention.state == GroupMentionState.PENDING)
        .order_by(MessageGroupMention.posted_at)
        .limit(limit)
    )
    return [
        Pending(row[0], row[1], row[2], row[3], row[4], str(row[5] or ""), row[6])
        for row in session.execute(query)
    ]


def set_state(
    session: Session, *, channel_id: str, ts: str, group_id: str, state: GroupMentionState
) -> bool:
    """Record what became of a pending mention; False if it was settled already."""
    changed = session.execute(
        update(MessageGroupMention)
        .where(
            MessageGroupMention.channel_id == channel_id,
            MessageGroupMention.message_ts == ts,
            MessageGroupMention.group_id == group_id,
            MessageGroupMention.state == GroupMentionState.PENDING,
        )
        .values(state=state)
    )
    return rows_changed(changed) > 0


def _unreadable(start: datetime, end: datetime) -> Select[str, str]:
    return (
        select(MessageGroupMention.channel_id, MessageGroupMention.message_ts)
        .join(Message, _ITS_MESSAGE)
        .where(
            MessageGroupMention.state == GroupMentionState.UNREADABLE,
            MessageGroupMention.posted_at >= start,
            MessageGroupMention.posted_at < end,
            Message.deleted.is_(False),
        )
        .distinct()
    )


def unreadable_messages(
    session: Session, *, start: datetime, end: datetime, channel_id: str | None = None
) -> int:
    """Messages posted in [start, end), not deleted, that mention a group Baton cannot read."""
    query = _unreadable(start, end)
    if channel_id is not None:
        query = query.where(MessageGroupMention.channel_id == channel_id)
    return int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)


def unreadable_by_channel(session: Session, *, start: datetime, end: datetime) -> dict[str, int]:
    """unreadable_messages of [start, end), per channel that has any."""
    found = _unreadable(start, end).subquery()
    query = select(found.c.channel_id, func.count()).group_by(found.c.channel_id)
    return {channel: int(count) for channel, count in session.execute(query)}
