"""Business time, worked out by hand from the calendar."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from bot.core.business_time import BusinessCalendar
from bot.core.durations import parse_duration

NY = ZoneInfo("America/New_York")


def at(*args: int, tz: ZoneInfo = NY) -> datetime:
    return datetime(*args, tzinfo=tz)


def test_friday_evening_to_monday_morning_is_twenty_minutes() -> None:
    calendar = BusinessCalendar(NY)
    # Fri 2026-11-20 17:50 → 18:00 is 10 min; Mon 2026-11-23 09:00 → 09:10 is 10 min.
    assert calendar.business_seconds(at(2026, 11, 20, 17, 50), at(2026, 11, 23, 9, 10)) == 1200


def test_a_public_holiday_is_not_working_time() -> None:
    calendar = BusinessCalendar(NY, country="US")
    # Wed 2026-11-25 17:50 → Fri 2026-11-27 09:10, Thanksgiving (Thu 26) off: 10 + 10 min.
    assert calendar.business_seconds(at(2026, 11, 25, 17, 50), at(2026, 11, 27, 9, 10)) == 1200
    without_holidays = BusinessCalendar(NY)
    # The same wait counts Thursday's nine hours when no holidays are set.
    assert (
        without_holidays.business_seconds(at(2026, 11, 25, 17, 50), at(2026, 11, 27, 9, 10))
        == 1200 + 9 * 3600
    )


def test_a_wait_across_the_daylight_saving_change_counts_real_seconds() -> None:
    calendar = BusinessCalendar(
        NY, start=time(0, 0), end=time(23, 59), workdays=frozenset(range(7))
    )
    # Clocks went back at 02:00 on Sun 2026-11-01: 00:30 → 03:30 local is four real hours.
    assert calendar.business_seconds(at(2026, 11, 1, 0, 30), at(2026, 11, 1, 3, 30)) == 4 * 3600


def test_nothing_outside_working_hours() -> None:
    calendar = BusinessCalendar(NY)
    assert calendar.business_seconds(at(2026, 11, 21, 10), at(2026, 11, 22, 20)) == 0  # weekend
    assert calendar.business_seconds(at(2026, 11, 23, 19), at(2026, 11, 24, 8)) == 0  # night


def test_adding_business_time_skips_nights_and_weekends() -> None:
    calendar = BusinessCalendar(NY)
    # Fri 15:00 + one business day (9 h): 3 h on Friday, 6 h on Monday → Mon 15:00.
    one_day = parse_duration("1bd")
    assert one_day.after(at(2026, 11, 20, 15), calendar) == at(2026, 11, 23, 15).astimezone(UTC)
    # Saturday + 4 business hours → Monday 13:00.
    four_hours = parse_duration("4bh")
    assert four_hours.after(at(2026, 11, 21, 11), calendar) == at(2026, 11, 23, 13).astimezone(UTC)


def test_wall_clock_durations_ignore_the_calendar() -> None:
    calendar = BusinessCalendar(NY)
    start = at(2026, 11, 21, 23, 50)
    assert parse_duration("15m").after(start, calendar) == at(2026, 11, 22, 0, 5)
    assert parse_duration("15m").after(start, calendar, times=2) == at(2026, 11, 22, 0, 20)
