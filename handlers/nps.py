"""Listeners of the NPS survey DM: the 0–10 buttons and the comment modal."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.core.blocks import input_value
from bot.core.errors import BatonError
from bot.core.ids import NpsAction, NpsBlock, NpsView
from bot.nps import flows, rules
from bot.nps.blocks import build_comment_modal
from bot.runtime.services import Services
from bot.runtime.slack_client import error_code

log = logging.getLogger(__name__)

SCORE_ACTION = re.compile(rf"^{NpsAction.SCORE}_(10|[0-9])$")


def on_score(ack: Ack, body: dict[str, Any], client: WebClient, services: Services) -> None:
    """A score button: record the answer, offer the comment form, thank in place."""
    ack()
    click = rules.parse_score(str(body["actions"][0].get("value") or ""))
    user_id = str(body["user"]["id"])
    answered = flows.record_answer(services, click, user_id)
    # The trigger_id lasts 3 seconds: the comment modal opens now, the DM is edited after.
    try:
        client.views_open(
            trigger_id=body["trigger_id"],
            view=build_comment_modal(answered.answer_id, answered.round),
        )
    except Exception as error:
        log.info("NPS comment form not opened: %s", error_code(error))
    container = body.get("container") or {}
    channel_id = container.get("channel_id") or (body.get("channel") or {}).get("id")
    message_ts = container.get("message_ts") or (body.get("message") or {}).get("ts")
    if channel_id and message_ts:
        # In memory, not the outbox: a stored task would say when this person answered,
        # and an answer row must never be matchable to anyone.
        services.background.submit(
            flows.thank, services, answered.round, str(channel_id), str(message_ts)
        )


def on_comment(ack: Ack, body: dict[str, Any], view: dict[str, Any], services: Services) -> None:
    """The optional comment of an answer, added once."""
    try:
        comment = rules.check_comment(input_value(view.get("state") or {}, NpsBlock.COMMENT))
    except BatonError as error:
        ack(response_action="errors", errors={NpsBlock.COMMENT: error.user_message})
        return
    if comment is None:
        ack()
        return
    answer_id = flows.metadata_answer(str(view.get("private_metadata") or ""))
    try:
        flows.add_comment(services, answer_id, str(body["user"]["id"]), comment)
    except flows.AlreadyAnswered as error:
        ack(response_action="errors", errors={NpsBlock.COMMENT: error.user_message})
        return
    ack()


def register(app: App) -> None:
    """The score buttons and the comment modal."""
    app.action(SCORE_ACTION)(on_score)
    app.view(NpsView.COMMENT)(on_comment)
