"""Small statistics shared by the KPI families, with `None` where there is no data."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.core.lazy import lazy_module

if TYPE_CHECKING:
    import pandas as pd
else:
    pd = lazy_module("pandas")


def mean_seconds(durations: pd.Series) -> float | None:
    """Mean of a series of timedeltas, in seconds; None for an empty series."""
    if durations.empty:
        return None
    return round(float(durations.dt.total_seconds().mean()), 3)


def median_seconds(durations: pd.Series) -> float | None:
    """Median of a series of timedeltas, in seconds; None for an empty series."""
    if durations.empty:
        return None
    return round(float(durations.dt.total_seconds().median()), 3)


def ratio(part: int, whole: int) -> float | None:
    """part ÷ whole from 0 to 1; None when there is nothing to divide by."""
    return round(part / whole, 4) if whole else None


def within(times: pd.Series, start: pd.Timestamp, end: pd.Timestamp) -> pd.Series:
    """Which times fall in [start, end); missing times never do."""
    return times.notna() & (times >= start) & (times < end)
