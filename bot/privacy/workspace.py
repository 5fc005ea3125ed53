"""Forgetting a workspace: every row of it deleted, table by table, in one transaction."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config.parsing import TEAM_HELP, TEAM_ID
from bot.core.errors import InvalidInput
from storage import workspaces as store
from storage.db import Database


@dataclass(frozen=True)
class ForgottenWorkspace:
    """What forgetting `team_id` deleted: rows by table; empty when nothing was stored."""

    team_id: str
    deleted: dict[str, int]

    @property
    def rows(self) -> int:
        return sum(self.deleted.values())


def check_team_id(raw: str) -> str:
    """A Slack workspace id such as T012AB3CD; InvalidInput for anything else."""
    team_id = raw.strip()
    if not TEAM_ID.fullmatch(team_id):
        raise InvalidInput(f"{raw!r} is not {TEAM_HELP}.")
    return team_id


def forget_workspace(db: Database, team_id: str) -> ForgottenWorkspace:
    """Delete every row of `team_id`; running it again deletes nothing."""
    with db.unit_of_work() as session:
        deleted = store.forget_workspace(session, check_team_id(team_id))
    return ForgottenWorkspace(team_id, deleted)


def report_lines(done: ForgottenWorkspace) -> list[str]:
    """What `baton forget-workspace` prints."""
    if not done.deleted:
        return [f"Nothing is stored for {done.team_id}: nothing deleted."]
    lines = [f"{done.team_id} forgotten: {done.rows} rows deleted:"]
    lines += [f"  {table}  {count}" for table, count in sorted(done.deleted.items())]
    return lines
