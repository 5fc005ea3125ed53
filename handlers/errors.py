"""The global error handler: a clear ephemeral message, or a reference id for the logs."""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from slack_bolt import App, BoltResponse
from slack_bolt.context.respond import Respond

from bot.errors import BatonError

log = logging.getLogger(__name__)


def user_message(error: Exception) -> str:
    """What the user sees: the known error's own words, or a reference to the logged traceback."""
    if isinstance(error, BatonError):
        log.info("refused: %s", error.user_message)
        return error.user_message
    reference = uuid.uuid4().hex[:8]
    log.error("unexpected error, reference %s", reference, exc_info=error)
    return (
        f":warning: Something went wrong on Baton's side. Reference `{reference}` for your admin."
    )


def _ephemeral(text: str) -> BoltResponse:
    body = json.dumps({"response_type": "ephemeral", "text": text})
    return BoltResponse(status=200, body=body, headers={"content-type": "application/json"})


def handle_error(
    error: Exception, body: dict[str, Any], respond: Respond | None, response: BoltResponse | None
) -> BoltResponse | None:
    """Turn any listener error into an answer Slack shows the user."""
    text = user_message(error)
    kind = body.get("type")
    if "command" in body and kind is None:
        return _ephemeral(text)
    if kind == "view_submission":
        view = {
            "type": "modal",
            "title": {"type": "plain_text", "text": "Baton"},
            "close": {"type": "plain_text", "text": "Close"},
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
        }
        payload = json.dumps({"response_action": "update", "view": view})
        return BoltResponse(status=200, body=payload, headers={"content-type": "application/json"})
    if kind == "block_actions":
        if respond is not None and body.get("response_url"):
            try:
                respond(text=text, response_type="ephemeral", replace_original=False)
            except Exception:
                log.exception("could not tell the user about an error")
        return BoltResponse(status=200, body="")
    if kind == "event_callback" and isinstance(error, BatonError):
        return BoltResponse(status=200, body="")
    # Anything else (an event that failed unexpectedly): let Slack deliver it again.
    return None


def register(app: App) -> None:
    app.error(handle_error)
