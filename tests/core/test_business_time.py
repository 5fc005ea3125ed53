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


UTC_NIGHT = BusinessCalendar(ZoneInfo("UTC"), start=time(22, 0), end=time(6, 0))


def test_a_night_shift_across_midnight_belongs_to_the_day_it_starts() -> None:
    utc = ZoneInfo("UTC")
    assert UTC_NIGHT.workday_seconds == 8 * 3600
    # Mon 2026-11-23 23:00 → Tue 05:00: inside Monday's shift, six hours.
    assert UTC_NIGHT.business_seconds(
        at(2026, 11, 23, 23, tz=utc), at(2026, 11, 24, 5, tz=utc)
    ) == (6 * 3600)
    # Mon 21:00 → Tue 07:00 holds the whole shift, 22:00–06:00: eight hours.
    assert UTC_NIGHT.business_seconds(
        at(2026, 11, 23, 21, tz=utc), at(2026, 11, 24, 7, tz=utc)
    ) == (8 * 3600)
    # Fri 23:00 → Mon 23:00: Friday's shift to Saturday 06:00 (7 h), no weekend shift, then
    # Monday 22:00–23:00 (1 h).
    assert UTC_NIGHT.business_seconds(
        at(2026, 11, 27, 23, tz=utc), at(2026, 11, 30, 23, tz=utc)
    ) == (8 * 3600)
    assert UTC_NIGHT.is_working_time(at(2026, 11, 28, 3, tz=utc))  # Saturday 03:00: Friday's
    assert not UTC_NIGHT.is_working_time(at(2026, 11, 29, 3, tz=utc))  # Sunday 03:00
    # An hour of working time from Mon 23:30 ends at Tue 00:30.
    assert UTC_NIGHT.add_business_seconds(at(2026, 11, 23, 23, 30, tz=utc), 3600) == at(
        2026, 11, 24, 0, 30, tz=utc
    )


def test_a_night_shift_over_a_daylight_saving_change_counts_real_hours() -> None:
    night = BusinessCalendar(NY, start=time(22, 0), end=time(6, 0), workdays=frozenset(range(7)))
    # Clocks went back at 02:00 on Sun 2026-11-01: Saturday's shift, 22:00 EDT → 06:00 EST,
    # lasted nine real hours.
    assert night.business_seconds(at(2026, 10, 31, 21), at(2026, 11, 1, 7)) == 9 * 3600
    # Clocks went forward at 02:00 on Sun 2026-03-08: Saturday's shift lasted seven.
    assert night.business_seconds(at(2026, 3, 7, 21), at(2026, 3, 8, 7)) == 7 * 3600


def test_a_holiday_takes_the_night_shift_that_starts_on_it() -> None:
    night = BusinessCalendar(NY, start=time(22, 0), end=time(6, 0), country="US")
    # Thanksgiving, Thu 2026-11-26: no shift that night; Wednesday's ends Thursday 06:00.
    assert night.business_seconds(at(2026, 11, 26, 0), at(2026, 11, 27, 6)) == 6 * 3600
