"""Weekly series and baselines of every KPI family, read from the database a window at a time.

Each family contributes one function, `weekly(services, weeks, channel, as_of) -> DataFrame`
(one row per week, one column per KPI key; NPS one row per round). Baselines are the median of
those rows over the first BATON_BASELINE_WEEKS full weeks from BATON_OPERATE_START (or from the
first recorded activity); once those weeks are well over, a baseline is kept in the database and
never computed again, so a digest's cost does not grow with the history.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from bot.core.lazy import lazy_module
from bot.kpi.answers import FAMILIES
from bot.kpi.blockers import sla_frame
from bot.kpi.escalations import escalation_frame
from bot.kpi.nps_rounds import nps_answer, round_json
from bot.kpi.period import Period
from bot.kpi.weekly import (
    LatencyCounts,
    Weeks,
    baseline,
    blocker_weeks,
    escalation_weeks,
    first_monday,
    latency_figures,
    latency_weeks,
    mask_before,
    nps_round_frame,
)
from bot.runtime.services import Services
from storage import nps as nps_store
from storage import weekly as queries

if TYPE_CHECKING:
    import pandas as pd
else:
    pd = lazy_module("pandas")

Weekly = Callable[[Services, Weeks, str | None, datetime], "pd.DataFrame"]

# Late answers and resolutions still change a week for a few days after it ends; a baseline is
# kept only once its last week is this far behind.
SETTLE = timedelta(days=7)


def measurement_start(services: Services) -> date | None:
    """BATON_OPERATE_START, or the local date of the first thing Baton recorded."""
    settings = services.settings
    if settings.kpi.operate_start is not None:
        return settings.kpi.operate_start
    with services.db.reading() as session:
        first = queries.first_activity(session)
    return None if first is None else first.astimezone(settings.calendar.tz).date()


def escalations(
    services: Services, weeks: Weeks, channel: str | None, as_of: datetime
) -> pd.DataFrame:
    with services.db.reading() as session:
        rows = queries.escalations_in_window(
            session, start=weeks.start, end=weeks.end, channel_id=channel
        )
    return escalation_weeks(escalation_frame(rows), weeks)


def blockers(
    services: Services, weeks: Weeks, channel: str | None, as_of: datetime
) -> pd.DataFrame:
    settings = services.settings
    with services.db.reading() as session:
        rows = queries.blockers_in_window(
            session, start=weeks.start, end=weeks.end, channel_id=channel
        )
    return blocker_weeks(sla_frame(rows, settings.blockers.sla, settings.calendar), weeks, as_of)


def _latency_counts(
    services: Services, edges: list[datetime], as_of: datetime, channel: str | None
) -> list[LatencyCounts]:
    with services.db.reading() as session:
        found = queries.latency_weeks(session, edges=edges, as_of=as_of, channel_id=channel)
    return [
        LatencyCounts(
            week=row.week,
            waiting=row.waiting,
            answered=row.answered,
            sla_ended=row.sla_ended,
            within_sla=row.within_sla,
            unanswered=row.unanswered,
            wall_seconds=row.wall_seconds,
            business_seconds=row.business_seconds,
        )
        for row in found
    ]


def latency(services: Services, weeks: Weeks, channel: str | None, as_of: datetime) -> pd.DataFrame:
    return latency_weeks(_latency_counts(services, weeks.edges, as_of, channel), weeks)


def latency_period(
    services: Services, *, start: datetime, end: datetime, channel: str | None = None
) -> dict[str, float | None]:
    """The latency figures of [start, end) as known at `end`; empty without waiting messages."""
    counts = _latency_counts(services, [start, end], end, channel)
    return latency_figures(counts[0]) if counts and counts[0].waiting else {}


def latest_closed_score(services: Services, now: datetime) -> float | None:
    """The score of the newest closed round that has one (enough answers)."""
    for entry in nps_answer(services, Period.ending(now, 7), None)["rounds"]:
        if entry.get("closed") and entry.get("score") is not None:
            return float(entry["score"])
    return None


def nps(services: Services, weeks: Weeks, channel: str | None, as_of: datetime) -> pd.DataFrame:
    """One row per round started in the weeks (NPS asks the whole audience: no channel)."""
    with services.db.reading() as session:
        rows = queries.nps_rounds_between(session, start=weeks.start, end=weeks.end)
        ids = [row.id for row in rows]
        statuses = nps_store.status_counts(session, ids)
        scores = nps_store.score_counts(session, ids)
    rounds = [round_json(row, statuses[row.id], scores[row.id], None) for row in rows]
    return nps_round_frame(rounds, services.settings.calendar.tz)


WEEKLY: dict[str, Weekly] = {
    "escalations": escalations,
    "blockers": blockers,
    "latency": latency,
    "nps": nps,
}
# Families whose frames are one row per week (NPS has one per round).
WEEK_ROWS = ("escalations", "blockers", "latency")


def measured(family: str) -> bool:
    """Whether the family has landed: it answers /kpi."""
    return family in FAMILIES


def weekly(
    services: Services,
    family: str,
    weeks: Weeks,
    *,
    channel: str | None = None,
    as_of: datetime,
    start: date | None,
) -> pd.DataFrame:
    """The family's weekly frame, weeks before the start of measurement as gaps."""
    frame = WEEKLY[family](services, weeks, channel, as_of)
    if family in WEEK_ROWS:
        return mask_before(frame, start)
    return frame


def baseline_weeks(services: Services, start: date | None) -> Weeks | None:
    """The first BATON_BASELINE_WEEKS full weeks of operation."""
    if start is None:
        return None
    settings = services.settings
    return Weeks(first_monday(start), settings.kpi.baseline_weeks, settings.calendar.tz)


def baselines(
    services: Services,
    families: tuple[str, ...],
    *,
    now: datetime,
    channel: str | None = None,
    start: date | None = None,
) -> dict[str, dict[str, float | None]]:
    """Each family's baseline (median per KPI key), provisional while its weeks run."""
    start = start if start is not None else measurement_start(services)
    window = baseline_weeks(services, start)
    result: dict[str, dict[str, float | None]] = {}
    for family in families:
        result[family] = _baseline(services, family, window, now=now, channel=channel, start=start)
    return result


def _baseline(
    services: Services,
    family: str,
    window: Weeks | None,
    *,
    now: datetime,
    channel: str | None,
    start: date | None,
) -> dict[str, float | None]:
    if window is None:
        return {}
    ended = sum(1 for edge in window.edges[1:] if edge <= now)
    if ended == 0:
        return {}
    final = now >= window.end + SETTLE
    scope = channel or ""
    if final:
        with services.db.reading() as session:
            kept = queries.stored_baseline(
                session, family=family, scope=scope, first_week=window.first, weeks=window.count
            )
        if kept is not None:
            return kept
    weeks = Weeks(window.first, ended, window.tz)
    frame = weekly(services, family, weeks, channel=channel, as_of=now, start=start)
    figures = baseline(frame.drop(columns=["round"], errors="ignore"), window.first, ended)
    if final:
        team_id = services.team_id
        with services.db.unit_of_work() as session:
            queries.store_baseline(
                session,
                team_id=team_id,
                family=family,
                scope=scope,
                first_week=window.first,
                weeks=window.count,
                figures=figures,
                now=now,
            )
    return figures
