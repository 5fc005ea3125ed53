"""The period a KPI covers: the N×24 hours before now."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.errors import InvalidInput

MAX_DAYS = 365
_SPAN = re.compile(r"^(\d{1,4})([dw])$", re.IGNORECASE)


@dataclass(frozen=True)
class Period:
    """[start, end): `days` × 24 hours ending at `end`."""

    start: datetime
    end: datetime
    days: int

    @classmethod
    def ending(cls, end: datetime, days: int) -> Period:
        if not 1 <= days <= MAX_DAYS:
            raise InvalidInput(f"A period runs from 1 to {MAX_DAYS} days; {days} is out of range.")
        return cls(end - timedelta(days=days), end, days)

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        return Period(self.start - (self.end - self.start), self.start, self.days)


def parse_span(token: str) -> int | None:
    """Days in `7d`, `30d` or `4w`; None when `token` is not a span at all."""
    match = _SPAN.match(token.strip())
    if not match:
        return None
    amount, unit = int(match.group(1)), match.group(2).lower()
    days = amount * 7 if unit == "w" else amount
    if not 1 <= days <= MAX_DAYS:
        raise InvalidInput(f"A period runs from 1 to {MAX_DAYS} days; `{token}` is out of range.")
    return days
