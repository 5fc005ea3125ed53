"""Durations: wall-clock (15m, 4h, 2d) or business time (4bh, 2bd), and lengths of time in words."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.core.business_time import BusinessCalendar

_PATTERN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|min|h|d|bh|bd)\s*$", re.IGNORECASE)
WALL_SECONDS = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}
BUSINESS_UNITS = ("bh", "bd")
_WORDS = {
    "s": ("second", "seconds"),
    "m": ("minute", "minutes"),
    "min": ("minute", "minutes"),
    "h": ("hour", "hours"),
    "d": ("day", "days"),
    "bh": ("business hour", "business hours"),
    "bd": ("business day", "business days"),
}


@dataclass(frozen=True)
class Duration:
    """An amount of wall-clock or business time."""

    amount: float
    unit: str  # one of s, m, min, h, d (wall clock) or bh, bd (business time)

    @property
    def is_business(self) -> bool:
        return self.unit in BUSINESS_UNITS

    def business_seconds(self, calendar: BusinessCalendar) -> float:
        """Length in business seconds; a business day is one working day of the calendar."""
        if self.unit == "bh":
            return self.amount * 3600
        if self.unit == "bd":
            return self.amount * calendar.workday_seconds
        return self.amount * WALL_SECONDS[self.unit]

    def after(self, start: datetime, calendar: BusinessCalendar, times: int = 1) -> datetime:
        """The moment this duration, `times` over, has passed since `start`."""
        if self.is_business:
            return calendar.add_business_seconds(start, self.business_seconds(calendar) * times)
        return start + timedelta(seconds=self.amount * WALL_SECONDS[self.unit] * times)

    @property
    def words(self) -> str:
        """`4 business hours`, `30 minutes`, `1 business day`: a threshold as people say it."""
        one, many = _WORDS[self.unit]
        return f"{self.amount:g} {one if self.amount == 1 else many}"

    def __str__(self) -> str:
        return self.words


def parse_duration(text: str) -> Duration:
    """Parse `15m`, `4h`, `2d`, `4bh` or `2bd`; raise ValueError otherwise."""
    match = _PATTERN.match(text)
    if not match:
        raise ValueError(text)
    amount = float(match.group(1))
    if amount <= 0:
        raise ValueError(text)
    return Duration(amount, match.group(2).lower())


def seconds_text(seconds: float | None) -> str:
    """12 s, 7 min, 3 h 20 min, 2 d 4 h: a wall-clock length to the minute; – for no value."""
    if seconds is None:
        return "–"
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def wait_text(timeout: Duration, times: int = 1) -> str:
    """`timeout` × `times` in words: "30 min", "1 h 30 min", "2 business days"."""
    scaled = Duration(timeout.amount * times, timeout.unit)
    if scaled.is_business:
        return scaled.words
    return seconds_text(scaled.amount * WALL_SECONDS[scaled.unit])
