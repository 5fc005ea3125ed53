"""The weekly layer on hand-worked frames: weeks, weekly figures, baselines, changes, trends."""

from __future__ import annotations

import math
import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pytest

from bot.core.business_time import BusinessCalendar
from bot.core.durations import parse_duration
from bot.core.weeks import DigestSchedule, due_week, parse_schedule
from bot.kpi.blockers import blocker_frame, blocker_kpis
from bot.kpi.deadlines import deadlines
from bot.kpi.escalations import escalation_frame, escalation_kpis
from bot.kpi.period import Period
from bot.kpi.weekly import (
    Weeks,
    baseline,
    blocker_weeks,
    change,
    escalation_weeks,
    first_monday,
    mask_before,
    quantile,
    row,
    scale_counts,
    trend,
)

UTC_ZONE = ZoneInfo("UTC")
NEW_YORK = ZoneInfo("America/New_York")


def t(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def test_weeks_start_at_local_midnight_on_monday_across_daylight_saving() -> None:
    weeks = Weeks.ending(date(2026, 11, 2), 2, NEW_YORK)  # DST ends Sunday Nov 1
    assert weeks.mondays == [date(2026, 10, 26), date(2026, 11, 2)]
    assert weeks.edges == [
        datetime(2026, 10, 26, 4, tzinfo=UTC),  # EDT, UTC−4
        datetime(2026, 11, 2, 5, tzinfo=UTC),  # EST, UTC−5: that week had 169 hours
        datetime(2026, 11, 9, 5, tzinfo=UTC),
    ]
    assert first_monday(date(2026, 11, 11)) == date(2026, 11, 16)
    assert first_monday(date(2026, 11, 16)) == date(2026, 11, 16)


WEEKS = Weeks(date(2026, 11, 9), 2, UTC_ZONE)  # [Nov 9, Nov 16), [Nov 16, Nov 23)


def esc(id_: int, created, ack=None, resolved=None, sev: int = 2) -> dict:
    status = "resolved" if resolved else "acknowledged" if ack else "open"
    return {
        "id": id_,
        "severity": sev,
        "status": status,
        "created_at": created,
        "acknowledged_at": ack,
        "resolved_at": resolved,
    }


ESCALATIONS = [
    esc(1, t(10, 10), ack=t(10, 10, 10), resolved=t(10, 12)),  # week 1: ack 600 s, res 7200 s
    esc(2, t(13, 9), ack=t(16, 9, 30)),  # opened week 1, acknowledged week 2 after 261000 s
    esc(3, datetime(2026, 11, 2, 9, tzinfo=UTC), resolved=t(17, 9)),  # resolved wk 2: 1296000 s
    esc(4, t(20, 12)),  # opened week 2, untouched
]


def test_escalation_weeks_worked_by_hand() -> None:
    weekly = escalation_weeks(escalation_frame(ESCALATIONS), WEEKS)
    assert row(weekly, date(2026, 11, 9)) == {
        "opened": 2.0,  # 1, 2
        "acknowledged": 1.0,  # 1
        "resolved": 1.0,  # 1
        "open_now": 2.0,  # at Nov 16 00:00: 2 and 3
        "mtta_seconds": 600.0,
        "mttr_seconds": 7200.0,
    }
    assert row(weekly, date(2026, 11, 16)) == {
        "opened": 1.0,  # 4
        "acknowledged": 1.0,  # 2
        "resolved": 1.0,  # 3
        "open_now": 2.0,  # at Nov 23 00:00: 2 and 4
        "mtta_seconds": 261000.0,
        "mttr_seconds": 1296000.0,
    }


def test_a_weeks_row_is_what_the_period_engine_gives_for_that_week() -> None:
    rng = random.Random(7)
    rows = []
    for id_ in range(300):
        created = t(1, 0) + timedelta(minutes=rng.randrange(0, 60 * 24 * 30))
        ack = created + timedelta(minutes=rng.randrange(1, 3000)) if rng.random() < 0.7 else None
        resolved = (
            (ack or created) + timedelta(minutes=rng.randrange(1, 9000))
            if rng.random() < 0.6
            else None
        )
        rows.append(esc(id_, created, ack, resolved, sev=rng.randint(1, 4)))
    frame = escalation_frame(rows)
    weekly = escalation_weeks(frame, WEEKS)
    for monday in WEEKS.mondays:
        start = datetime.combine(monday, time(0), UTC)
        expected = escalation_kpis(frame, Period(start, start + timedelta(days=7), 7))
        expected.pop("by_severity")
        got = row(weekly, monday)
        for key, value in expected.items():
            assert got[key] == pytest.approx(value, abs=0.001), key


def blk(id_: int, created, resolved=None) -> dict:
    status = "resolved" if resolved else "open"
    return {"id": id_, "status": status, "created_at": created, "resolved_at": resolved}


CALENDAR = BusinessCalendar(UTC_ZONE)  # Mon–Fri 09:00–18:00
SLA = parse_duration("2bd")  # 18 business hours
BLOCKERS = [
    blk(1, t(9, 10), resolved=t(11, 9)),  # due Wed 11 10:00: on time; 169200 s
    blk(2, t(12, 15), resolved=t(17, 10)),  # due Mon 16 15:00: late; 414000 s
    blk(3, t(13, 17)),  # due Tue 17 17:00; open
    blk(4, t(20, 10)),  # due Tue 24 10:00, after as_of; open
]


def _blocker_frame() -> pd.DataFrame:
    return blocker_frame(BLOCKERS, lambda created: SLA.after(created, CALENDAR))


def test_blocker_weeks_worked_by_hand() -> None:
    weekly = blocker_weeks(_blocker_frame(), WEEKS, as_of=t(23, 0))
    assert row(weekly, date(2026, 11, 9)) == {
        "opened": 3.0,  # 1, 2, 3
        "resolved": 1.0,  # 1
        "open_now": 2.0,  # at Nov 16 00:00: 2 and 3
        "overdue": 0.0,  # neither was due yet
        "resolution_rate": pytest.approx(1 / 3),  # windows ended: 1, 2, 3; on time: 1
        "median_resolve_seconds": 169200.0,
    }
    assert row(weekly, date(2026, 11, 16)) == {
        "opened": 1.0,
        "resolved": 1.0,  # 2
        "open_now": 2.0,  # 3 and 4
        "overdue": 1.0,  # 3, due Nov 17
        "resolution_rate": None,  # 4's window is still open
        "median_resolve_seconds": 414000.0,
    }
    period = Period(t(16, 0), t(23, 0), 7)
    figures = blocker_kpis(_blocker_frame(), period)
    assert figures == {
        "opened": 1,
        "resolved": 1,
        "open_now": 2,
        "overdue": 1,
        "resolution_rate": None,
        "median_resolve_seconds": 414000.0,
    }


@pytest.mark.parametrize(
    "calendar",
    [
        BusinessCalendar(NEW_YORK, country="US"),
        # A night shift across midnight, its days' holidays and daylight-saving nights included.
        BusinessCalendar(NEW_YORK, start=time(22, 0), end=time(6, 0), country="US"),
    ],
)
def test_vectorised_deadlines_match_duration_after(calendar: BusinessCalendar) -> None:
    rng = random.Random(11)
    starts = [
        datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(0, 86400 * 400))
        for _ in range(500)
    ]
    for text in ("2bd", "4bh", "0.5bh", "3h"):
        duration = parse_duration(text)
        got = deadlines(pd.Series([*starts, None]), duration, calendar)
        assert [moment.to_pydatetime() for moment in got[:-1]] == [
            duration.after(start, calendar) for start in starts
        ]
        assert pd.isna(got.iloc[-1])


