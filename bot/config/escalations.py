"""Settings of escalations: default severity and owner, where they are posted, levels, timeouts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from bot.config.parsing import (
    CHANNEL_HELP,
    CHANNEL_ID,
    DURATION_HELP,
    USER_HELP,
    USER_ID,
    USERS_HELP,
    Env,
    Variable,
    duration,
    ids,
    one_id,
    parse,
    read_part,
)
from bot.core.durations import Duration, parse_duration
from bot.core.severity import Severity, parse_severity

# How long an escalation of each severity may stay unacknowledged before the next step.
DEFAULT_TIMEOUTS: Mapping[Severity, Duration] = MappingProxyType(
    {
        Severity.SEV1: parse_duration("15m"),
        Severity.SEV2: parse_duration("30m"),
        Severity.SEV3: parse_duration("4h"),
        Severity.SEV4: parse_duration("1bd"),
    }
)


@dataclass(frozen=True)
class EscalationSettings:
    """BATON_DEFAULT_SEVERITY, BATON_ESCALATION_*, BATON_SEVn_TIMEOUT."""

    default_severity: Severity = Severity.SEV3
    owner: str | None = None
    channel: str | None = None
    levels: tuple[str, ...] = ()
    timeouts: Mapping[Severity, Duration] = field(default_factory=lambda: DEFAULT_TIMEOUTS)

    @classmethod
    def from_env(cls, env: Env) -> EscalationSettings:
        part = read_part(
            cls,
            env,
            {
                "default_severity": Variable(
                    "BATON_DEFAULT_SEVERITY",
                    parse_severity,
                    "sev1…sev4 or critical/high/medium/low",
                ),
                "owner": Variable("BATON_ESCALATION_OWNER", one_id(USER_ID), USER_HELP),
                "channel": Variable("BATON_ESCALATION_CHANNEL", one_id(CHANNEL_ID), CHANNEL_HELP),
                "levels": Variable("BATON_ESCALATION_LEVELS", ids(USER_ID), USERS_HELP),
            },
        )
        timeouts = {
            severity: parse(env, f"BATON_{severity.name}_TIMEOUT", duration, DURATION_HELP)
            or default
            for severity, default in DEFAULT_TIMEOUTS.items()
        }
        return replace(part, timeouts=timeouts)
