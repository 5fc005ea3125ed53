"""Events API deliveries seen, so each acts once whatever Slack's retries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.orm import Session

from storage.inserts import insert_once
from storage.models import SlackEvent
from storage.results import rows_changed


def record_event(
    session: Session, *, event_id: str, team_id: str, event_type: str, received_at: datetime
) -> bool:
    """Record a delivery; False when the same event_id was recorded before (a retry or a repeat)."""
    return insert_once(
        session,
        SlackEvent.__table__,  # type: ignore[arg-type]
        {
            "event_id": event_id,
            "team_id": team_id,
            "event_type": event_type,
            "received_at": received_at,
        },
    )


def forget_events_before(session: Session, *, before: datetime) -> int:
    """Drop delivery records older than Slack's retry window; returns how many."""
    result = session.execute(delete(SlackEvent).where(SlackEvent.received_at < before))
    return rows_changed(result)
