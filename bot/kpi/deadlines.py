"""SLA deadlines for many start times at once, the same moments Duration.after() gives one by one.

Working time is laid out as windows [start, end) with the working seconds before each; a start
time becomes a position on that working clock, the duration is added there, and the position is
turned back into a moment. Timestamps are int64 nanoseconds in UTC.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from bot.core.business_time import BusinessCalendar
from bot.core.durations import Duration
from bot.core.lazy import lazy_module

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
else:
    pd = lazy_module("pandas")
    np = lazy_module("numpy")


_NS = 1_000_000_000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_ns(times: pd.Series) -> np.ndarray:
    """Aware timestamps as int64 nanoseconds since the epoch, UTC; NaT becomes int64 min."""
    utc = pd.to_datetime(times, utc=True)
    return np.asarray(utc.dt.tz_localize(None).to_numpy(dtype="datetime64[ns]").astype(np.int64))


def from_ns(values: np.ndarray, index: pd.Index | None = None) -> pd.Series:
    """int64 nanoseconds back to aware UTC timestamps."""
    return pd.Series(pd.to_datetime(values, unit="ns", utc=True), index=index)


def _epoch_ns(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(microseconds=1) * 1000


def _windows(calendar: BusinessCalendar, first: date, last: date) -> tuple[np.ndarray, ...]:
    starts, ends = [], []
    day = first
    while day <= last:
        if calendar.is_working_day(day):
            start, end = calendar.hours_of(day)
            starts.append(start)
            ends.append(end)
        day += timedelta(days=1)
    ws = np.array([_epoch_ns(moment) for moment in starts], dtype=np.int64)
    we = np.array([_epoch_ns(moment) for moment in ends], dtype=np.int64)
    lengths = we - ws
    before = np.concatenate(([0], np.cumsum(lengths)[:-1])).astype(np.int64)
    return ws, we, before, before + lengths


def deadlines(starts: pd.Series, duration: Duration, calendar: BusinessCalendar) -> pd.Series:
    """`duration.after(start, calendar)` for every start, as aware UTC timestamps (NaT stays)."""
    times = pd.to_datetime(starts, utc=True)
    if not duration.is_business:
        return times + pd.Timedelta(seconds=duration.business_seconds(calendar))
    valid = times.notna()
    result = np.full(len(times), np.iinfo(np.int64).min, dtype=np.int64)
    if not valid.any():
        return from_ns(result, times.index)
    t = to_ns(times[valid])
    amount = round(duration.business_seconds(calendar) * _NS)
    first = times[valid].min().tz_convert(calendar.tz).date() - timedelta(days=1)
    last = times[valid].max().tz_convert(calendar.tz).date()
    # Enough calendar days to hold the duration after the last start, then more if holidays
    # or short weeks ate into them.
    span = int(amount / max(calendar.workday_seconds * _NS, 1)) * 2 + 14
    while True:
        ws, we, before, after = _windows(calendar, first, last + timedelta(days=span))
        if len(ws) == 0:
            raise ValueError("no working time in the calendar; check the working days and hours")
        j0 = np.searchsorted(we, t, side="right")
        if j0.max() < len(ws):
            position = before[j0] + np.maximum(t, ws[j0]) - ws[j0]
            target = position + amount
            j = np.searchsorted(after, target, side="left")
            if j.max() < len(ws):
                break
        if span > 3660 * 2:
            raise ValueError("no working time within ten years; check the working days and hours")
        span *= 2
    result[valid.to_numpy()] = ws[j] + (target - before[j])
    return from_ns(result, times.index)
