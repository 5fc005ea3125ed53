"""Workspaces as the database knows them: every table names the workspace of each row, so a
workspace's rows can be listed, exported apart and deleted whole, its installation with them."""

from __future__ import annotations

from sqlalchemy import Table, delete, select, union
from sqlalchemy.orm import Session

from storage import installations
from storage.models import Base
from storage.results import rows_changed


def workspace_tables() -> list[Table]:
    """Every table, those that refer to others first (the order their rows can go in)."""
    return list(reversed(Base.metadata.sorted_tables))


def stored_teams(session: Session) -> list[str]:
    """The workspaces any row or installation names, in order ("" for rows filed under none)."""
    tables = (*workspace_tables(), *installations.WORKSPACE_TABLES)
    named = union(*(select(table.c.team_id) for table in tables))
    found = session.scalars(select(named.subquery().c[0]))
    return sorted(str(team) for team in found if team is not None)


def has_rows(session: Session, team_id: str) -> bool:
    """Whether any row or installation names `team_id`: the first found ends the search."""
    return any(
        session.scalar(select(table.c.team_id).where(table.c.team_id == team_id).limit(1))
        for table in (*installations.WORKSPACE_TABLES, *workspace_tables())
    )


def forget_workspace(session: Session, team_id: str) -> dict[str, int]:
    """Delete every row of `team_id`, table by table, and its installation (its tokens); rows
    deleted by table, those with any."""
    deleted = installations.forget_installations(session, team_id)
    for table in workspace_tables():
        count = rows_changed(session.execute(delete(table).where(table.c.team_id == team_id)))
        if count:
            deleted[table.name] = count
    return deleted
