"""Listener for /kpi."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond

from bot.blocks.kpi import USAGE
from bot.digest import CHARTS
from bot.errors import InvalidInput
from bot.kpi.answers import SUBJECTS
from bot.kpi.deferred import kpi_message, promise_chart, promise_reply
from bot.kpi.period import parse_span
from bot.nps.rules import parse_admin as parse_nps_admin
from bot.replies import reply_target
from bot.services import Services
from bot.slack_text import CHANNEL_MENTION
from handlers import nps

# Periods longer than this are answered after the ack, through response_url.
INLINE_DAYS = 31


def parse_kpi_text(text: str) -> tuple[str, int, str | None]:
    """`/kpi` arguments → (subject, days, channel id); InvalidInput with the usage otherwise."""
    subject, days, channel = "summary", 7, None
    seen: set[str] = set()
    for token in text.split():
        lowered = token.lower()
        if lowered in SUBJECTS and "subject" not in seen:
            subject = lowered
            seen.add("subject")
        elif (match := CHANNEL_MENTION.fullmatch(token)) and "channel" not in seen:
            channel = match.group(1)
            seen.add("channel")
        elif "days" not in seen and (span := parse_span(token)) is not None:
            days = span
            seen.add("days")
        else:
            raise InvalidInput(f"I don't understand `{token}`.\n{USAGE}")
    return subject, days, channel


def parse_chart_text(text: str) -> str | None:
    """`chart latency` → "latency"; None when the text asks for no chart."""
    words = text.lower().split()
    if not words or words[0] != "chart":
        return None
    if len(words) == 2 and words[1] in CHARTS:
        return words[1]
    raise InvalidInput(f"Which chart? `/kpi chart {'|'.join(CHARTS)}`.\n{USAGE}")


def register(app: App, services: Services) -> None:
    @app.command("/kpi")
    def kpi_command(ack: Ack, command: dict[str, Any], respond: Respond) -> None:
        text = (command.get("text") or "").strip()
        if text.lower() == "help":
            ack(response_type="ephemeral", text=USAGE)
            return
        # NPS (issue 4): `/kpi nps start|close`, for admins.
        nps_action = parse_nps_admin(text)
        if nps_action is not None:
            nps.admin_command(services, ack, respond, str(command.get("user_id")), nps_action)
            return
        # Charts (issue 5): `/kpi chart latency|escalations|blockers|nps`, sent by DM.
        chart = parse_chart_text(text)
        if chart is not None:
            user_id = str(command.get("user_id"))
            ack(
                response_type="ephemeral",
                text=f"Drawing the {chart} chart of the last {services.settings.digest_weeks} "
                "weeks; it will come to you in a DM from Baton.",
            )
            reply = reply_target(user_id, response_url=command.get("response_url"))
            promise_chart(services, subject=chart, reply=reply)
            return
        subject, days, channel = parse_kpi_text(text)
        if days <= INLINE_DAYS:
            ack(
                response_type="ephemeral",
                **kpi_message(services, subject, days=days, channel=channel),
            )
            return
        promise_reply(
            services,
            subject=subject,
            days=days,
            channel=channel,
            user_id=str(command.get("user_id")),
            response_url=command.get("response_url"),
        )
        ack(response_type="ephemeral", text=f"Adding up the last {days} days…")
