"""Hand-worked scorecards: each value and colour worked out here from the README's definitions.

Sprints are 14 days long; sprint k ends on FIRST + 14·k days. The scorecard is taken on the day
sprint 6 ended unless a test says otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date, timedelta

import pytest

from bot.config.scorecard import DEFAULT_BANDS
from bot.kpi.scorecard import (
    AMBER,
    GREEN,
    RED,
    UNKNOWN,
    Inputs,
    Scorecard,
    Sprinted,
    as_json,
    compute,
)

# The keys of `baton kpi scorecard --json`, in the order the README gives them.
JSON_KEYS = ["as_of", "operate_start", "transfer_date", "days_to_transfer", "readiness", "kpis"]
FIRST = date(2026, 1, 5)  # a Monday: sprint 1 starts here
DAYS = 14


def end_of(sprint: int) -> date:
    return FIRST + timedelta(days=DAYS * sprint)


SPRINT_6_ENDS = end_of(6)  # 2026-03-30

# A team green everywhere, sprint by sprint (sprint 1 first).
GREEN_TEAM: dict[str, list[float]] = {
    "points_delivered": [20, 22, 24, 26, 28, 30],  # slope +2 a sprint
    "milestones_due": [2, 2, 2, 2, 2, 2],
    "milestones_on_schedule": [2, 2, 2, 2, 2, 2],  # 12 of 12 over six sprints: 1.0
    "kt_items_total": [100] * 6,
    "kt_items_validated": [80, 82, 84, 86, 88, 90],  # 0.90 in sprint 6
    "tickets_resolved": [50] * 6,
    "tickets_first_time_fixed": [45] * 6,  # 90 of 100 over sprints 5 and 6: 0.90
    "spend": [90] * 6,
    "forecast": [100] * 6,  # 0.90 of forecast
    "budget_consumed_pct": [10, 20, 30, 40, 50, 55],
    "milestones_completed_pct": [10, 20, 30, 40, 50, 50],  # 5 points apart
    "key_roles": [50] * 6,
    "key_role_leavers": [0] * 6,  # attrition 0
    "deployments": [10] * 6,  # 20 in 28 days: 5 a week
    "failed_changes": [1] * 6,  # 2 of 20: 0.10
    "lead_time_hours": [24, 24, 24, 24, 24, 48],  # median of 24 and 48: 36 h
    "restore_hours": [2, 2, 2, 2, 2, 4],  # median of 2 and 4: 3 h
}


def sprints(fields: Mapping[str, list[float | None]]) -> list[Sprinted]:
    """Six ended sprints with these numbers, newest first, as the scorecard reads them."""
    rows = []
    for number in range(1, 7):
        values = {name: series[number - 1] for name, series in fields.items()}
        rows.append(Sprinted(number, end_of(number), DAYS, values))
    return rows[::-1]


def inputs(fields: Mapping[str, list[float | None]] = GREEN_TEAM, **changes: object) -> Inputs:
    base = Inputs(
        as_of=SPRINT_6_ENDS,
        operate_start=FIRST,
        transfer_date=SPRINT_6_ENDS + timedelta(days=300),
        sprints=sprints(fields),
        nps_scores=[60, 40],
        within_sla_rate=0.95,
        resolution_rate=0.90,
        escalations_last_sprint=3,
        escalations_baseline_per_sprint=4.0,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def card(**changes: object) -> Scorecard:
    return compute(inputs(**changes), DEFAULT_BANDS)


def with_fields(**series: list[float | None]) -> dict[str, list[float | None]]:
    return {**GREEN_TEAM, **series}


def test_a_team_green_everywhere_is_fully_ready() -> None:
    found = card()
    expected = {
        "nps": 60,  # the latest closed round, at or above 50
        "response_latency": 0.95,
        "blocker_resolution_rate": 0.90,
        "escalations_per_sprint": 0.75,  # 3 opened ÷ 4 a sprint
        "velocity_trend": 2.0,
        "milestones_on_schedule": 1.0,
        "kt_completion": 0.90,
        "first_time_fix_rate": 0.90,
        "burn_vs_forecast": 0.90,
        "budget_vs_milestones": 5.0,
        "key_role_attrition": 0.0,
        "deployment_frequency": 5.0,
        "lead_time_for_changes": 36.0,
        "change_failure_rate": 0.10,
        "time_to_restore": 3.0,
    }
    assert {name: kpi.value for name, kpi in found.kpis.items()} == pytest.approx(expected)
    assert {kpi.status for kpi in found.kpis.values()} == {GREEN}
    assert found.readiness == 1.0
    assert found.days_to_transfer == 300


def test_burning_over_forecast_twice_running_is_red_and_once_amber() -> None:
    twice = card(fields=with_fields(spend=[90, 90, 90, 90, 110, 120]))
    assert twice.kpis["burn_vs_forecast"].value == pytest.approx(1.20)  # 120 ÷ 100
    assert twice.kpis["burn_vs_forecast"].status == RED  # 1.1 and 1.2: both above 1
    once = card(fields=with_fields(spend=[90, 90, 90, 90, 90, 120]))
    assert once.kpis["burn_vs_forecast"].status == AMBER
    exactly = card(fields=with_fields(spend=[90, 90, 90, 90, 100, 100]))
    assert exactly.kpis["burn_vs_forecast"].status == GREEN  # 1.0 is not above 1


def test_sixty_percent_spent_for_forty_percent_delivered_is_red_at_twenty_points() -> None:
    found = card(
        fields=with_fields(
            budget_consumed_pct=[10, 20, 30, 40, 50, 60],
            milestones_completed_pct=[10, 20, 30, 30, 35, 40],
        )
    )
    assert found.kpis["budget_vs_milestones"].value == 20.0  # 60 − 40
    assert found.kpis["budget_vs_milestones"].status == RED  # red from 20
    nineteen = card(
        fields=with_fields(budget_consumed_pct=[0] * 5 + [59], milestones_completed_pct=[0] * 6)
    )
    assert nineteen.kpis["budget_vs_milestones"].status == RED  # 59 points
    amber = card(
        fields=with_fields(
            budget_consumed_pct=[0] * 5 + [55], milestones_completed_pct=[0] * 5 + [40]
        )
    )
    assert amber.kpis["budget_vs_milestones"].status == AMBER  # 15: below 20, not below 10


def test_two_key_role_leavers_of_fifty_in_six_sprints_is_amber() -> None:
    found = card(fields=with_fields(key_role_leavers=[0, 1, 0, 0, 1, 0]))
    # 2 ÷ 50 × 365 ÷ (6 × 14 days) = 0.04 × 4.3452… = 0.17381
    assert found.kpis["key_role_attrition"].value == pytest.approx(2 / 50 * 365 / 84)
    assert found.kpis["key_role_attrition"].value == pytest.approx(0.1738, abs=1e-4)
    assert found.kpis["key_role_attrition"].status == AMBER  # above 0.15, at most 0.20


def test_knowledge_transfer_at_55_percent_is_amber_150_days_out_and_red_30_days_out() -> None:
    slow = with_fields(kt_items_validated=[50, 51, 52, 53, 54, 55])
    far = card(fields=slow, transfer_date=SPRINT_6_ENDS + timedelta(days=150))
    kt = far.kpis["kt_completion"]
    assert kt.value == pytest.approx(0.55)
    # One point every 14 days: at the Transfer, 150 days after sprint 6 ended,
    # 55% + 150 ÷ 14 × 1% = 65.71%.
    assert kt.projection is not None
    assert kt.projection.value == pytest.approx(0.55 + 150 / 14 * 0.01)
    assert kt.projection.sprints == (1, 2, 3, 4, 5, 6)
    assert kt.status == AMBER  # below 80%, and projected below it
    near = card(fields=slow, transfer_date=SPRINT_6_ENDS + timedelta(days=30))
    assert near.kpis["kt_completion"].status == RED  # below 80% within 92 days of the Transfer
    fast = with_fields(kt_items_validated=[30, 35, 40, 45, 50, 55])
    on_pace = card(fields=fast, transfer_date=SPRINT_6_ENDS + timedelta(days=150))
    assert on_pace.kpis["kt_completion"].status == GREEN  # 55% + 150 ÷ 14 × 5%: past 80%
    assert on_pace.kpis["kt_completion"].projection.value == 1.0  # clamped


def test_knowledge_transfer_without_a_transfer_date_or_enough_sprints_is_amber() -> None:
    slow = with_fields(kt_items_validated=[50, 51, 52, 53, 54, 55])
    assert card(fields=slow, transfer_date=None).kpis["kt_completion"].status == AMBER
    two_sprints = with_fields(kt_items_total=[None] * 4 + [100, 100])
    found = card(fields=two_sprints).kpis["kt_completion"]
    assert found.projection is None  # a line needs 3 sprints
    assert found.value == 0.90 and found.status == GREEN


def test_a_falling_velocity_is_amber_only_after_ninety_days() -> None:
    falling = with_fields(points_delivered=[30, 28, 26, 24, 22, 20])
    # Sprint 6 ended 84 days after the first Monday: inside the first 90 days.
    early = card(fields=falling).kpis["velocity_trend"]
    assert early.value == pytest.approx(-2.0)
    assert early.status == GREEN
    later = card(fields=falling, as_of=FIRST + timedelta(days=90)).kpis["velocity_trend"]
    assert later.status == AMBER
    flat = card(fields=with_fields(points_delivered=[25] * 6), as_of=FIRST + timedelta(days=95))
    assert flat.kpis["velocity_trend"].status == AMBER  # a slope of 0 is not up


@pytest.mark.parametrize(
    ("deployments", "failed", "lead", "restore", "expected"),
    [
        # Over sprints 5 and 6 (28 days). Deployments a week: Σ × 7 ÷ 28.
        ((2, 2), (0, 0), (167, 167), (23, 23), {"deployment_frequency": GREEN}),  # 1.0 a week
        ((0, 1), (0, 0), (167, 167), (23, 23), {"deployment_frequency": AMBER}),  # 0.25
        ((0, 0), (0, 0), (167, 167), (23, 23), {"deployment_frequency": RED}),  # 0
        # Change failure rate: Σ failed ÷ Σ deployments.
        ((10, 10), (1, 2), (167, 167), (23, 23), {"change_failure_rate": GREEN}),  # 0.15
        ((10, 10), (3, 3), (167, 167), (23, 23), {"change_failure_rate": AMBER}),  # 0.30
        ((10, 10), (3, 4), (167, 167), (23, 23), {"change_failure_rate": RED}),  # 0.35
        # Lead time: the median of the two sprints' medians; green below 168 h.
        ((10, 10), (0, 0), (168, 168), (23, 23), {"lead_time_for_changes": AMBER}),  # 168
        ((10, 10), (0, 0), (167, 168), (23, 23), {"lead_time_for_changes": GREEN}),  # 167.5
        ((10, 10), (0, 0), (729, 729), (23, 23), {"lead_time_for_changes": AMBER}),
        ((10, 10), (0, 0), (730, 730), (23, 23), {"lead_time_for_changes": RED}),
        # Time to restore: green below 24 h, amber below 168 h.
        ((10, 10), (0, 0), (1, 1), (24, 24), {"time_to_restore": AMBER}),
        ((10, 10), (0, 0), (1, 1), (22, 24), {"time_to_restore": GREEN}),  # 23
        ((10, 10), (0, 0), (1, 1), (167, 167), {"time_to_restore": AMBER}),
        ((10, 10), (0, 0), (1, 1), (168, 168), {"time_to_restore": RED}),
    ],
)
def test_each_dora_key_at_its_band_edges(
    deployments: tuple[float, float],
    failed: tuple[float, float],
    lead: tuple[float, float],
    restore: tuple[float, float],
    expected: dict[str, str],
) -> None:
    def last_two(pair: tuple[float, float]) -> list[float | None]:
        return [pair[0]] * 5 + [pair[1]]

    fields = with_fields(
        deployments=last_two(deployments),
        failed_changes=last_two(failed),
        lead_time_hours=last_two(lead),
        restore_hours=last_two(restore),
    )
    found = card(fields=fields)
    assert {name: found.kpis[name].status for name in expected} == expected


def test_nps_two_rounds_below_50_is_red() -> None:
    assert card(nps_scores=[45, 60]).kpis["nps"].status == AMBER
    assert card(nps_scores=[45, 30]).kpis["nps"].status == RED
    assert card(nps_scores=[50]).kpis["nps"].status == GREEN
    assert card(nps_scores=[]).kpis["nps"].status == UNKNOWN


def test_the_slack_kpis_at_their_lines() -> None:
    edges = card(within_sla_rate=0.90, resolution_rate=0.85, escalations_last_sprint=6)
    assert edges.kpis["response_latency"].status == GREEN
    assert edges.kpis["blocker_resolution_rate"].status == GREEN
    assert edges.kpis["escalations_per_sprint"].status == GREEN  # 6 ÷ 4 = 1.5
    below = card(within_sla_rate=0.79, resolution_rate=0.70, escalations_last_sprint=9)
    assert below.kpis["response_latency"].status == RED
    assert below.kpis["blocker_resolution_rate"].status == AMBER
    assert below.kpis["escalations_per_sprint"].status == RED  # 2.25


def test_a_kpi_without_data_is_unknown_and_left_out_of_readiness() -> None:
    found = card(fields=with_fields(restore_hours=[None] * 6, points_delivered=[None] * 6))
    ttr = found.kpis["time_to_restore"]
    assert (ttr.status, ttr.value) == (UNKNOWN, None)
    assert "restore_hours" in (ttr.reason or "")
    assert found.kpis["velocity_trend"].status == UNKNOWN
    assert found.readiness == 1.0  # 13 known, 13 green


def test_a_sprint_without_a_number_is_skipped_for_the_ones_before() -> None:
    # Sprint 6 has no support numbers: the last 2 sprints with them are 4 and 5.
    gapped = with_fields(
        tickets_resolved=[50, 50, 50, 10, 20, None],
        tickets_first_time_fixed=[45, 45, 45, 5, 10, None],
    )
    ftfr = card(fields=gapped).kpis["first_time_fix_rate"]
    assert ftfr.value == pytest.approx(15 / 30)  # (5 + 10) ÷ (10 + 20)
    assert ftfr.sprints == (5, 4)
    assert ftfr.status == RED  # below 0.70


def test_zero_denominators_make_each_kpi_unknown_with_its_reason() -> None:
    zeros = with_fields(
        tickets_resolved=[0] * 6,
        tickets_first_time_fixed=[0] * 6,
        milestones_due=[0] * 6,
        milestones_on_schedule=[0] * 6,
        kt_items_total=[0] * 6,
        kt_items_validated=[0] * 6,
        forecast=[0] * 6,
        key_roles=[0] * 6,
        deployments=[0] * 6,
        failed_changes=[0] * 6,
    )
    found = card(fields=zeros, escalations_baseline_per_sprint=0.0)
    for name, word in {
        "first_time_fix_rate": "tickets_resolved",
        "milestones_on_schedule": "milestones_due",
        "kt_completion": "kt_items_total",
        "burn_vs_forecast": "forecast",
        "key_role_attrition": "key_roles",
        "change_failure_rate": "deployments",
        "escalations_per_sprint": "baseline",
    }.items():
        kpi = found.kpis[name]
        assert kpi.status == UNKNOWN, name
        assert word in (kpi.reason or ""), (name, kpi.reason)
    # No deployment is a frequency of 0 a week, not an unknown.
    assert found.kpis["deployment_frequency"].status == RED


def test_missing_data_of_every_kind_is_unknown() -> None:
    empty = card(
        fields={},
        nps_scores=[],
        within_sla_rate=None,
        resolution_rate=None,
        escalations_last_sprint=None,
    )
    assert {kpi.status for kpi in empty.kpis.values()} == {UNKNOWN}
    assert all(kpi.reason for kpi in empty.kpis.values())
    assert empty.readiness is None


def test_the_json_keys() -> None:
    found = as_json(card(fields=with_fields(kt_items_validated=[50, 51, 52, 53, 54, 55])))
    assert list(found) == JSON_KEYS
    assert found["as_of"] == "2026-03-30" and found["transfer_date"] == "2027-01-24"
    kt = found["kpis"]["kt_completion"]
    assert kt["threshold"] == {"green": 0.8, "amber": None, "better": "higher"}
    assert kt["projection"]["at"] == "2027-01-24" and kt["unit"] == "rate"
    assert set(found["kpis"]["nps"]) >= {"status", "value", "threshold"}
    # 14 of 15 green (knowledge transfer is not): readiness 14 ÷ 15.
    assert found["readiness"] == round(14 / 15, 4)


def test_leads_see_every_kpi_and_the_rest_only_what_slack_measures() -> None:
    full = card(fields=with_fields(spend=[90, 90, 90, 90, 110, 120]))
    shown = full.shown_to(False)
    assert "burn_vs_forecast" not in shown.kpis and "key_role_attrition" not in shown.kpis
    assert set(shown.hidden) == {"burn_vs_forecast", "budget_vs_milestones", "key_role_attrition"}
    assert shown.readiness == full.readiness == 14 / 15  # the hidden red one still counts
    assert full.shown_to(True) is full
