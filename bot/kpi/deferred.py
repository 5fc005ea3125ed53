"""`/kpi` answers over long periods: computed after the ack, by the outbox, and sent privately."""

from __future__ import annotations

from typing import Any

from bot.core.ids import OutboxKind
from bot.kpi.compare import compared_message
from bot.runtime.outbox import promise
from bot.runtime.replies import send_ephemeral, teller
from bot.runtime.services import Services


def promise_reply(
    services: Services,
    *,
    team_id: str,
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
            team_id=team_id,
            subject=subject,
            days=days,
            channel=channel,
            user_id=user_id,
            response_url=response_url,
        )


def reply_task(services: Services, payload: dict[str, Any]) -> None:
    """The outbox task behind `promise_reply`."""
    message = compared_message(
        services, payload["subject"], days=int(payload["days"]), channel=payload.get("channel")
    )
    url = payload.get("response_url")
    if url and send_ephemeral(url, message):
        return
    teller(services, {"user_id": payload["user_id"]})(message["text"])
