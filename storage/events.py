"""Events API deliveries seen, so each acts once whatever Slack's retries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from storage.driver import Transaction, Writer, transaction_of
from storage.models import SlackEvent
from storage.results import rows_changed


@dataclass(frozen=True)
class Delivery:
    """One Events API delivery, recorded so that a repeat of it changes nothing."""

    event_id: str
    team_id: str
    event_type: str
    received_at: datetime


_RECORD_DELIVERY = """
INSERT INTO slack_events (event_id, team_id, event_type, received_at) VALUES (?, ?, ?, ?)
ON CONFLICT DO NOTHING RETURNING event_id
"""


def delivery_params(tx: Transaction, delivery: Delivery) -> tuple[Any, ...]:
    """The values of a slack_events row, as the driver takes them."""
    received = tx.time(delivery.received_at)
    return (delivery.event_id, delivery.team_id, delivery.event_type, received)


def record_delivery(writer: Writer, delivery: Delivery) -> bool:
    """Record a delivery in the writer's transaction; False when its event_id was seen before."""
    # Straight on the driver: message events run this before Slack gets its answer.
    tx = transaction_of(writer)
    return bool(tx.execute(_RECORD_DELIVERY, delivery_params(tx, delivery)).fetchall())


def forget_events_before(session: Session, *, before: datetime) -> int:
    """Drop delivery records older than Slack's retry window; returns how many."""
    result = session.execute(delete(SlackEvent).where(SlackEvent.received_at < before))
    return rows_changed(result)
