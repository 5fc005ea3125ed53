"""Listener for /kpi."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond

from bot.blocks.kpi import USAGE, build_kpi_message
from bot.errors import InvalidInput
from bot.kpi.answers import SUBJECTS, answer
from bot.kpi.period import parse_span
from bot.services import Services
from bot.slack_text import CHANNEL_MENTION

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


def register(app: App, services: Services) -> None:
    @app.command("/kpi")
    def kpi_command(ack: Ack, command: dict[str, Any], respond: Respond) -> None:
        text = (command.get("text") or "").strip()
        if text.lower() == "help":
            ack(response_type="ephemeral", text=USAGE)
            return
        subject, days, channel = parse_kpi_text(text)

        def reply() -> dict[str, Any]:
            figures = answer(services, subject, days=days, channel=channel)
            return build_kpi_message(subject, figures, days=days, channel_id=channel)

        if days <= INLINE_DAYS:
            ack(response_type="ephemeral", **reply())
            return
        ack(response_type="ephemeral", text=f"Adding up the last {days} days…")
        services.background.submit(lambda: respond(response_type="ephemeral", **reply()))
