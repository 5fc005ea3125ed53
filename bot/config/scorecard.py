"""The scorecard's KPIs and their default bands: green, amber, red beyond.

Each band can be changed in BATON_ALERTS_FILE, in the table of the KPI's alert rule
(`[scorecard_first_time_fix_rate]`: `green`, `amber`, and `sprints` or `days` where the KPI
counts them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType


class Better(StrEnum):
    HIGHER = "higher"
    LOWER = "lower"


@dataclass(frozen=True)
class Band:
    """Where a KPI turns amber and red. A value at `green` or better is green; at `amber` or
    better, amber; worse, red. `strict`: the value must be strictly better than the line."""

    green: float | None
    amber: float | None
    better: Better
    strict: bool = False
    sprints: int | None = None  # over the last k sprints
    days: int | None = None  # over the last n days


SLACK_KPIS = ("nps", "response_latency", "blocker_resolution_rate", "escalations_per_sprint")
FINANCE_KPIS = ("burn_vs_forecast", "budget_vs_milestones")
PEOPLE_KPIS = ("key_role_attrition",)

HIGHER, LOWER = Better.HIGHER, Better.LOWER
DEFAULT_BANDS: Mapping[str, Band] = MappingProxyType(
    {
        # A round below 50 is amber; two closed rounds in a row below 50 are red.
        "nps": Band(50, None, HIGHER),
        "response_latency": Band(0.90, 0.80, HIGHER, days=28),
        "blocker_resolution_rate": Band(0.85, 0.70, HIGHER, days=28),
        "escalations_per_sprint": Band(1.5, 2.0, LOWER),
        # A slope of 0 or less is amber once operation is 90 days old; never red.
        "velocity_trend": Band(0, None, HIGHER, strict=True, sprints=6),
        "milestones_on_schedule": Band(0.90, 0.70, HIGHER, sprints=6),
        # Below green: red within 92 days of the Transfer; else amber unless projected green.
        "kt_completion": Band(0.80, None, HIGHER, sprints=6),
        "first_time_fix_rate": Band(0.85, 0.70, HIGHER, sprints=2),
        # Above 1 is amber; above 1 in each of the last 2 sprints is red.
        "burn_vs_forecast": Band(1.0, None, LOWER, sprints=2),
        "budget_vs_milestones": Band(10, 20, LOWER, strict=True),
        "key_role_attrition": Band(0.15, 0.20, LOWER, sprints=6),
        "deployment_frequency": Band(1.0, 0.25, HIGHER, sprints=2),
        "lead_time_for_changes": Band(168, 730, LOWER, strict=True, sprints=2),
        "change_failure_rate": Band(0.15, 0.30, LOWER, sprints=2),
        "time_to_restore": Band(24, 168, LOWER, strict=True, sprints=2),
    }
)
KPI_NAMES = tuple(DEFAULT_BANDS)
