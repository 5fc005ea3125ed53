"""Settings of the KPI engine: when operation started, the baseline weeks, the sprint length."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.config.parsing import Env, Variable, int_between, read_part


@dataclass(frozen=True)
class KpiSettings:
    """BATON_OPERATE_START, BATON_BASELINE_WEEKS, BATON_SPRINT_DAYS."""

    # None: from the first thing Baton recorded.
    operate_start: date | None = None
    baseline_weeks: int = 6
    sprint_days: int = 14

    @classmethod
    def from_env(cls, env: Env) -> KpiSettings:
        return read_part(
            cls,
            env,
            {
                "operate_start": Variable(
                    "BATON_OPERATE_START", date.fromisoformat, "a date such as 2026-09-07"
                ),
                "baseline_weeks": Variable(
                    "BATON_BASELINE_WEEKS", int_between(1, 26), "a number of weeks from 1 to 26"
                ),
                "sprint_days": Variable(
                    "BATON_SPRINT_DAYS", int_between(1, 365), "a number of days from 1 to 365"
                ),
            },
        )
