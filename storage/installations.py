"""Slack's installations of Baton, one per workspace, as slack_sdk's SQLAlchemy stores keep
them: these are their tables, created by Baton's migrations like every other (the stores' own
create_all never runs). They are not Baton's records: no session is scoped to them."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    delete,
    func,
    select,
)
from sqlalchemy.orm import Session

from storage.results import rows_changed

METADATA = MetaData()


def _bot_columns() -> list[Column[object]]:
    """The columns slack_bots and slack_installations share: the app, the workspace and its
    bot (each table needs columns of its own)."""
    return [
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("client_id", String(32), nullable=False),
        Column("app_id", String(32), nullable=False),
        Column("enterprise_id", String(32)),
        Column("enterprise_name", String(200)),
        Column("team_id", String(32)),
        Column("team_name", String(200)),
        Column("bot_token", String(200)),
        Column("bot_id", String(32)),
        Column("bot_user_id", String(32)),
        Column("bot_scopes", String(1000)),
        Column("bot_refresh_token", String(200)),
        Column("bot_token_expires_at", DateTime),
        Column("is_enterprise_install", Boolean, nullable=False),
        Column("installed_at", DateTime, nullable=False, server_default=func.now()),
    ]


# The tables slack_sdk's SQLAlchemyInstallationStore and SQLAlchemyOAuthStateStore read and
# write, under their default names.
BOTS = Table(
    "slack_bots",
    METADATA,
    *_bot_columns(),
    Index("slack_bots_idx", "client_id", "enterprise_id", "team_id", "installed_at"),
)

INSTALLATIONS = Table(
    "slack_installations",
    METADATA,
    *_bot_columns(),
    Column("enterprise_url", String(200)),
    Column("user_id", String(32), nullable=False),
    Column("user_token", String(200)),
    Column("user_scopes", String(1000)),
    Column("user_refresh_token", String(200)),
    Column("user_token_expires_at", DateTime),
    Column("incoming_webhook_url", String(200)),
    Column("incoming_webhook_channel", String(200)),
    Column("incoming_webhook_channel_id", String(200)),
    Column("incoming_webhook_configuration_url", String(200)),
    Column("token_type", String(32)),
    Index(
        "slack_installations_idx",
        "client_id",
        "enterprise_id",
        "team_id",
        "user_id",
        "installed_at",
    ),
)

OAUTH_STATES = Table(
    "slack_oauth_states",
    METADATA,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("state", String(200), nullable=False),
    Column("expire_at", DateTime, nullable=False),
)

# The tables that name a workspace, in the order their rows can be deleted.
WORKSPACE_TABLES = (INSTALLATIONS, BOTS)


def installed_teams(session: Session) -> list[str]:
    """The workspaces Baton holds a bot token of, in order (organisation-wide installs, which
    name no workspace, are not served)."""
    found = select(BOTS.c.team_id).where(BOTS.c.team_id.is_not(None), BOTS.c.bot_token.is_not(None))
    return sorted({str(team) for team in session.scalars(found.distinct())})


def forget_installations(session: Session, team_id: str) -> dict[str, int]:
    """Delete `team_id`'s installations and bot tokens; rows deleted by table, those with any."""
    deleted: dict[str, int] = {}
    for table in WORKSPACE_TABLES:
        count = rows_changed(session.execute(delete(table).where(table.c.team_id == team_id)))
        if count:
            deleted[table.name] = count
    return deleted
