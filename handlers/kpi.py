"""Listener for /kpi: figures, charts, and the NPS admin actions."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.checkins import flows as checkin_flows
from bot.core.errors import NotAllowed
from bot.core.slack_text import typed
from bot.digest.chart_dm import promise_chart
from bot.kpi.blocks import USAGE
from bot.kpi.command import parse_chart_text, parse_checkin_text, parse_kpi_text
from bot.kpi.compare import compared_message
from bot.kpi.deferred import promise_reply
from bot.kpi.nps_rounds import one_round
from bot.kpi.scorecard import may_see_everything, scorecard
from bot.kpi.scorecard_blocks import build_scorecard_message
from bot.nps import flows as nps_flows
from bot.nps.blocks import closed_text
from bot.nps.rules import parse_admin as parse_nps_admin
from bot.privacy.blocks import build_forget_me_modal
from bot.runtime.replies import reply_target
from bot.runtime.services import Services
from bot.settings import flows as settings_flows
from handlers.checkins import FORM_FAILED
from handlers.common import open_view, team_id
from handlers.settings import FORM_FAILED as SETTINGS_FORM_FAILED

FORGET_ME_FAILED = "I could not open the form ({code}); nothing was changed. Try again."
# Periods longer than this are answered after the ack, through response_url.
INLINE_DAYS = 31


def on_kpi(ack: Ack, command: dict[str, Any], client: WebClient, services: Services) -> None:
    """`/kpi`: the figures of a period, a chart by DM, the scorecard, a check-in form, the
    workspace's settings form, help, or `/kpi nps start|close`."""
    text = typed(command.get("text")).strip()
    user_id = str(command.get("user_id"))
    team = team_id(command)
    reply = reply_target(user_id, response_url=command.get("response_url"))
    if text.lower() == "help":
        ack(response_type="ephemeral", text=USAGE)
        return
    if text.lower() == "forget-me":
        ack()
        open_view(client, command, build_forget_me_modal(), FORGET_ME_FAILED)
        return
    if text.lower() == "settings":
        # Refused before the ack, so that a refusal is the command's own answer.
        form = settings_flows.open_form(services, user_id=user_id, team_id=team)
        ack()
        open_view(client, command, form, SETTINGS_FORM_FAILED)
        return
    if text.lower() == "scorecard":
        everything = may_see_everything(services, user_id)
        card = scorecard(services).shown_to(everything)
        ack(response_type="ephemeral", **build_scorecard_message(card))
        return
    checkin = parse_checkin_text(text)
    if checkin is not None:
        # The form is checked before the ack, so a refusal is the command's own answer.
        form = checkin_flows.open_form(services, user_id, checkin.sprint)
        ack()
        open_view(client, command, form, FORM_FAILED)
        return
    nps_action = parse_nps_admin(text)
    if nps_action is not None:
        _nps_admin(ack, services, team, user_id, nps_action, reply)
        return
    chart = parse_chart_text(text)
    if chart is not None:
        ack(
            response_type="ephemeral",
            text=f"Drawing the {chart} chart of the last {services.settings.digest.weeks} "
            "weeks; it will come to you in a DM from Baton.",
        )
        promise_chart(services, team_id=team, subject=chart, reply=reply)
        return
    asked = parse_kpi_text(text)
    if asked.days <= INLINE_DAYS:
        message = compared_message(services, asked.subject, days=asked.days, channel=asked.channel)
        ack(response_type="ephemeral", **message)
        return
    promise_reply(
        services,
        team_id=team,
        subject=asked.subject,
        days=asked.days,
        channel=asked.channel,
        user_id=user_id,
        response_url=command.get("response_url"),
    )
    ack(response_type="ephemeral", text=f"Adding up the last {asked.days} days…")


def _nps_admin(
    ack: Ack, services: Services, team: str, user_id: str, action: str, reply: dict[str, Any]
) -> None:
    """`/kpi nps start` or `/kpi nps close`, for Baton admins only."""
    if user_id not in services.settings.admins:
        raise NotAllowed(
            f"Only a Baton admin (BATON_ADMINS) can {action} an NPS round; nothing was changed."
        )
    if action == "start":
        nps_flows.promise_start(services, team_id=team, started_by=user_id, reply=reply)
        ack(response_type="ephemeral", text="Starting an NPS round: reading who to ask…")
        return
    closed = nps_flows.close_round(services, closed_by=user_id)
    ack(response_type="ephemeral", text=closed_text(one_round(services, closed.id)))


def register(app: App) -> None:
    """/kpi."""
    app.command("/kpi")(on_kpi)
