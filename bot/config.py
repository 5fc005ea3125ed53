"""Settings: one object, built from the environment (and a `.env` file), validated at start."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import time
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_lib

from bot.business_time import BusinessCalendar
from bot.durations import Duration, parse_duration
from bot.errors import ConfigError
from bot.severity import Severity, parse_severity

T = TypeVar("T")

_DAY_NAMES = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")

DEFAULT_TIMEOUTS = {
    Severity.SEV1: "15m",
    Severity.SEV2: "30m",
    Severity.SEV3: "4h",
    Severity.SEV4: "1bd",
}


@dataclass(frozen=True)
class Settings:
    """Everything Baton reads from its environment; secrets never appear in its repr."""

    slack_bot_token: str = field(repr=False)
    slack_signing_secret: str = field(repr=False)
    slack_app_token: str | None = field(default=None, repr=False)
    database_url: str = "sqlite:///baton.db"
    slack_api_url: str = "https://slack.com/api/"
    port: int = 3000
    log_level: str = "INFO"
    calendar: BusinessCalendar = field(default_factory=lambda: BusinessCalendar(ZoneInfo("UTC")))
    admins: frozenset[str] = frozenset()
    default_severity: Severity = Severity.SEV3
    escalation_owner: str | None = None
    escalation_channel: str | None = None
    escalation_levels: tuple[str, ...] = ()
    escalation_timeouts: Mapping[Severity, Duration] = field(
        default_factory=lambda: {s: parse_duration(d) for s, d in DEFAULT_TIMEOUTS.items()}
    )
    blocker_channel: str | None = None
    blocker_sla: Duration = field(default_factory=lambda: parse_duration("2bd"))
    scheduler_interval_seconds: int = 60


def _get(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name)
    if value is None or not value.strip():
        return None
    return value.strip()


def _parse(env: Mapping[str, str], name: str, parse: Callable[[str], T], expected: str) -> T | None:
    raw = _get(env, name)
    if raw is None:
        return None
    try:
        return parse(raw)
    except (ValueError, KeyError) as exc:
        raise ConfigError(name, f"expected {expected}, got {raw!r}") from exc


def _timezone(raw: str) -> ZoneInfo:
    try:
        return ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(raw) from exc


def _workdays(raw: str) -> frozenset[int]:
    days: set[int] = set()
    for part in raw.lower().replace(" ", "").split(","):
        if "-" in part:
            first, last = part.split("-", 1)
            a, b = _DAY_NAMES.index(first[:3]), _DAY_NAMES.index(last[:3])
            # A range may wrap past Sunday, as sun-thu does.
            days.update(range(a, b + 1) if a <= b else [*range(a, 7), *range(b + 1)])
        else:
            days.add(_DAY_NAMES.index(part[:3]))
    if not days:
        raise ValueError(raw)
    return frozenset(days)


def _workhours(raw: str) -> tuple[time, time]:
    first, last = raw.replace(" ", "").split("-", 1)
    start, end = time.fromisoformat(first), time.fromisoformat(last)
    if end <= start:
        raise ValueError(raw)
    return start, end


def _country(raw: str) -> str:
    code = raw.upper()
    if code not in holidays_lib.list_supported_countries():
        raise ValueError(raw)
    return code


def _ids(pattern: re.Pattern[str]) -> Callable[[str], tuple[str, ...]]:
    def parse(raw: str) -> tuple[str, ...]:
        ids = tuple(part.strip() for part in raw.split(",") if part.strip())
        for one in ids:
            if not pattern.match(one):
                raise ValueError(one)
        return ids

    return parse


def _one_id(pattern: re.Pattern[str]) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        if not pattern.match(raw):
            raise ValueError(raw)
        return raw

    return parse


def _positive_int(raw: str) -> int:
    value = int(raw)
    if value <= 0:
        raise ValueError(raw)
    return value


def _port(raw: str) -> int:
    value = int(raw)
    if not 0 < value < 65536:
        raise ValueError(raw)
    return value


def _log_level(raw: str) -> str:
    level = raw.upper()
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ValueError(raw)
    return level


def load_settings(env: Mapping[str, str] | None = None, *, require_slack: bool = True) -> Settings:
    """Build settings from `env` (default: the process environment after reading `.env`).

    Raises ConfigError naming the first variable that is missing or malformed.
    """
    if env is None:
        from dotenv import load_dotenv

        load_dotenv(override=False)
        env = os.environ

    token = _get(env, "SLACK_BOT_TOKEN")
    secret = _get(env, "SLACK_SIGNING_SECRET")
    if require_slack:
        if token is None:
            raise ConfigError(
                "SLACK_BOT_TOKEN", "required: the bot token (xoxb-…) of your Slack app"
            )
        if not token.startswith("xoxb-"):
            raise ConfigError("SLACK_BOT_TOKEN", "expected a bot token starting with xoxb-")
        if secret is None:
            raise ConfigError(
                "SLACK_SIGNING_SECRET",
                "required: the signing secret from your app's Basic Information",
            )
    app_token = _get(env, "SLACK_APP_TOKEN")
    if app_token is not None and not app_token.startswith("xapp-"):
        raise ConfigError("SLACK_APP_TOKEN", "expected an app-level token starting with xapp-")

    api_url = _get(env, "SLACK_API_URL") or "https://slack.com/api/"
    if not api_url.startswith(("http://", "https://")):
        raise ConfigError("SLACK_API_URL", f"expected an http(s) URL, got {api_url!r}")
    if not api_url.endswith("/"):
        api_url += "/"

    tz = _parse(env, "BATON_TIMEZONE", _timezone, "an IANA time zone such as America/Bogota")
    hours = _parse(
        env, "BATON_WORKHOURS", _workhours, "working hours as HH:MM-HH:MM, e.g. 09:00-18:00"
    )
    calendar = BusinessCalendar(
        tz=tz or ZoneInfo("UTC"),
        workdays=_parse(env, "BATON_WORKDAYS", _workdays, "days such as mon-fri or mon,tue,thu")
        or frozenset(range(5)),
        start=hours[0] if hours else time(9, 0),
        end=hours[1] if hours else time(18, 0),
        country=_parse(env, "BATON_HOLIDAYS", _country, "a country code such as US, AR, CO or PA"),
    )

    duration_help = "a duration such as 15m, 4h, 2d, 4bh (business hours) or 2bd (business days)"
    timeouts = {
        sev: _parse(env, f"BATON_{sev.name}_TIMEOUT", parse_duration, duration_help)
        or parse_duration(default)
        for sev, default in DEFAULT_TIMEOUTS.items()
    }
    user_ids = _ids(_USER_ID)
    user_help = "Slack user ids separated by commas, e.g. U012AB3CD,U045EF6GH"

    return Settings(
        slack_bot_token=token or "",
        slack_signing_secret=secret or "",
        slack_app_token=app_token,
        database_url=_get(env, "DATABASE_URL") or "sqlite:///baton.db",
        slack_api_url=api_url,
        port=_parse(env, "PORT", _port, "a TCP port number") or 3000,
        log_level=_parse(env, "BATON_LOG_LEVEL", _log_level, "DEBUG, INFO, WARNING or ERROR")
        or "INFO",
        calendar=calendar,
        admins=frozenset(_parse(env, "BATON_ADMINS", user_ids, user_help) or ()),
        default_severity=_parse(
            env, "BATON_DEFAULT_SEVERITY", parse_severity, "sev1…sev4 or critical/high/medium/low"
        )
        or Severity.SEV3,
        escalation_owner=_parse(
            env, "BATON_ESCALATION_OWNER", _one_id(_USER_ID), "a Slack user id such as U012AB3CD"
        ),
        escalation_channel=_parse(
            env, "BATON_ESCALATION_CHANNEL", _one_id(_CHANNEL_ID), "a channel id such as C012AB3CD"
        ),
        escalation_levels=_parse(env, "BATON_ESCALATION_LEVELS", user_ids, user_help) or (),
        escalation_timeouts=timeouts,
        blocker_channel=_parse(
            env, "BATON_BLOCKER_CHANNEL", _one_id(_CHANNEL_ID), "a channel id such as C012AB3CD"
        ),
        blocker_sla=_parse(env, "BATON_BLOCKER_SLA", parse_duration, duration_help)
        or parse_duration("2bd"),
        scheduler_interval_seconds=_parse(
            env, "BATON_SCHEDULER_INTERVAL", _positive_int, "a whole number of seconds"
        )
        or 60,
    )
