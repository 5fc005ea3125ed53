"""Blocker KPIs: opened, resolved, open now, overdue, resolution rate, median time to resolve."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.core.business_time import BusinessCalendar
from bot.core.durations import Duration
from bot.core.lazy import lazy_module
from bot.kpi.deadlines import deadlines
from bot.kpi.period import Period
from bot.kpi.stats import median_seconds, ratio, within
from bot.runtime.services import Services
from storage import kpi as queries

if TYPE_CHECKING:
    import pandas as pd
else:
    pd = lazy_module("pandas")

COLUMNS = ("id", "status", "created_at", "resolved_at")


def blocker_frame(rows: list[dict[str, Any]], due: Callable[[datetime], datetime]) -> pd.DataFrame:
    """A frame with one row per blocker, UTC timestamps and `due_at`, the end of its SLA window."""
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    frame["due_at"] = pd.to_datetime([due(created) for created in frame["created_at"]], utc=True)
    for column in ("created_at", "resolved_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


def sla_frame(
    rows: list[dict[str, Any]], sla: Duration, calendar: BusinessCalendar
) -> pd.DataFrame:
    """blocker_frame() with every SLA deadline worked out at once (bot.kpi.deadlines): the same
    moments as Duration.after() row by row, a hundred times faster over a long history."""
    frame = blocker_frame(rows, lambda created: created)
    frame["due_at"] = deadlines(frame["created_at"], sla, calendar)
    return frame


def blocker_kpis(frame: pd.DataFrame, period: Period) -> dict[str, Any]:
    """The blocker figures of `period`.

    Resolution rate = blockers raised in the period whose SLA window has ended and that were
    resolved within it ÷ blockers raised in the period whose SLA window has ended; a blocker
    counts once its window has ended, so the rate stays between 0 and 1.
    """
    start, end = pd.Timestamp(period.start), pd.Timestamp(period.end)
    raised = within(frame["created_at"], start, end)
    resolved = within(frame["resolved_at"], start, end)
    unresolved_at_end = frame["resolved_at"].isna() | (frame["resolved_at"] >= end)
    open_at_end = (frame["created_at"] < end) & unresolved_at_end
    window_ended = raised & (frame["due_at"] <= end)
    on_time = (
        window_ended & frame["resolved_at"].notna() & (frame["resolved_at"] <= frame["due_at"])
    )
    done = frame[resolved]
    return {
        "opened": int(raised.sum()),
        "resolved": int(resolved.sum()),
        "open_now": int(open_at_end.sum()),
        "overdue": int((open_at_end & (frame["due_at"] <= end)).sum()),
        "resolution_rate": ratio(int(on_time.sum()), int(window_ended.sum())),
        "median_resolve_seconds": median_seconds(done["resolved_at"] - done["created_at"]),
    }


def blocker_answers(
    services: Services, periods: Sequence[Period], channel: str | None
) -> list[dict[str, Any]]:
    """The blocker figures of each period, from one read of the rows they need."""
    settings = services.settings
    since = min(period.start for period in periods)
    with services.db.reading() as session:
        rows = queries.blocker_rows(session, since=since, channel_id=channel)
    frame = sla_frame(rows, settings.blockers.sla, settings.calendar)
    return [blocker_kpis(frame, period) for period in periods]


def blocker_answer(services: Services, period: Period, channel: str | None) -> dict[str, Any]:
    """`/kpi blockers` over `period` (in `channel`, if given)."""
    return blocker_answers(services, [period], channel)[0]
