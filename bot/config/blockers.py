"""Settings of blockers: where they are posted and when one is overdue."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config.parsing import (
    CHANNEL_HELP,
    CHANNEL_ID,
    DURATION_HELP,
    Env,
    Variable,
    duration,
    one_id,
    read_part,
)
from bot.core.durations import Duration, parse_duration


@dataclass(frozen=True)
class BlockerSettings:
    """BATON_BLOCKER_CHANNEL, BATON_BLOCKER_SLA."""

    channel: str | None = None
    sla: Duration = parse_duration("2bd")

    @classmethod
    def from_env(cls, env: Env) -> BlockerSettings:
        return read_part(
            cls,
            env,
            {
                "channel": Variable("BATON_BLOCKER_CHANNEL", one_id(CHANNEL_ID), CHANNEL_HELP),
                "sla": Variable("BATON_BLOCKER_SLA", duration, DURATION_HELP),
            },
        )