def test_weeks_before_measurement_are_gaps_not_zeros() -> None:
    weekly = escalation_weeks(escalation_frame([]), WEEKS)
    assert row(weekly, date(2026, 11, 9))["opened"] == 0.0
    masked = mask_before(weekly, date(2026, 11, 18))  # a Wednesday in week 2
    assert row(masked, date(2026, 11, 9))["opened"] is None
    assert row(masked, date(2026, 11, 16))["opened"] == 0.0


def weekly_series(values: list[float]) -> pd.DataFrame:
    index = pd.DatetimeIndex(
        [pd.Timestamp(date(2026, 9, 7) + timedelta(weeks=n)) for n in range(len(values))]
    )
    return pd.DataFrame({"opened": values}, index=index)


def test_baseline_is_the_median_of_the_first_weeks_with_data() -> None:
    frame = weekly_series([4, 6, math.nan, 2, 10, 8, 100, 100])
    # Weeks 1–6: 4, 6, 2, 10, 8 (week 3 has no data) → median 6; weeks 7–8 do not count.
    assert baseline(frame, date(2026, 9, 7), 6) == {"opened": 6.0}
    assert baseline(frame, date(2026, 9, 7), 2) == {"opened": 5.0}
    assert baseline(frame, date(2027, 1, 4), 6) == {"opened": None}


