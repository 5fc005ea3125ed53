"""Settings of what Baton keeps, and for how long."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config.parsing import Env, Variable, int_between, read_part

# Below a month, questions could be deleted while still waiting for their answer.
MIN_RETENTION_DAYS = 30


@dataclass(frozen=True)
class PrivacySettings:
    """BATON_RETENTION_DAYS: how many days message timings are kept."""

    retention_days: int = 400

    @classmethod
    def from_env(cls, env: Env) -> PrivacySettings:
        return read_part(
            cls,
            env,
            {
                "retention_days": Variable(
                    "BATON_RETENTION_DAYS",
                    int_between(MIN_RETENTION_DAYS, 100 * 366),
                    f"a whole number of days, at least {MIN_RETENTION_DAYS}",
                ),
            },
        )
