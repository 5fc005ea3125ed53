"""When the weekly digest is due, and which week it covers: calendar weeks, Monday to Sunday.

Weeks are cut in the team's time zone (BATON_TIMEZONE), so a week starts at local midnight on
Monday whatever the daylight-saving offset is that day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_SCHEDULE = re.compile(r"^\s*([a-z]{3,9})\s+(\d{1,2}):(\d{2})\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class DigestSchedule:
    """A weekly moment: a weekday (Monday is 0) and a local time."""

    weekday: int = 0
    at: time = time(9, 0)

    def __str__(self) -> str:
        return f"{DAY_NAMES[self.weekday]} {self.at:%H:%M}"


def parse_schedule(raw: str) -> DigestSchedule:
    """`mon 09:00`, `Monday 9:30`; ValueError otherwise."""
    match = _SCHEDULE.match(raw)
    if not match:
        raise ValueError(raw)
    name, hour, minute = match.group(1).lower(), int(match.group(2)), int(match.group(3))
    if name not in DAY_NAMES and name not in _FULL_NAMES:
        raise ValueError(raw)
    return DigestSchedule(DAY_NAMES.index(name[:3]), time(hour, minute))


def monday_of(moment: datetime, tz: ZoneInfo) -> date:
    """The Monday of the local week that holds `moment`."""
    local = moment.astimezone(tz).date()
    return local - timedelta(days=local.weekday())


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """Midnight starting `day` in `tz`, as an aware UTC datetime."""
    return datetime.combine(day, time(0), tz).astimezone(UTC)


def scheduled_moment(monday: date, schedule: DigestSchedule, tz: ZoneInfo) -> datetime:
    """When the digest of the week starting `monday` - 7 days goes out: in the week of `monday`."""
    day = monday + timedelta(days=schedule.weekday)
    return datetime.combine(day, schedule.at, tz).astimezone(UTC)


def due_week(now: datetime, schedule: DigestSchedule, tz: ZoneInfo) -> date:
    """The Monday of the week covered by the latest digest due by `now`.

    Each week's schedule moment brings the digest of the full week before it; before this
    week's moment, the one due is last week's (covering the week before that), so a clock that
    was down still posts the latest digest it missed when it comes back.
    """
    this_monday = monday_of(now, tz)
    if now >= scheduled_moment(this_monday, schedule, tz):
        return this_monday - timedelta(days=7)
    return this_monday - timedelta(days=14)


def last_full_week(now: datetime, tz: ZoneInfo) -> date:
    """The Monday of the last week (Monday to Sunday) that has ended by `now`."""
    return monday_of(now, tz) - timedelta(days=7)
