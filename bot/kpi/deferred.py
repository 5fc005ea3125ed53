"""`/kpi` answers that take a while (long periods, charts): done after the ack, by the outbox."""

from __future__ import annotations

from typing import Any

from bot.ids import OutboxKind
from bot.kpi.history import compared_message
from bot.outbox import promise
from bot.replies import teller
from bot.services import Services


def kpi_message(
    services: Services, subject: str, *, days: int, channel: str | None
) -> dict[str, Any]:
    """The ephemeral `/kpi` message for `subject` over the last `days` days, with comparisons."""
    return compared_message(services, subject, days=days, channel=channel)


def promise_reply(
    services: Services,
    *,
    subject: str,
    days: int,
    channel: str | None,
    user_id: str,
    response_url: str | None,
) -> None:
    """Promise the answer; the outbox computes and sends it."""
    with services.db.unit_of_work() as session:
        promise(
            services,
            session,
            OutboxKind.KPI_REPLY,
            subject=subject,
            days=days,
            channel=channel,
            user_id=user_id,
            response_url=response_url,
        )


def reply_task(services: Services, payload: dict[str, Any]) -> None:
    """The outbox task behind `promise_reply`."""
    message = kpi_message(
        services, payload["subject"], days=int(payload["days"]), channel=payload.get("channel")
    )
    url = payload.get("response_url")
    if url:
        from slack_sdk.webhook import WebhookClient

        from bot.slack_client import RETRY_HANDLERS

        webhook = WebhookClient(url, timeout=10, retry_handlers=list(RETRY_HANDLERS))
        sent = webhook.send(response_type="ephemeral", replace_original=False, **message)
        if sent.status_code == 200:
            return
    teller(services, {"user_id": payload["user_id"]})(message["text"])


def promise_chart(services: Services, *, subject: str, reply: dict[str, Any]) -> None:
    """Promise `/kpi chart SUBJECT`: drawn and sent by DM by the outbox, away from the web."""
    with services.db.unit_of_work() as session:
        promise(services, session, OutboxKind.KPI_CHART, subject=subject, reply=reply)


def chart_task(services: Services, payload: dict[str, Any]) -> None:
    """The outbox task behind `promise_chart`."""
    from bot.digest import send_chart

    reply = payload["reply"]
    send_chart(services, str(reply["user_id"]), payload["subject"], teller(services, reply))
