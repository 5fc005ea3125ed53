"""Working time: which seconds of a wait fall inside working hours, in a time zone, with holidays.

Every day is cut in its own time zone, so daylight-saving changes come from the zone's rules and
never from a fixed offset.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.lazy import lazy_module

# Read only when a country's holidays are asked for: the tables of every country are large.
holidays_lib = lazy_module("holidays")

# A wait longer than this many days is cut there: no chat question waits ten years.
_MAX_DAYS = 3660


@dataclass(frozen=True)
class BusinessCalendar:
    """Working days and hours in one time zone, less the public holidays of one country (or of
    one of its subdivisions: `US-NY`, `DE-BY`) and the company's own days off."""

    tz: ZoneInfo
    workdays: frozenset[int] = frozenset(range(5))  # Monday is 0
    start: time = time(9, 0)
    end: time = time(18, 0)
    country: str | None = None  # `US`, or a subdivision `US-NY`
    company_days: frozenset[date] = frozenset()
    _holidays: Any = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.country:
            code, _, subdivision = self.country.partition("-")
            found = holidays_lib.country_holidays(code, subdiv=subdivision or None)
            object.__setattr__(self, "_holidays", found)

    @property
    def crosses_midnight(self) -> bool:
        """A night shift (22:00–06:00): each working day's hours end the next morning."""
        return self.end <= self.start

    @property
    def workday_seconds(self) -> float:
        """Length of one working day, on the clock (a day of a daylight-saving change aside)."""
        seconds = (
            datetime.combine(date.min, self.end) - datetime.combine(date.min, self.start)
        ).total_seconds()
        return seconds + 86400 if self.crosses_midnight else seconds

    def is_working_day(self, day: date) -> bool:
        """Whether `day` is a working day that is neither a public holiday nor a company day off."""
        if day.weekday() not in self.workdays or day in self.company_days:
            return False
        return not (self._holidays is not None and day in self._holidays)

    def is_working_time(self, moment: datetime) -> bool:
        """Whether `moment` falls inside working hours of a working day."""
        return self.business_seconds(moment, moment + timedelta(seconds=1)) > 0

    def _windows(self, moment: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Working intervals, as aware datetimes, from the one that may hold `moment` on. A
        shift across midnight belongs to the day it starts on (its working day and holidays),
        so the day before `moment` may hold it too."""
        first_day = moment.astimezone(self.tz).date()
        if self.crosses_midnight:
            first_day -= timedelta(days=1)
        for offset in range(_MAX_DAYS):
            day = first_day + timedelta(days=offset)
            if self.is_working_day(day):
                yield self.hours_of(day)

    def hours_of(self, day: date) -> tuple[datetime, datetime]:
        """The working hours of `day` (a working day), in UTC: arithmetic on two datetimes of
        one zone would ignore its offsets."""
        end_day = day + timedelta(days=1) if self.crosses_midnight else day
        return (
            datetime.combine(day, self.start, self.tz).astimezone(UTC),
            datetime.combine(end_day, self.end, self.tz).astimezone(UTC),
        )

    def business_seconds(self, start: datetime, end: datetime) -> float:
        """Seconds of [start, end) that fall inside working time."""
        if end <= start:
            return 0.0
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        total = 0.0
        for window_start, window_end in self._windows(start):
            if window_start >= end:
                break
            lo = max(start, window_start)
            hi = min(end, window_end)
            if hi > lo:
                total += (hi - lo).total_seconds()
        return total

    def add_business_seconds(self, start: datetime, seconds: float) -> datetime:
        """The moment at which `seconds` of working time have passed since `start`."""
        remaining = seconds
        start = start.astimezone(UTC)
        for window_start, window_end in self._windows(start):
            if window_end <= start:
                continue
            lo = max(start, window_start)
            available = (window_end - lo).total_seconds()
            if remaining <= available:
                return lo + timedelta(seconds=remaining)
            remaining -= available
        raise ValueError("no working time within ten years; check the working days and hours")
