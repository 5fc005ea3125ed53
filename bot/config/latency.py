"""Settings of response latency: channels left out, the SLA and unanswered windows, the sides."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from bot.config.calendar import calendar_from_env
from bot.config.parsing import (
    CHANNEL_ID,
    DURATION_HELP,
    Env,
    Variable,
    duration,
    ids,
    parse,
    read_part,
)
from bot.core.business_time import BusinessCalendar
from bot.core.durations import Duration, parse_duration

_SIDE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
_GROUP_ID = re.compile(r"^S[A-Z0-9]{2,}$")
_GROUP_HANDLE = re.compile(r"^@?([a-z0-9][a-z0-9._-]*)$")


@dataclass(frozen=True)
class Side:
    """One side of the team (client or partner): a Slack user group and its working time."""

    name: str
    group: str  # a user group id (S…) or its handle without the @ (acme-eng)
    calendar: BusinessCalendar

    @property
    def group_is_id(self) -> bool:
        return bool(_GROUP_ID.match(self.group))


@dataclass(frozen=True)
class LatencySettings:
    """BATON_EXCLUDED_CHANNELS, BATON_RESPONSE_SLA, BATON_UNANSWERED_AFTER, BATON_SIDES and
    each side's BATON_SIDE_<NAME>_TIMEZONE, _WORKDAYS, _WORKHOURS, _HOLIDAYS and
    _COMPANY_HOLIDAYS."""

    excluded_channels: frozenset[str] = frozenset()
    response_sla: Duration = parse_duration("4bh")
    unanswered_after: Duration = parse_duration("24bh")
    sides: tuple[Side, ...] = ()

    @classmethod
    def from_env(cls, env: Env, calendar: BusinessCalendar) -> LatencySettings:
        """The latency settings; a side's working time defaults to the team's `calendar`."""
        part = read_part(
            cls,
            env,
            {
                "excluded_channels": Variable(
                    "BATON_EXCLUDED_CHANNELS",
                    lambda raw: frozenset(ids(CHANNEL_ID)(raw)),
                    "channel ids separated by commas, e.g. C012AB3CD,G045EF6GH",
                ),
                "response_sla": Variable("BATON_RESPONSE_SLA", duration, DURATION_HELP),
                "unanswered_after": Variable("BATON_UNANSWERED_AFTER", duration, DURATION_HELP),
            },
        )
        pairs = parse(
            env,
            "BATON_SIDES",
            _side_pairs,
            "two sides as name=@usergroup-handle or name=S-group-id, e.g. "
            "client=@acme-eng,partner=@latam-team",
        )
        sides = tuple(
            Side(name, group, calendar_from_env(env, f"BATON_SIDE_{name.upper()}_", calendar))
            for name, group in pairs or ()
        )
        return replace(part, sides=sides)


def _side_pairs(raw: str) -> tuple[tuple[str, str], ...]:
    pairs: list[tuple[str, str]] = []
    for part in raw.split(","):
        name, _, group = part.strip().partition("=")
        name, group = name.strip().lower(), group.strip()
        if not _SIDE_NAME.match(name) or any(name == seen for seen, _ in pairs):
            raise ValueError(part)
        if not _GROUP_ID.match(group):
            handle = _GROUP_HANDLE.match(group.lower())
            if handle is None:
                raise ValueError(part)
            group = handle.group(1)
        pairs.append((name, group))
    if len(pairs) != 2:
        raise ValueError(raw)
    return tuple(pairs)
