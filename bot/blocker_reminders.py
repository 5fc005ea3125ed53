"""Reminders and moves to the next level for blockers open past their SLA."""

from __future__ import annotations

from datetime import datetime

from bot.services import Services


def remind_overdue_blockers(services: Services, now: datetime) -> None:
    raise NotImplementedError
