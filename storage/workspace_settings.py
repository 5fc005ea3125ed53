"""A workspace's own settings (the text of environment variables) and the record of who changed
which, when."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import WorkspaceSetting, WorkspaceSettingChange


def stored_values(session: Session, *, team_id: str) -> dict[str, str]:
    """The values `team_id` set itself, by variable name."""
    query = select(WorkspaceSetting.name, WorkspaceSetting.value).where(
        WorkspaceSetting.team_id == team_id
    )
    return {str(name): str(value) for name, value in session.execute(query)}


def save_changes(
    session: Session,
    *,
    team_id: str,
    changes: Mapping[str, str | None],
    by: str,
    now: datetime,
) -> list[WorkspaceSettingChange]:
    """Set each variable of `changes` to its value for `team_id` (None: remove it, back to the
    environment's), and record one change for each that differs from what was stored."""
    rows = {
        row.name: row
        for row in session.scalars(
            select(WorkspaceSetting).where(
                WorkspaceSetting.team_id == team_id, WorkspaceSetting.name.in_(list(changes))
            )
        )
    }
    recorded: list[WorkspaceSettingChange] = []
    for name, new in changes.items():
        row = rows.get(name)
        old = None if row is None else row.value
        if old == new:
            continue
        if new is None:
            session.delete(row)
        elif row is None:
            session.add(WorkspaceSetting(team_id=team_id, name=name, value=new))
        else:
            row.value = new
        change = WorkspaceSettingChange(
            team_id=team_id,
            name=name,
            old_value=old,
            new_value=new,
            changed_by=by,
            changed_at=now,
        )
        session.add(change)
        recorded.append(change)
    session.flush()
    return recorded


def last_changes(session: Session, *, team_id: str, limit: int = 5) -> list[WorkspaceSettingChange]:
    """`team_id`'s latest `limit` changes, the latest first."""
    query = (
        select(WorkspaceSettingChange)
        .where(WorkspaceSettingChange.team_id == team_id)
        .order_by(WorkspaceSettingChange.changed_at.desc(), WorkspaceSettingChange.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))