def test_trend_is_the_least_squares_slope_per_week() -> None:
    frame = weekly_series([9, 9, 2, 4, math.nan, 4, 0, 0])
    end = date(2026, 9, 7) + timedelta(weeks=6)  # the points of weeks 2, 3, 5 only
    # Points (0, 2), (1, 4), (3, 4): slope = Σ(x−x̄)(y−ȳ) ÷ Σ(x−x̄)² = (24/9) ÷ (42/9) = 4/7.
    assert trend(frame["opened"], end, weeks=4) == pytest.approx(4 / 7)
    assert trend(frame["opened"].iloc[:1], end) is None


def test_change_against_a_reference() -> None:
    assert change(5, 4) == 0.25
    assert change(3, 4) == -0.25
    assert change(-10, 20) == -1.5
    assert change(1, 0) is None
    assert change(None, 4) is None
    assert change(2, None) is None


def test_a_weekly_baseline_scales_to_the_period_for_counts_only() -> None:
    scaled = scale_counts({"opened": 7.0, "open_now": 3.0, "mtta_seconds": 600.0}, 30)
    assert scaled == {"opened": 30.0, "open_now": 3.0, "mtta_seconds": 600.0}


def test_quantiles_are_pandas_linear_interpolation() -> None:
    values = [10.0, 20.0, 40.0, 80.0, 160.0]
    for q in (0.5, 0.9, 0.25):
        assert quantile(values, q) == pd.Series(values).quantile(q)
    # (5 − 1) × 0.9 = 3.6: 80 + 0.6 × (160 − 80) = 128
    assert quantile(values, 0.9) == 128.0
    assert quantile([], 0.5) is None


@pytest.mark.parametrize(
    ("raw", "schedule"),
    [
        ("mon 09:00", DigestSchedule(0, time(9))),
        ("Friday 17:30", DigestSchedule(4, time(17, 30))),
        ("sun 7:05", DigestSchedule(6, time(7, 5))),
    ],
)
def test_digest_schedules(raw: str, schedule: DigestSchedule) -> None:
    assert parse_schedule(raw) == schedule


@pytest.mark.parametrize("raw", ["monday", "mon 25:00", "funday 09:00", "09:00 mon", "mo 09:00"])
def test_bad_digest_schedules(raw: str) -> None:
    with pytest.raises(ValueError):
        parse_schedule(raw)


def test_the_digest_due_covers_the_last_full_week_once_its_time_has_come() -> None:
    schedule = DigestSchedule(0, time(9))
    # Monday Nov 23 08:59 in New York: this week's digest is not due; last week's covered Nov 9.
    before = datetime(2026, 11, 23, 13, 59, tzinfo=UTC)
    assert due_week(before, schedule, NEW_YORK) == date(2026, 11, 9)
    at = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)  # 09:00 EST
    assert due_week(at, schedule, NEW_YORK) == date(2026, 11, 16)
    # Still the same week's digest all week long, until next Monday 09:00.
    assert due_week(datetime(2026, 11, 29, 23, tzinfo=UTC), schedule, NEW_YORK) == date(
        2026, 11, 16
    )


def test_numpy_nat_is_never_counted_in_a_week() -> None:
    from bot.kpi.weekly import week_numbers

    numbers = week_numbers(pd.Series([t(10, 0), None, t(30, 0)]), WEEKS)
    assert numbers.tolist() == [0, -1, -1]
    assert isinstance(numbers, np.ndarray)
