"""The App Home tab, drawn for each person when they open it."""

from __future__ import annotations

from typing import Any

from slack_bolt import App

from bot.home.flows import promise_publish
from bot.runtime.services import Services
from handlers.common import team_id


def on_app_home_opened(body: dict[str, Any], event: dict[str, Any], services: Services) -> None:
    """Publish the viewer's Home tab after the ack (once per delivery of the event)."""
    if event.get("tab") != "home":
        return
    promise_publish(
        services,
        event_id=str(body.get("event_id") or ""),
        team_id=team_id(body),
        user_id=str(event["user"]),
    )


def register(app: App) -> None:
    """The `app_home_opened` event."""
    app.event("app_home_opened")(on_app_home_opened)
