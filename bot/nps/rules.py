"""The rules of a survey round, as plain functions: when rounds start, when reminders are due,
who is asked, what a click or a comment may carry."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.core.business_time import BusinessCalendar
from bot.core.errors import InvalidInput

# Biweekly rounds fall on the weeks an even number of weeks after this Monday, so the rhythm
# never depends on when Baton was installed or restarted.
BIWEEKLY_ANCHOR = date(2024, 1, 1)
QUARTER_MONTHS = frozenset({1, 4, 7, 10})
# A clock that was down may still start a round it missed, but not one that is a day late:
# a survey landing in the middle of a month nobody expects is worse than a skipped one.
CATCH_UP = timedelta(hours=24)
# Far enough back to find the previous quarterly round.
_LOOKBACK_DAYS = 200

COMMENT_LIMIT = 1000
# Slack ids that are never people.
_NOT_PEOPLE = frozenset({"USLACKBOT"})


@dataclass(frozen=True)
class RoundInfo:
    """A round's values, detached from the database."""

    id: int
    audience: str
    question: str
    min_responses: int
    started_at: datetime
    ends_at: datetime
    closed_at: datetime | None = None
    started_by: str | None = None

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


# -- the cadence ---------------------------------------------------------------------------


def is_round_day(cadence: str, day: date, weekday: int) -> bool:
    """Whether a round on `cadence` starts on `day` (local date)."""
    if cadence == "off" or day.weekday() != weekday:
        return False
    if cadence == "weekly":
        return True
    if cadence == "biweekly":
        return ((day - BIWEEKLY_ANCHOR).days // 7) % 2 == 0
    first_of_month = day.day <= 7
    if cadence == "monthly":
        return first_of_month
    if cadence == "quarterly":
        return first_of_month and day.month in QUARTER_MONTHS
    raise ValueError(f"unknown cadence {cadence!r}")


def latest_start(
    cadence: str, now: datetime, *, weekday: int, at: time, tz: ZoneInfo
) -> tuple[datetime, str] | None:
    """The last scheduled start at or before `now` and its period key (the local date)."""
    if cadence == "off":
        return None
    today = now.astimezone(tz).date()
    for back in range(_LOOKBACK_DAYS):
        day = today - timedelta(days=back)
        if not is_round_day(cadence, day, weekday):
            continue
        # Wall-clock time in the zone: 10:00 stays 10:00 across daylight-saving changes.
        start = datetime.combine(day, at, tz)
        if start <= now:
            return start, day.isoformat()
    return None


def due_start(
    cadence: str, now: datetime, *, weekday: int, at: time, tz: ZoneInfo
) -> tuple[datetime, str] | None:
    """The scheduled start to act on now: the latest one, if it is less than a day old."""
    found = latest_start(cadence, now, weekday=weekday, at=at, tz=tz)
    if found is None or now - found[0] >= CATCH_UP:
        return None
    return found


# -- reminders -----------------------------------------------------------------------------


def reminder_due(started_at: datetime, day_number: int, calendar: BusinessCalendar) -> datetime:
    """When the reminder of day `day_number` (the start day is day 1) is due.

    The same local time as the start, that many days later; outside working hours, the next
    working moment.
    """
    local = started_at.astimezone(calendar.tz)
    moment = datetime.combine(
        local.date() + timedelta(days=day_number - 1), local.time(), calendar.tz
    )
    return calendar.add_business_seconds(moment, 0)


def reminders_due(
    started_at: datetime,
    ends_at: datetime,
    reminder_days: Sequence[int],
    calendar: BusinessCalendar,
    now: datetime,
) -> int:
    """How many of the round's reminders are due by `now`; those due after the end never are."""
    due = 0
    for day_number in sorted(reminder_days):
        moment = reminder_due(started_at, day_number, calendar)
        if moment >= ends_at or moment > now:
            break
        due += 1
    return due


# -- who is asked --------------------------------------------------------------------------


def is_person(user_id: str, info: Mapping[str, Any], baton_user_id: str | None = None) -> bool:
    """A human, active member: not a bot, an app, a deactivated account or Baton itself."""
    if user_id in _NOT_PEOPLE or user_id == baton_user_id:
        return False
    return not (info.get("is_bot") or info.get("is_app_user") or info.get("deleted"))


# -- clicks, comments, commands ------------------------------------------------------------


@dataclass(frozen=True)
class ScoreClick:
    """A click on one of the 0–10 buttons of an invitation."""

    invitation_id: int
    score: int


# Up to 9 digits: every id the database can hold (up to 2**31 - 1) that a round would reach.
_SCORE_VALUE = re.compile(r"^(\d{1,9}):(10|[0-9])$")


def score_value(invitation_id: int, score: int) -> str:
    """The button value that carries a score for an invitation."""
    return f"{invitation_id}:{score}"


def parse_score(value: str) -> ScoreClick:
    """The invitation and score of a button; InvalidInput for anything Baton did not send."""
    match = _SCORE_VALUE.match(value or "")
    if match is None:
        raise InvalidInput(
            "That button is not one of Baton's survey buttons; nothing was recorded."
        )
    return ScoreClick(int(match.group(1)), int(match.group(2)))


def check_comment(raw: str | None) -> str | None:
    """The comment as typed, None when empty; InvalidInput past 1,000 characters."""
    text = (raw or "").strip()
    if not text:
        return None
    if len(text) > COMMENT_LIMIT:
        raise InvalidInput(
            f"A comment can be up to {COMMENT_LIMIT:,} characters; this one has {len(text):,}."
        )
    return text


def parse_admin(text: str) -> str | None:
    """`start` or `close` for `/kpi nps start|close`; None for any other /kpi text."""
    words = text.lower().split()
    if len(words) == 2 and words[0] == "nps" and words[1] in ("start", "close"):
        return words[1]
    return None


def answer_day(now: datetime, tz: ZoneInfo) -> date:
    """The day an answer is filed under: the local date, and nothing finer."""
    return now.astimezone(tz).date()
