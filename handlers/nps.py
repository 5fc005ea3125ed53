"""Listeners of the NPS survey DM (0–10 buttons, comment modal) and `/kpi nps start|close`."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.blocks.common import input_value
from bot.blocks.nps import build_comment_modal, closed_text, started_text
from bot.errors import BatonError, NotAllowed
from bot.ids import NpsAction, NpsBlock, NpsView
from bot.nps import flows, rules
from bot.nps.report import one_round
from bot.services import Services

log = logging.getLogger(__name__)

SCORE_ACTION = re.compile(rf"^{NpsAction.SCORE}_(10|[0-9])$")


def _start_in_background(services: Services, user_id: str, respond: Respond) -> None:
    try:
        started = flows.start_round(services, started_by=user_id, period=None)
    except BatonError as error:
        respond(response_type="ephemeral", text=error.user_message)
        return
    text = started_text(started.round, started.members, services.settings.nps_send_per_minute)
    respond(response_type="ephemeral", text=text)


def admin_command(
    services: Services, ack: Ack, respond: Respond, user_id: str, action: str
) -> None:
    """`/kpi nps start` or `/kpi nps close`, for Baton admins only."""
    if user_id not in services.settings.admins:
        raise NotAllowed(
            f"Only a Baton admin (BATON_ADMINS) can {action} an NPS round; nothing was changed."
        )
    if action == "start":
        flows.check_can_start(services)
        ack(response_type="ephemeral", text="Starting an NPS round: reading who to ask…")
        services.background.submit(_start_in_background, services, user_id, respond)
        return
    closed = flows.close_round(services, closed_by=user_id)
    ack(response_type="ephemeral", text=closed_text(one_round(services, closed.id)))


def register(app: App, services: Services) -> None:
    """Register the score buttons and the comment modal."""

    @app.action(SCORE_ACTION)
    def on_score(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
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
            log.info("NPS comment form not opened: %s", flows.slack_error(error))
        container = body.get("container") or {}
        channel_id = container.get("channel_id") or (body.get("channel") or {}).get("id")
        message_ts = container.get("message_ts") or (body.get("message") or {}).get("ts")
        if channel_id and message_ts:
            # In memory, not the outbox: a stored task would say when this person answered,
            # and an answer row must never be matchable to anyone.
            services.background.submit(
                flows.thank, services, answered.round, str(channel_id), str(message_ts)
            )

    @app.view(NpsView.COMMENT)
    def on_comment(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
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
