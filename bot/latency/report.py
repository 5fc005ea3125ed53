"""The answer behind `/kpi latency` and `baton kpi latency`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.kpi.latency import latency_kpis
from bot.kpi.period import Period
from bot.scheduler import Work, run_once
from bot.services import Services
from storage.latency import latency_groups
from storage.latency import refresh_statistics as refresh_statistics_of

STATISTICS_JOB = "latency_statistics"


def latency_answer(services: Services, period: Period, channel: str | None) -> dict[str, Any]:
    """Response latency of the messages posted in `period` (in `channel`, if given)."""
    with services.db.reading() as session:
        groups = latency_groups(session, start=period.start, end=period.end, channel_id=channel)
    return latency_kpis(groups, [side.name for side in services.settings.sides])


def refresh_statistics(services: Services, now: datetime) -> None:
    """The clock's daily job: keep the database's statistics of messages fresh."""

    def do() -> None:
        with services.db.unit_of_work() as session:
            refresh_statistics_of(session)

    run_once(services, Work(STATISTICS_JOB, "messages", now.date().isoformat()), do)
