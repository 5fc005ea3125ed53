"""Slack's install flow, for a Baton serving many workspaces: Bolt's OAuth flow on Baton's
database, and the authorization of each request by its workspace's installation.

Loaded only when SLACK_CLIENT_ID is set: slack_sdk's stores bring SQLAlchemy's asyncio.
"""

from __future__ import annotations

from typing import Any

from slack_bolt import BoltContext
from slack_bolt.authorization import AuthorizeResult
from slack_bolt.authorization.authorize import Authorize
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

from bot.runtime.installations import Installations
from storage.db import Database

# The bot scopes Baton asks for when it is installed: the manifest's (a test holds them equal).
BOT_SCOPES = (
    "commands",
    "chat:write",
    "im:write",
    "users:read",
    "channels:history",
    "groups:history",
    "channels:read",
    "groups:read",
    "usergroups:read",
    "files:write",
)
# How long the link /slack/install hands out stays good: the time to read Slack's consent page.
STATE_SECONDS = 600


def oauth_settings(
    client_id: str, client_secret: str, installations: Installations, db: Database
) -> OAuthSettings:
    """Bolt's install flow at GET /slack/install and GET /slack/oauth_redirect."""
    return OAuthSettings(
        client_id=client_id,
        client_secret=client_secret,
        scopes=list(BOT_SCOPES),
        installation_store=installations.store,
        installation_store_bot_only=True,
        state_store=SQLAlchemyOAuthStateStore(expiration_seconds=STATE_SECONDS, engine=db.engine),
    )


class InstalledAuthorize(Authorize):
    """A request's bot token, from its workspace's installation.

    Bolt's own authorization asks Slack's auth.test on every request, before the listener can
    answer; the installation already holds what auth.test would say.
    """

    def __init__(self, installations: Installations) -> None:
        self._installations = installations

    def __call__(
        self,
        *,
        context: BoltContext,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None,
        **_: Any,
    ) -> AuthorizeResult | None:
        bot = self._installations.bot(team_id) if team_id else None
        if bot is None:
            return None
        return AuthorizeResult(
            enterprise_id=bot.enterprise_id,
            team_id=bot.team_id,
            team=bot.team_name,
            bot_user_id=bot.bot_user_id,
            bot_id=bot.bot_id,
            bot_token=bot.bot_token,
            bot_scopes=bot.bot_scopes,
            user_id=user_id,
        )
