"""Baton removed from a workspace: the app uninstalled, or its bot token revoked."""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from bot.runtime.services import Services
from bot.runtime.workspaces import uninstalled
from handlers.common import team_id


def on_app_uninstalled(body: dict[str, Any], services: Services) -> None:
    uninstalled(services, team_id(body), "app_uninstalled")


def on_tokens_revoked(body: dict[str, Any], event: dict[str, Any], services: Services) -> None:
    """Only the bot's token matters: Baton asks for no user's."""
    tokens = event.get("tokens")
    if isinstance(tokens, dict) and tokens.get("bot"):
        uninstalled(services, team_id(body), "tokens_revoked")


def register(app: App) -> None:
    """The `app_uninstalled` and `tokens_revoked` events."""
    app.event("app_uninstalled")(on_app_uninstalled)
    app.event("tokens_revoked")(on_tokens_revoked)
