"""Events API listeners: each delivery acts once, whatever Slack's retries."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import App, BoltContext
from sqlalchemy.orm import Session

from bot.ids import OutboxKind
from bot.latency.ingest import receive
from bot.outbox import promise
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


def register(app: App, services: Services) -> None:
    @app.event("message")
    def on_message(body: dict[str, Any], context: BoltContext) -> None:
        # Like once(): the delivery is recorded in the transaction that applies it, but on the
        # driver connection directly, since every message of every channel comes this way.
        receive(services, body, bot_user_id=context.bot_user_id)

    @app.event("app_home_opened")
    def on_app_home_opened(body: dict[str, Any], event: dict[str, Any]) -> None:
        if event.get("tab") != "home":
            return
        user_id = str(event["user"])
        once(
            services,
            body,
            lambda session: promise(services, session, OutboxKind.HOME_PUBLISH, user_id=user_id),
        )
