"""Weeks, baselines, week-over-week changes and trends: what every KPI family shares.

A family contributes a frame with one row per calendar week (Monday to Sunday in the team's
time zone, indexed by the Monday) and one column per KPI key, NaN where the week has no data;
NPS contributes one row per round instead, indexed by the round's start. Everything here works
on such frames:

- baseline: the median of each column over the first N weeks of operation (NaN skipped);
- change: (this − reference) ÷ |reference|, against last week or the baseline;
- trend: the least-squares slope over the last 8 weeks, in units per week.

Figures are "as known at `as_of`": a week's resolution rate counts the blockers of that week
whose SLA window has ended by `as_of`, exactly as a period's figures do for the period's end.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.core.lazy import lazy_module
from bot.core.weeks import local_midnight
from bot.kpi.deadlines import to_ns
from bot.kpi.stats import ratio

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
else:
    pd = lazy_module("pandas")
    np = lazy_module("numpy")


TREND_WEEKS = 8

ESCALATION_KEYS = ("opened", "acknowledged", "resolved", "open_now", "mtta_seconds", "mttr_seconds")
BLOCKER_KEYS = (
    "opened",
    "resolved",
    "open_now",
    "overdue",
    "resolution_rate",
    "median_resolve_seconds",
)
# Counts over a period scale with its length; the other figures (rates, durations, the
# snapshots open_now and overdue) do not.
COUNT_KEYS = frozenset({"opened", "acknowledged", "resolved", "waiting", "answered", "unanswered"})


@dataclass(frozen=True)
class Weeks:
    """`count` consecutive calendar weeks from the Monday `first`, in time zone `tz`."""

    first: date
    count: int
    tz: ZoneInfo

    @classmethod
    def ending(cls, last: date, count: int, tz: ZoneInfo) -> Weeks:
        """The `count` weeks whose last one starts on the Monday `last`."""
        return cls(last - timedelta(weeks=count - 1), count, tz)

    @property
    def mondays(self) -> list[date]:
        return [self.first + timedelta(weeks=n) for n in range(self.count)]

    @property
    def last(self) -> date:
        return self.first + timedelta(weeks=self.count - 1)

    @property
    def edges(self) -> list[datetime]:
        """The count + 1 week boundaries, aware UTC: local midnight of each Monday."""
        return [
            local_midnight(self.first + timedelta(weeks=n), self.tz) for n in range(self.count + 1)
        ]

    @property
    def start(self) -> datetime:
        return local_midnight(self.first, self.tz)

    @property
    def end(self) -> datetime:
        return local_midnight(self.first + timedelta(weeks=self.count), self.tz)

    @property
    def index(self) -> pd.DatetimeIndex:
        """The Mondays as a (naive, calendar-date) index named `week`."""
        return pd.DatetimeIndex([pd.Timestamp(day) for day in self.mondays], name="week")


def first_monday(day: date) -> date:
    """The first Monday on or after `day`: baselines count full weeks only."""
    return day + timedelta(days=(7 - day.weekday()) % 7)


def week_numbers(times: pd.Series, weeks: Weeks) -> np.ndarray:
    """The week (0 … count−1) each time falls in; −1 outside the weeks or missing."""
    found = np.searchsorted(_edges_ns(weeks), to_ns(times), side="right") - 1
    found[(found < 0) | (found >= weeks.count)] = -1
    return np.asarray(found)


def _edges_ns(weeks: Weeks) -> np.ndarray:
    return to_ns(pd.Series(weeks.edges))


def _counts(numbers: np.ndarray, count: int) -> np.ndarray:
    return np.bincount(numbers[numbers >= 0], minlength=count)[:count].astype(float)


def _per_week(numbers: np.ndarray, values: np.ndarray, count: int, how: str) -> np.ndarray:
    keep = numbers >= 0
    series = pd.Series(values[keep]).groupby(numbers[keep])
    reduced = series.mean() if how == "mean" else series.median()
    out = np.full(count, np.nan)
    out[reduced.index.to_numpy(dtype=int)] = reduced.to_numpy(dtype=float)
    return out


def _seconds(later: pd.Series, earlier: pd.Series) -> np.ndarray:
    return np.asarray((later - earlier).dt.total_seconds().to_numpy(dtype=float))


def _open_at(created: np.ndarray, resolved: np.ndarray, moment: int) -> np.ndarray:
    # NaT is int64 min, so "resolved < moment" is true for it: test missing first.
    missing = resolved == np.iinfo(np.int64).min
    return np.asarray((created < moment) & (missing | (resolved >= moment)))


def escalation_weeks(frame: pd.DataFrame, weeks: Weeks) -> pd.DataFrame:
    """Each week's escalation figures, as escalation_kpis gives them for that week.

    `frame` is escalation_frame(): every escalation created before the weeks' end and not
    resolved before their start.
    """
    n = weeks.count
    created, acked, resolved = (
        week_numbers(frame[c], weeks) for c in ("created_at", "acknowledged_at", "resolved_at")
    )
    created_ns, resolved_ns = to_ns(frame["created_at"]), to_ns(frame["resolved_at"])
    ends = _edges_ns(weeks)[1:]
    return pd.DataFrame(
        {
            "opened": _counts(created, n),
            "acknowledged": _counts(acked, n),
            "resolved": _counts(resolved, n),
            "open_now": [float(_open_at(created_ns, resolved_ns, end).sum()) for end in ends],
            "mtta_seconds": _per_week(
                acked, _seconds(frame["acknowledged_at"], frame["created_at"]), n, "mean"
            ),
            "mttr_seconds": _per_week(
                resolved, _seconds(frame["resolved_at"], frame["created_at"]), n, "mean"
            ),
        },
        index=weeks.index,
    )


def blocker_weeks(frame: pd.DataFrame, weeks: Weeks, as_of: datetime) -> pd.DataFrame:
    """Each week's blocker figures; open and overdue are counted at each week's end.

    `frame` has created_at, resolved_at and due_at (the end of each blocker's SLA window).
    The resolution rate of a week counts its blockers whose window has ended by `as_of`.
    """
    n = weeks.count
    created, resolved = (
        week_numbers(frame["created_at"], weeks),
        week_numbers(frame["resolved_at"], weeks),
    )
    created_ns, resolved_ns, due_ns = (
        to_ns(frame[c]) for c in ("created_at", "resolved_at", "due_at")
    )
    missing = np.iinfo(np.int64).min
    as_of_ns = to_ns(pd.Series([as_of]))[0]
    window_ended = due_ns <= as_of_ns
    on_time = window_ended & (resolved_ns != missing) & (resolved_ns <= due_ns)
    ended_counts = _counts(np.where(window_ended, created, -1), n)
    on_time_counts = _counts(np.where(on_time, created, -1), n)
    ends = _edges_ns(weeks)[1:]
    open_at = [_open_at(created_ns, resolved_ns, end) for end in ends]
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(ended_counts > 0, on_time_counts / ended_counts, np.nan)
    return pd.DataFrame(
        {
            "opened": _counts(created, n),
            "resolved": _counts(resolved, n),
            "open_now": [float(mask.sum()) for mask in open_at],
            "overdue": [
                float((mask & (due_ns <= end)).sum())
                for mask, end in zip(open_at, ends, strict=True)
            ],
            "resolution_rate": rate,
            "median_resolve_seconds": _per_week(
                resolved, _seconds(frame["resolved_at"], frame["created_at"]), n, "median"
            ),
        },
        index=weeks.index,
    )


def mask_before(frame: pd.DataFrame, first: date | None) -> pd.DataFrame:
    """Weeks before `first` (the start of measurement) become gaps, not zeros."""
    if first is None:
        return frame.astype(float) * np.nan
    masked = frame.astype(float).copy()
    masked.loc[masked.index < pd.Timestamp(first - timedelta(days=first.weekday()))] = np.nan
    return masked


def quantile(values: Sequence[float], q: float) -> float | None:
    """The q-quantile with linear interpolation (pandas' default), in seconds; None if empty."""
    if not len(values):
        return None
    return round(float(np.quantile(np.asarray(values, dtype=float), q, method="linear")), 3)


def baseline(frame: pd.DataFrame, start: date, weeks: int) -> dict[str, float | None]:
    """The median of each column over rows in the `weeks` weeks from `start`; None without data."""
    lo, hi = pd.Timestamp(start), pd.Timestamp(start + timedelta(weeks=weeks))
    rows = frame[(frame.index >= lo) & (frame.index < hi)]
    return {str(column): _median(rows[column]) for column in frame.columns}


def _median(values: pd.Series) -> float | None:
    present = values.dropna()
    return None if present.empty else float(present.median())


def trend(series: pd.Series, end: date, weeks: int = TREND_WEEKS) -> float | None:
    """Least-squares slope, per week, over the points in the `weeks` weeks before `end`."""
    lo, hi = pd.Timestamp(end - timedelta(weeks=weeks)), pd.Timestamp(end)
    points = series[(series.index >= lo) & (series.index < hi)].dropna()
    if len(points) < 2:
        return None
    x = np.array([(pd.Timestamp(when) - lo).days / 7 for when in points.index])
    y = points.to_numpy(dtype=float)
    spread = ((x - x.mean()) ** 2).sum()
    if spread == 0:
        return None
    return float(((x - x.mean()) * (y - y.mean())).sum() / spread)


def change(current: float | None, reference: float | None) -> float | None:
    """(current − reference) ÷ |reference|; None when either is missing or the reference is 0."""
    if current is None or reference is None or reference == 0:
        return None
    if _missing(current) or _missing(reference):
        return None
    return (current - reference) / abs(reference)


def scale_counts(figures: Mapping[str, Any], days: int) -> dict[str, Any]:
    """A weekly baseline stated for a period of `days` days: counts grow with the period."""
    return {
        key: value * days / 7 if key in COUNT_KEYS and isinstance(value, int | float) else value
        for key, value in figures.items()
    }


def row(frame: pd.DataFrame, monday: date) -> dict[str, float | None]:
    """One week's figures as plain values (None for a gap)."""
    when = pd.Timestamp(monday)
    if when not in frame.index:
        return {str(column): None for column in frame.columns}
    return {str(column): _value(value) for column, value in frame.loc[when].items()}


def _missing(value: float) -> bool:
    return isinstance(value, float) and math.isnan(value)


def _value(value: Any) -> float | None:
    if value is None or pd.isna(value):
        return None
    return float(value)


LATENCY_KEYS = (
    "waiting",
    "answered",
    "unanswered",
    "median_seconds",
    "p90_seconds",
    "median_business_seconds",
    "p90_business_seconds",
    "within_sla_rate",
)


@dataclass(frozen=True)
class LatencyCounts:
    """One week's waiting messages as the database added them up (storage.weekly.LatencyWeek)."""

    week: int
    waiting: int
    answered: int
    sla_ended: int
    within_sla: int
    unanswered: int
    wall_seconds: Sequence[float]
    business_seconds: Sequence[float]


def latency_weeks(counts: list[LatencyCounts], weeks: Weeks) -> pd.DataFrame:
    """Each week's latency figures; a week without waiting messages is a gap.

    Median and p90 with linear interpolation (pandas' default) over the week's answered
    messages; within-SLA rate over those whose SLA window has ended.
    """
    frame = pd.DataFrame(np.nan, index=weeks.index, columns=list(LATENCY_KEYS))
    for week in counts:
        if not 0 <= week.week < weeks.count or week.waiting == 0:
            continue
        values = latency_figures(week)
        frame.iloc[week.week] = [np.nan if values[k] is None else values[k] for k in LATENCY_KEYS]
    return frame


def latency_figures(week: LatencyCounts) -> dict[str, float | None]:
    """The latency KPI keys (without the breakdowns) of one group of waiting messages."""
    values: dict[str, float | None] = {
        "waiting": float(week.waiting),
        "answered": float(week.answered),
        "unanswered": float(week.unanswered),
        "within_sla_rate": ratio(week.within_sla, week.sla_ended),
    }
    for waits, prefix in ((week.wall_seconds, ""), (week.business_seconds, "_business")):
        values[f"median{prefix}_seconds"] = quantile(waits, 0.5)
        values[f"p90{prefix}_seconds"] = quantile(waits, 0.9)
    return values


NPS_KEYS = ("score", "response_rate", "responses", "invited")


def nps_round_frame(rounds: Sequence[Mapping[str, Any]], tz: ZoneInfo) -> pd.DataFrame:
    """One row per round (the /kpi nps JSON), oldest first, indexed by its local start time.

    A round below its minimum of answers has no score: a gap, not a zero.
    """
    index = pd.DatetimeIndex(
        [
            pd.Timestamp(datetime.fromisoformat(str(entry["started"])).astimezone(tz)).tz_localize(
                None
            )
            for entry in rounds
        ],
        name="started",
    )
    frame = pd.DataFrame(
        {key: [_value(entry.get(key)) for entry in rounds] for key in NPS_KEYS},
        index=index,
        dtype=float,
    )
    frame["round"] = [entry.get("round") for entry in rounds]
    return frame.sort_index()
