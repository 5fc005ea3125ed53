"""Workspaces as the database knows them: every table names the workspace of each row, so a
workspace's rows can be listed, exported apart and deleted whole."""

from __future__ import annotations

from sqlalchemy import Table, delete, select, union
from sqlalchemy.orm import Session

from storage.models import Base
from storage.results import rows_changed


def workspace_tables() -> list[Table]:
    """Every table, those that refer to others first (the order their rows can go in)."""
    return list(reversed(Base.metadata.sorted_tables))


def stored_teams(session: Session) -> list[str]:
    """The workspaces any row names, in order ("" for rows filed under none)."""
    named = union(*(select(table.c.team_id) for table in workspace_tables()))
    return sorted(str(team) for team in session.scalars(select(named.subquery().c[0])))


def has_rows(session: Session, team_id: str) -> bool:
    """Whether any row names `team_id`: the first found ends the search."""
    return any(
        session.scalar(select(table.c.team_id).where(table.c.team_id == team_id).limit(1))
        for table in workspace_tables()
    )


def forget_workspace(session: Session, team_id: str) -> dict[str, int]:
    """Delete every row of `team_id`, table by table; rows deleted by table, those with any."""
    deleted: dict[str, int] = {}
    for table in workspace_tables():
        count = rows_changed(session.execute(delete(table).where(table.c.team_id == team_id)))
        if count:
            deleted[table.name] = count
    return deleted
