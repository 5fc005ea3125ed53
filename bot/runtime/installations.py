"""The workspaces Baton is installed in, and each one's bot token, as Slack's install flow
left them (slack_sdk's SQLAlchemy installation store, on Baton's database)."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from bot.config.settings import Settings
from bot.core.remembered import Remembered
from storage import installations as store
from storage.db import Database

if TYPE_CHECKING:
    from slack_sdk.oauth.installation_store import Bot
    from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore

# How long a process trusts the token it read of a workspace: every request and task needs
# it, and a reinstall or an uninstall elsewhere is seen within this time.
TOKEN_SECONDS = 5.0


class NotInstalled(Exception):
    """Work for a workspace Baton holds no token of (never installed, or uninstalled), or for
    no workspace at all while Baton serves many: it cannot reach Slack."""

    def __init__(self, team_id: str | None) -> None:
        if team_id:
            super().__init__(f"Baton is not installed in workspace {team_id}")
        else:
            super().__init__("the work acts for no workspace, and Baton serves many")
        self.team_id = team_id


class Installations:
    """Baton's installations: the bot of each workspace, remembered a few seconds."""

    def __init__(self, settings: Settings, db: Database) -> None:
        self._client_id = settings.slack_client_id or ""
        self._db = db
        self._bots: Remembered[str, Bot] = Remembered(TOKEN_SECONDS)

    @cached_property
    def store(self) -> SQLAlchemyInstallationStore:
        """slack_sdk's store, which Bolt's install flow saves installations in."""
        # Loaded only when Baton serves many workspaces: it brings SQLAlchemy's asyncio.
        from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore

        return SQLAlchemyInstallationStore(client_id=self._client_id, engine=self._db.engine)

    def bot(self, team_id: str) -> Bot | None:
        """The bot Baton has in `team_id`; None when it is not installed there."""
        read_at = self._bots.now()
        known = self._bots.get(team_id)
        if known is not None:
            return known
        found = self.store.find_bot(enterprise_id=None, team_id=team_id)
        if found is None or not found.bot_token:
            self.forget_token(team_id)
            return None
        self._bots.put(team_id, found, read_at=read_at)
        return found

    def bot_token(self, team_id: str) -> str | None:
        bot = self.bot(team_id)
        return None if bot is None else bot.bot_token

    def teams(self) -> list[str]:
        """Every workspace Baton is installed in, read afresh."""
        with self._db.reading() as session:
            return store.installed_teams(session)

    def uninstall(self, team_id: str) -> dict[str, int]:
        """Delete `team_id`'s installations and tokens; rows deleted by table."""
        with self._db.unit_of_work() as session:
            deleted = store.forget_installations(session, team_id)
        self.forget_token(team_id)
        return deleted

    def forget_token(self, team_id: str) -> None:
        """Stop trusting what this process read of `team_id`'s bot."""
        self._bots.forget(team_id)
