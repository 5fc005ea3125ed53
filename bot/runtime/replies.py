"""Telling one person something privately, from work done after Slack got its answer."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk.webhook import WebhookClient

from bot.runtime.services import Services
from bot.runtime.slack_client import error_code, retry_handlers

log = logging.getLogger(__name__)

Tell = Callable[[str], None]


def reply_target(
    user_id: str, *, response_url: str | None = None, channel_id: str | None = None
) -> dict[str, Any]:
    """Where a later private reply goes, as plain JSON for an outbox task."""
    return {"user_id": user_id, "response_url": response_url, "channel_id": channel_id}


def send_ephemeral(
    response_url: str, message: dict[str, Any], *, timeout: int = 10, retry: bool = True
) -> bool:
    """Answer through a command's or a click's response_url, visible to that person only.

    True when Slack took it: a response_url lives 30 minutes and takes 5 replies.
    """
    webhook = WebhookClient(
        response_url, timeout=timeout, retry_handlers=retry_handlers() if retry else []
    )
    response = webhook.send(response_type="ephemeral", replace_original=False, **message)
    return response.status_code == 200


def teller(services: Services, target: dict[str, Any]) -> Tell:
    """A Tell for `target`: the command's response_url, else an ephemeral message, else a DM."""
    user_id = str(target["user_id"])
    response_url = target.get("response_url")
    channel_id = target.get("channel_id")

    def tell(text: str) -> None:
        if response_url:
            if send_ephemeral(response_url, {"text": text}):
                return
            log.info("response_url refused; telling %s another way", user_id)
        if channel_id:
            try:
                services.client.chat_postEphemeral(channel=channel_id, user=user_id, text=text)
                return
            except Exception as error:
                log.info("ephemeral failed (%s); sending a DM", error_code(error))
        services.client.chat_postMessage(channel=user_id, text=text)

    return tell


def tell_if_possible(tell: Tell, text: str, about: str) -> None:
    """Tell, but a failure only logs: it must not undo or repeat the work it reports on."""
    try:
        tell(text)
    except Exception as error:
        log.warning("reporter of %s not told: %s", about, error_code(error))
