"""Forgetting a person: every column that holds their user id, and every mention of them in
text people typed, made to name a pseudonym instead; the rows stay, so counts stay.

What is Slack's copy and comes back from Slack (side members, a user group's members) is
removed; survey answers name nobody to begin with.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from storage.models import (
    Blocker,
    BlockerWait,
    Checkin,
    CheckinPrompt,
    Escalation,
    JobClaim,
    Message,
    MessageMention,
    NpsInvitation,
    NpsRound,
    OutboxTask,
    SideMember,
    UsergroupReading,
    WorkspaceSettingChange,
)
from storage.results import rows_changed

Attribute = InstrumentedAttribute[Any]

# Columns that hold one user id.
ID_COLUMNS: tuple[Attribute, ...] = (
    Escalation.reporter_id,
    Escalation.owner_id,
    Escalation.assignee_id,
    Escalation.acknowledged_by,
    Escalation.resolved_by,
    Blocker.reporter_id,
    Blocker.resolved_by,
    BlockerWait.target_id,
    Message.user_id,
    Message.answer_user,
    MessageMention.user_id,
    NpsRound.started_by,
    NpsRound.closed_by,
    NpsInvitation.user_id,
    Checkin.updated_by,
    CheckinPrompt.lead_id,
    WorkspaceSettingChange.changed_by,
)
# Text people typed, where a person appears as a mention (<@U…> or <@U…|name>).
TEXT_COLUMNS: tuple[Attribute, ...] = (
    Escalation.title,
    Escalation.description,
    Escalation.resolution_note,
    Blocker.text,
    Blocker.resolution_note,
)
# Baton's own bookkeeping that may name a person inside a longer value.
INNER_COLUMNS: tuple[Attribute, ...] = (
    OutboxTask.payload,
    JobClaim.subject,
    # A settings change's values: a list of leads names people.
    WorkspaceSettingChange.old_value,
    WorkspaceSettingChange.new_value,
)


# Slack's copy of who is on which side: the row goes (it names nobody else).
REMOVED_COLUMNS: tuple[Attribute, ...] = (SideMember.user_id,)

_Change = Callable[[str], str]


def _name(column: Attribute) -> str:
    return f"{column.class_.__tablename__}.{column.key}"


def forget_user(session: Session, user_id: str, *, pseudonym: str) -> dict[str, int]:
    """Make every row that names `user_id` name `pseudonym`; rows changed, by table.column.

    Nothing in it when nothing names them any more: a second run changes nothing.
    """
    changed: dict[str, int] = {}
    for column in ID_COLUMNS:
        result = session.execute(
            update(column.class_).where(column == user_id).values({column: pseudonym})
        )
        changed[_name(column)] = rows_changed(result)
    mention = re.compile(rf"<@{re.escape(user_id)}(?:\|[^>]*)?>")
    for column in TEXT_COLUMNS:
        changed[_name(column)] = _replace(
            session, column, f"%<@{user_id}%", lambda text: mention.sub(pseudonym, text)
        )
    for column in INNER_COLUMNS:
        changed[_name(column)] = _replace(
            session, column, f"%{user_id}%", lambda text: text.replace(user_id, pseudonym)
        )
    changed[_name(UsergroupReading.members)] = _replace(
        session,
        UsergroupReading.members,
        f"%{user_id}%",
        lambda text: ",".join(member for member in text.split(",") if member != user_id),
    )
    for column in REMOVED_COLUMNS:
        removed = session.execute(delete(column.class_).where(column == user_id))
        changed[_name(column)] = rows_changed(removed)
    return {name: count for name, count in changed.items() if count}


def _replace(session: Session, column: Attribute, like: str, change: _Change) -> int:
    key: Attribute = column.class_.id
    rows = session.execute(select(key, column).where(column.like(like))).all()
    count = 0
    for row_key, text in rows:
        if text is None:
            continue
        new = change(text)
        if new != text:
            session.execute(update(column.class_).where(key == row_key).values({column: new}))
            count += 1
    return count
