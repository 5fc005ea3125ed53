"""Message events: every person's message in a tracked channel, timed."""

from __future__ import annotations

from typing import Any

from slack_bolt import App, BoltContext

from bot.latency.ingest import receive
from bot.runtime.services import Services


def on_message(body: dict[str, Any], context: BoltContext, services: Services) -> None:
    """Store the message's ids and times, once per delivery, whatever Slack's retries."""
    receive(services, body, bot_user_id=context.bot_user_id)


def register(app: App) -> None:
    """The `message` event (message.channels, message.groups)."""
    app.event("message")(on_message)
