"""The global error handler: a clear ephemeral message, or a reference id for the logs."""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from slack_bolt import App, BoltContext, BoltResponse

from bot.core.blocks import notice
from bot.core.errors import BatonError
from bot.runtime.replies import send_ephemeral
from bot.runtime.services import Services, database_unreachable

log = logging.getLogger(__name__)

# The note on a failed click is sent before Slack gets its answer (3 s); the default wait of
# 30 s on a slow response_url would cost the answer.
RESPOND_TIMEOUT_SECONDS = 2
DATABASE_CANNOT_STORE = (
    ":warning: Baton cannot store anything just now ({why}), so nothing was recorded. "
    "Tell whoever runs Baton."
)
_WHY = {
    "database read-only": "its database is read-only",
    "database disk full": "its database's disk is full",
}
DATABASE_DOWN = (
    ":warning: Baton cannot reach its database just now, so nothing was recorded. "
    "Try again in a minute."
)


def user_message(error: Exception, body: dict[str, Any], services: Services | None = None) -> str:
    """What the user sees: the known error's own words, or a reference to the logged traceback."""
    if isinstance(error, BatonError):
        log.info("refused: %s", error.user_message)
        return error.user_message
    # A database that is down, read-only or full is no bug of Baton's: no traceback, and words
    # the person can act on, from what the database says of itself now. One that is fine (a
    # missing table, say) is a bug, reported as any other.
    health = "ok"
    if database_unreachable(error):
        health = services.db.health() if services is not None else "database unreachable"
    if health != "ok":
        log.warning("%s in %s: %s", health, _what(body), error.__class__.__name__)
        why = _WHY.get(health)
        return DATABASE_CANNOT_STORE.format(why=why) if why else DATABASE_DOWN
    reference = uuid.uuid4().hex[:8]
    log.error("unexpected error in %s, reference %s", _what(body), reference, exc_info=error)
    return (
        f":warning: Something went wrong on Baton's side. Reference `{reference}` for your admin."
    )


def _is_command(body: dict[str, Any]) -> bool:
    """A slash command's form; every other payload Slack sends names its type."""
    return "command" in body and body.get("type") is None


def _what(body: dict[str, Any]) -> str:
    """Which request failed, by ids only (never what anyone typed), for whoever reads the log."""
    if _is_command(body):
        where = f"command {body['command']}"
        who, channel = body.get("user_id"), body.get("channel_id")
    else:
        actions = body.get("actions") or [{}]
        event = body.get("event") or {}
        where = " ".join(
            str(part)
            for part in (
                body.get("type") or "request",
                actions[0].get("action_id"),
                (body.get("view") or {}).get("callback_id"),
                event.get("type"),
            )
            if part
        )
        who = (body.get("user") or {}).get("id") or event.get("user")
        channel = (body.get("channel") or {}).get("id") or event.get("channel")
    return f"{where} (user {who or '-'}, channel {channel or '-'})"


def _ephemeral(text: str) -> BoltResponse:
    body = json.dumps({"response_type": "ephemeral", "text": text})
    return BoltResponse(status=200, body=body, headers={"content-type": "application/json"})


def handle_error(
    error: Exception, body: dict[str, Any], context: BoltContext
) -> BoltResponse | None:
    """Turn any listener error into an answer Slack shows the user."""
    text = user_message(error, body, context.get("services"))
    if _is_command(body):
        return _ephemeral(text)
    kind = body.get("type")
    if kind == "view_submission":
        view = notice(text)
        payload = json.dumps({"response_action": "update", "view": view})
        return BoltResponse(status=200, body=payload, headers={"content-type": "application/json"})
    if kind == "block_actions":
        if body.get("response_url"):
            try:
                send_ephemeral(
                    body["response_url"],
                    {"text": text},
                    timeout=RESPOND_TIMEOUT_SECONDS,
                    retry=False,
                )
            except Exception:
                log.exception("could not tell the user about an error")
        return BoltResponse(status=200, body="")
    if kind == "event_callback" and isinstance(error, BatonError):
        return BoltResponse(status=200, body="")
    # Anything else (an event that failed unexpectedly): let Slack deliver it again.
    return None


def register(app: App) -> None:
    """The one error handler of every listener."""
    app.error(handle_error)
