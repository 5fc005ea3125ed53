"""Escalation and blocker KPIs on hand-worked frames (the README's definitions)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.core.business_time import BusinessCalendar
from bot.core.durations import parse_duration
from bot.core.errors import InvalidInput
from bot.kpi.blockers import blocker_frame, blocker_kpis
from bot.kpi.escalations import escalation_frame, escalation_kpis
from bot.kpi.period import Period, parse_span


def t(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def esc(id_: int, sev: int, created, ack=None, resolved=None) -> dict:
    status = "resolved" if resolved else "acknowledged" if ack else "open"
    return {
        "id": id_,
        "severity": sev,
        "status": status,
        "created_at": created,
        "acknowledged_at": ack,
        "resolved_at": resolved,
    }


def test_escalation_figures_worked_by_hand() -> None:
    period = Period.ending(t(23, 0), 7)  # [Nov 16 00:00, Nov 23 00:00)
    frame = escalation_frame(
        [
            esc(
                1, 1, t(17, 10), ack=t(17, 10, 10), resolved=t(17, 12)
            ),  # ack 600 s, resolve 7200 s
            esc(2, 2, t(18, 9), ack=t(18, 9, 30)),  # ack 1800 s, still open
            esc(3, 3, t(10, 9), ack=t(10, 10), resolved=t(16, 9)),  # resolved in period: 518400 s
            esc(4, 1, t(22, 23)),  # opened, untouched
            esc(5, 4, t(1, 9), resolved=t(5, 9)),  # all before the period
            esc(6, 2, t(20, 12), resolved=t(23, 1)),  # resolved after the period's end
        ]
    )
    figures = escalation_kpis(frame, period)
    by_severity = figures.pop("by_severity")
    assert figures == {
        "opened": 4,  # 1, 2, 4, 6
        "acknowledged": 2,  # 1, 2
        "resolved": 2,  # 1, 3
        "open_now": 3,  # 2, 4, 6 (resolved only after the end)
        "mtta_seconds": 1200.0,  # mean(600, 1800)
        "mttr_seconds": 262800.0,  # mean(7200, 518400)
    }
    assert by_severity["sev1"] == {
        "opened": 2,
        "acknowledged": 1,
        "resolved": 1,
        "open_now": 1,
        "mtta_seconds": 600.0,
        "mttr_seconds": 7200.0,
    }
    assert by_severity["sev2"]["open_now"] == 2
    assert by_severity["sev2"]["mttr_seconds"] is None
    assert by_severity["sev3"]["mttr_seconds"] == 518400.0
    assert by_severity["sev4"] == {
        "opened": 0,
        "acknowledged": 0,
        "resolved": 0,
        "open_now": 0,
        "mtta_seconds": None,
        "mttr_seconds": None,
    }


def test_no_escalations_gives_zeros_and_nulls() -> None:
    figures = escalation_kpis(escalation_frame([]), Period.ending(t(23, 0), 7))
    assert figures["opened"] == 0
    assert figures["mtta_seconds"] is None and figures["mttr_seconds"] is None


def blk(id_: int, created, resolved=None) -> dict:
    return {
        "id": id_,
        "status": "resolved" if resolved else "open",
        "created_at": created,
        "resolved_at": resolved,
    }


def test_blocker_figures_worked_by_hand() -> None:
    calendar = BusinessCalendar(ZoneInfo("UTC"))  # Mon–Fri 09:00–18:00
    sla = parse_duration("2bd")  # 18 business hours
    period = Period.ending(t(23, 12), 7)  # [Mon Nov 16 12:00, Mon Nov 23 12:00)
    frame = blocker_frame(
        [
            blk(1, t(16, 14), resolved=t(18, 10)),  # due Wed 18 14:00: on time; 158400 s
            blk(2, t(17, 17), resolved=t(20, 10)),  # due Thu 19 17:00: late; 234000 s
            blk(3, t(19, 10)),  # due Mon 23 10:00: window ended, overdue
            blk(4, t(20, 16)),  # due Tue 24 16:00: window still open
            blk(5, t(10, 9), resolved=t(16, 13)),  # raised before; resolved in period: 532800 s
            blk(6, t(23, 11), resolved=t(23, 11, 30)),  # window open, resolved: 1800 s
        ],
        lambda created: sla.after(created, calendar),
    )
    assert blocker_kpis(frame, period) == {
        "opened": 5,
        "resolved": 4,
        "open_now": 2,
        "overdue": 1,
        "resolution_rate": 0.3333,  # 1 on time of 3 whose window ended
        "median_resolve_seconds": 196200.0,  # median(1800, 158400, 234000, 532800)
    }


def test_resolution_rate_is_null_until_a_window_ends() -> None:
    calendar = BusinessCalendar(ZoneInfo("UTC"))
    sla = parse_duration("2bd")
    frame = blocker_frame([blk(1, t(23, 11))], lambda c: sla.after(c, calendar))
    assert blocker_kpis(frame, Period.ending(t(23, 12), 7))["resolution_rate"] is None


@pytest.mark.parametrize(
    ("token", "days"),
    [("7d", 7), ("30d", 30), ("90d", 90), ("4w", 28), ("52w", 364), ("365d", 365)],
)
def test_spans(token: str, days: int) -> None:
    assert parse_span(token) == days


def test_a_span_over_a_year_is_refused() -> None:
    with pytest.raises(InvalidInput, match="1 to 365 days"):
        parse_span("400d")
    assert parse_span("escalations") is None
