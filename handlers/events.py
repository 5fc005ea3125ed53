"""Events API listeners: each delivery acts once, whatever Slack's retries."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App
from sqlalchemy.orm import Session

from bot.home import publish_home
from bot.services import Services
from storage.events import record_event

log = logging.getLogger(__name__)


def once(services: Services, body: dict[str, Any], effect: Callable[[Session], None]) -> bool:
    """Record the delivery and apply `effect` in one transaction; False for a repeat delivery."""
    event = body.get("event") or {}
    with services.db.unit_of_work() as session:
        first = record_event(
            session,
            event_id=str(body.get("event_id") or ""),
            team_id=str(body.get("team_id") or ""),
            event_type=str(event.get("type") or ""),
            received_at=services.now(),
        )
        if not first:
            log.info("repeat delivery of %s ignored", body.get("event_id"))
            return False
        effect(session)
    return True


def is_human_message(event: dict[str, Any]) -> bool:
    """A person's message: no bot, no edit, deletion, join or other system subtype."""
    if event.get("bot_id") or event.get("bot_profile"):
        return False
    return event.get("subtype") in (None, "thread_broadcast", "file_share")


def register(app: App, services: Services) -> None:
    @app.event("message")
    def on_message(body: dict[str, Any]) -> None:
        # Recorded now so that a retried delivery is recognised; timing comes with the latency work.
        once(services, body, lambda _session: None)

    @app.event("app_home_opened")
    def on_app_home_opened(body: dict[str, Any], event: dict[str, Any]) -> None:
        if event.get("tab") != "home":
            return
        if once(services, body, lambda _session: None):
            services.background.submit(publish_home, services, str(event["user"]))
