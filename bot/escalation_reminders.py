"""Reminders and moves to the next level for unacknowledged escalations."""

from __future__ import annotations

from datetime import datetime

from bot.services import Services


def escalate_unacknowledged(services: Services, now: datetime) -> None:
    raise NotImplementedError
