"""Settings of the weekly digest: where it goes, when, and how many weeks its charts show."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config.parsing import (
    CHANNEL_ID,
    CHANNELS_HELP,
    TEAM_ID,
    Env,
    Variable,
    ids,
    int_between,
    read_part,
)
from bot.core.weeks import DigestSchedule, parse_schedule


@dataclass(frozen=True)
class DigestSettings:
    """BATON_DIGEST_CHANNELS, BATON_DIGEST_SCHEDULE, BATON_DIGEST_WEEKS and
    BATON_PORTFOLIO_CHANNEL."""

    channels: tuple[str, ...] = ()
    schedule: DigestSchedule = DigestSchedule()
    weeks: int = 12
    # The partner's own workspace and channel, where every workspace's scorecard goes monthly.
    portfolio: PortfolioChannel | None = None

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
                "portfolio": Variable(
                    "BATON_PORTFOLIO_CHANNEL",
                    PortfolioChannel.parse,
                    "a workspace id and a channel id of it, such as T012AB3CD:C045EF6GH",
                ),
            },
        )


@dataclass(frozen=True)
class PortfolioChannel:
    """A channel of one workspace: `T…:C…`."""

    team_id: str
    channel: str

    @classmethod
    def parse(cls, raw: str) -> PortfolioChannel:
        team, _, channel = raw.partition(":")
        if not TEAM_ID.fullmatch(team.strip()) or not CHANNEL_ID.fullmatch(channel.strip()):
            raise ValueError(raw)
        return cls(team.strip(), channel.strip())
