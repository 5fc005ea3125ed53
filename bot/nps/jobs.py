"""The clock's NPS jobs: rounds open on the cadence and close on time; DMs go out paced."""

from __future__ import annotations

from datetime import datetime

from bot.nps.flows import close_due_rounds, start_scheduled_round
from bot.nps.sending import promise_sending
from bot.runtime.services import Services

__all__ = ["nps_rounds", "promise_sending"]


def nps_rounds(services: Services, now: datetime) -> None:
    """Close the rounds whose time is up, then open the one the cadence calls for, if due."""
    close_due_rounds(services, now)
    start_scheduled_round(services, now)
