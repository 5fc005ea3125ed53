"""Durations in settings: wall-clock (15m, 4h, 2d) or business time (4bh, 2bd)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.business_time import BusinessCalendar

_PATTERN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|min|h|d|bh|bd)\s*$", re.IGNORECASE)
_WALL_SECONDS = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}
_NAMES = {
    "s": "s",
    "m": "min",
    "min": "min",
    "h": "h",
    "d": "d",
    "bh": "business h",
    "bd": "business day",
}


@dataclass(frozen=True)
class Duration:
    """An amount of wall-clock or business time."""

    amount: float
    unit: str  # one of s, m, min, h, d (wall clock) or bh, bd (business time)

    @property
    def is_business(self) -> bool:
        return self.unit in ("bh", "bd")

    def business_seconds(self, calendar: BusinessCalendar) -> float:
        """Length in business seconds; a business day is one working day of the calendar."""
        if self.unit == "bh":
            return self.amount * 3600
        if self.unit == "bd":
            return self.amount * calendar.workday_seconds
        return self.amount * _WALL_SECONDS[self.unit]

    def after(self, start: datetime, calendar: BusinessCalendar, times: int = 1) -> datetime:
        """The moment this duration, `times` over, has passed since `start`."""
        if self.is_business:
            return calendar.add_business_seconds(start, self.business_seconds(calendar) * times)
        return start + timedelta(seconds=self.amount * _WALL_SECONDS[self.unit] * times)

    def __str__(self) -> str:
        amount = f"{self.amount:g}"
        name = _NAMES[self.unit]
        if self.unit == "bd" and self.amount != 1:
            name = "business days"
        return f"{amount} {name}" if " " in name or self.unit == "d" else f"{amount}{name}"


def parse_duration(text: str) -> Duration:
    """Parse `15m`, `4h`, `2d`, `4bh` or `2bd`; raise ValueError otherwise."""
    match = _PATTERN.match(text)
    if not match:
        raise ValueError(text)
    amount = float(match.group(1))
    if amount <= 0:
        raise ValueError(text)
    return Duration(amount, match.group(2).lower())
