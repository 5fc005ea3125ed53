"""Settings of the weekly digest: where it goes, when, and how many weeks its charts show."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config.parsing import CHANNEL_ID, CHANNELS_HELP, Env, Variable, ids, int_between, read_part
from bot.core.weeks import DigestSchedule, parse_schedule


@dataclass(frozen=True)
class DigestSettings:
    """BATON_DIGEST_CHANNELS, BATON_DIGEST_SCHEDULE, BATON_DIGEST_WEEKS."""

    channels: tuple[str, ...] = ()
    schedule: DigestSchedule = DigestSchedule()
    weeks: int = 12

    @classmethod
    def from_env(cls, env: Env) -> DigestSettings:
        return read_part(
            cls,
            env,
            {
                "channels": Variable("BATON_DIGEST_CHANNELS", ids(CHANNEL_ID), CHANNELS_HELP),
                "schedule": Variable(
                    "BATON_DIGEST_SCHEDULE",
                    parse_schedule,
                    "a weekday and a time such as mon 09:00",
                ),
                "weeks": Variable(
                    "BATON_DIGEST_WEEKS", int_between(4, 52), "a number of weeks from 4 to 52"
                ),
            },
        )
