"""Telling one person something privately, from work done after Slack got its answer."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_sdk.webhook import WebhookClient

from bot.services import Services
from bot.slack_client import RETRY_HANDLERS, error_code

log = logging.getLogger(__name__)

Tell = Callable[[str], None]


def reply_target(
    user_id: str, *, response_url: str | None = None, channel_id: str | None = None
) -> dict[str, Any]:
    """Where a later private reply goes, as plain JSON for an outbox task."""
    return {"user_id": user_id, "response_url": response_url, "channel_id": channel_id}


def teller(services: Services, target: dict[str, Any]) -> Tell:
    """A Tell for `target`: the command's response_url, else an ephemeral message, else a DM."""
    user_id = str(target["user_id"])
    response_url = target.get("response_url")
    channel_id = target.get("channel_id")

    def tell(text: str) -> None:
        if response_url:
            # response_url lives 30 minutes and takes 5 replies: past that, fall back below.
            webhook = WebhookClient(response_url, timeout=10, retry_handlers=list(RETRY_HANDLERS))
            response = webhook.send(text=text, response_type="ephemeral", replace_original=False)
            if response.status_code == 200:
                return
            log.info(
                "response_url answered %s; telling %s another way", response.status_code, user_id
            )
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
