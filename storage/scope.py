"""Acting for one workspace: while `acting_for(team_id)` holds, every ORM query, update and
delete of a session of storage.db sees only that workspace's rows.

The workspace is set where work enters a process (a Slack request, an outbox task, a command
naming `--team`), so no function in between can forget it; rows are still written with their
`team_id` explicitly. Statements written for the database driver (storage.driver) and Core
statements on tables are not filtered: each names its workspace itself, or reads only rows it
found by an id the workspace's own rows gave it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache

from sqlalchemy import event, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker, with_loader_criteria
from sqlalchemy.orm.util import LoaderCriteriaOption

from storage.models import InWorkspace

_TEAM: ContextVar[str | None] = ContextVar("baton_team", default=None)


def current_team() -> str | None:
    """The workspace the running work acts for; None when it acts for the whole database."""
    return _TEAM.get()


def owner_elsewhere(session: Session, model: type[InWorkspace], key: object) -> str | None:
    """Which workspace owns `model`'s row `key`, looked up past the current workspace's view,
    to tell a row that does not exist from another workspace's; None when no such row exists,
    or when work acts for the whole database (nothing is out of its sight). Reads the id of the
    workspace alone, so the row itself never enters the session."""
    if _TEAM.get() is None:
        return None
    [identity] = sa_inspect(model).primary_key
    with acting_for(None):
        owner = session.scalar(select(model.team_id).where(identity == key))
    return None if owner is None else str(owner)


def act_for(team_id: str | None) -> None:
    """Act for `team_id` (None or empty: the whole database) until the current context ends;
    for code that cannot wrap the work that follows it, such as a Bolt middleware (its
    listener runs after it returns), in a context that ends with the work (each HTTP request
    runs in one of its own, see bot.server)."""
    _TEAM.set(team_id or None)


@contextmanager
def acting_for(team_id: str | None) -> Iterator[None]:
    """Let the block see only `team_id`'s rows; an empty or None id leaves it unscoped."""
    token = _TEAM.set(team_id or None)
    try:
        yield
    finally:
        _TEAM.reset(token)


@lru_cache(maxsize=4096)
def _criterion(team: str) -> LoaderCriteriaOption:
    """Only `team`'s rows. Every mapped table is InWorkspace, so one criterion covers them all,
    in joins and subqueries too; made once per workspace: made for every statement, it added
    about a quarter to the time of a simple query on SQLite."""
    return with_loader_criteria(InWorkspace, lambda cls: cls.team_id == team, include_aliases=True)


def _only_the_team(state: ORMExecuteState) -> None:
    team = _TEAM.get()
    if team is None or not (state.is_select or state.is_update or state.is_delete):
        return
    state.statement = state.statement.options(_criterion(team))


def scope_sessions(sessions: sessionmaker[Session]) -> None:
    """Make the sessions of `sessions` see only the current workspace's rows."""
    event.listen(sessions, "do_orm_execute", _only_the_team)
