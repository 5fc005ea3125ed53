"""The clock's digest job: the latest digest due, posted once to each digest channel."""

from __future__ import annotations

import logging
from datetime import datetime

from bot.core.weeks import due_week
from bot.digest.flows import post_digest
from bot.runtime.services import Services
from storage import digests as store

log = logging.getLogger(__name__)


def run_digests(services: Services, now: datetime) -> None:
    """The clock's job: post the latest due digest to each digest channel, once."""
    settings = services.settings
    if not settings.digest.channels:
        return
    week = due_week(now, settings.digest.schedule, settings.calendar.tz)
    for channel in settings.digest.channels:
        with services.db.reading() as session:
            if store.is_complete(session, channel_id=channel, period_start=week):
                continue
        outcome = post_digest(services, channel, week)
        if outcome.status == "posted":
            log.info("digest of %s posted to %s: %s", week, channel, ", ".join(outcome.parts))
