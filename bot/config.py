"""Settings: one object, built from the environment (and a `.env` file), validated at start."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_lib

from bot.alerts_config import AlertRules, load_rules, parse_repeat
from bot.business_time import BusinessCalendar
from bot.digest_schedule import DigestSchedule, parse_schedule
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


# Latency (issue 3)
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
class Settings:
    """Everything Baton reads from its environment; secrets never appear in its repr."""

    slack_bot_token: str = field(repr=False)
    slack_signing_secret: str = field(repr=False)
    slack_app_token: str | None = field(default=None, repr=False)
    database_url: str = field(default="sqlite:///baton.db", repr=False)
    slack_api_url: str = "https://slack.com/api/"
    port: int = 3000
    web_concurrency: int = 2
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
    # Latency (issue 3)
    excluded_channels: frozenset[str] = frozenset()
    response_sla: Duration = field(default_factory=lambda: parse_duration("4bh"))
    unanswered_after: Duration = field(default_factory=lambda: parse_duration("24bh"))
    sides: tuple[Side, ...] = ()
    # NPS (issue 4)
    nps_cadence: str = "monthly"
    nps_weekday: int = 0  # Monday
    nps_time: time = time(10, 0)
    nps_audience: str | None = None
    nps_question: str = "How likely are you to recommend working with this team to a colleague?"
    nps_round_days: int = 7
    nps_reminder_days: tuple[int, ...] = (3, 5)
    nps_min_responses: int = 5
    nps_send_per_minute: int = 50
    # Digest and alerts (issue 5)
    digest_channels: tuple[str, ...] = ()
    digest_schedule: DigestSchedule = field(default_factory=DigestSchedule)
    digest_weeks: int = 12
    operate_start: date | None = None
    baseline_weeks: int = 6
    sprint_days: int = 14
    alert_rules: AlertRules = field(default_factory=AlertRules)
    # Where alerts go: BATON_ALERT_CHANNEL, else the alerts file's channel, else the digest's.
    alert_channels: tuple[str, ...] = ()
    alert_repeat: Duration | None = field(default_factory=lambda: parse_duration("1d"))


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


# What SQLAlchemy takes; hosting platforms hand out postgres:// and postgresql:// URLs, which
# Baton reads as PostgreSQL through psycopg 3, its one PostgreSQL driver.
_DATABASE_SCHEMES = ("sqlite", "sqlite+pysqlite", "postgresql+psycopg")
_POSTGRES_ALIASES = ("postgres", "postgresql")


def _database_url(raw: str) -> str:
    """DATABASE_URL as SQLAlchemy takes it. Errors never repeat the URL: it may hold a password."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    expected = "sqlite:///FILE or postgresql://USER:PASSWORD@HOST:PORT/DATABASE"
    scheme, separator, rest = raw.partition("://")
    if not separator:
        raise ConfigError("DATABASE_URL", f"expected {expected}, got something that is not a URL")
    if scheme in _POSTGRES_ALIASES:
        scheme = "postgresql+psycopg"
    if scheme not in _DATABASE_SCHEMES:
        raise ConfigError("DATABASE_URL", f"expected {expected}, got a {scheme}:// URL")
    url = f"{scheme}://{rest}"
    try:
        make_url(url)
    except ArgumentError:
        raise ConfigError("DATABASE_URL", f"expected {expected}; this one cannot be read") from None
    return url


def listen_port(env: Mapping[str, str]) -> int:
    """The TCP port Baton's HTTP server listens on (PORT, as hosting platforms set it)."""
    return _parse(env, "PORT", _port, "a TCP port number") or 3000


def web_concurrency(env: Mapping[str, str]) -> int:
    """How many gunicorn workers serve Slack (WEB_CONCURRENCY, as Heroku-style hosts set it)."""
    return _parse(env, "WEB_CONCURRENCY", _positive_int, "a whole number of workers") or 2


def _log_level(raw: str) -> str:
    level = raw.upper()
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        raise ValueError(raw)
    return level


# Latency (issue 3)
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


def _sides(env: Mapping[str, str], default: BusinessCalendar) -> tuple[Side, ...]:
    """BATON_SIDES, each side with its own working time, falling back to the global settings."""
    pairs = _parse(
        env,
        "BATON_SIDES",
        _side_pairs,
        "two sides as name=@usergroup-handle or name=S-group-id, e.g. "
        "client=@acme-eng,partner=@latam-team",
    )
    sides = []
    for name, group in pairs or ():
        prefix = f"BATON_SIDE_{name.upper()}_"
        tz = _parse(env, prefix + "TIMEZONE", _timezone, "an IANA time zone such as America/Bogota")
        hours = _parse(env, prefix + "WORKHOURS", _workhours, "working hours as HH:MM-HH:MM")
        calendar = BusinessCalendar(
            tz=tz or default.tz,
            workdays=_parse(env, prefix + "WORKDAYS", _workdays, "days such as mon-fri")
            or default.workdays,
            start=hours[0] if hours else default.start,
            end=hours[1] if hours else default.end,
            country=_parse(env, prefix + "HOLIDAYS", _country, "a country code such as US or CO")
            or default.country,
        )
        sides.append(Side(name, group, calendar))
    return tuple(sides)


# NPS (issue 4)
NPS_CADENCES = ("weekly", "biweekly", "monthly", "quarterly", "off")
# Survey tools refuse to show results for fewer answers than this: people could be recognised.
NPS_MIN_RESPONSES_FLOOR = 3
_NPS_AUDIENCE = re.compile(r"^[CGS][A-Z0-9]{2,}$")


def _nps_cadence(raw: str) -> str:
    cadence = raw.lower()
    if cadence not in NPS_CADENCES:
        raise ValueError(raw)
    return cadence


def _weekday(raw: str) -> int:
    return _DAY_NAMES.index(raw.strip().lower()[:3])


def _clock_time(raw: str) -> time:
    return time.fromisoformat(raw.strip())


def _nps_question(raw: str) -> str:
    if len(raw) > 300:
        raise ValueError(raw)
    return raw


def _nps_min_responses(raw: str) -> int:
    value = int(raw)
    if value < NPS_MIN_RESPONSES_FLOOR:
        raise ValueError(raw)
    return value


def _day_numbers(raw: str) -> tuple[int, ...]:
    if raw.lower() in ("off", "none"):
        return ()
    days = sorted({int(part) for part in raw.split(",") if part.strip()})
    if not days or days[0] < 2:
        raise ValueError(raw)
    return tuple(days)


def _nps_settings(env: Mapping[str, str]) -> dict[str, Any]:
    """The BATON_NPS_* settings, as keyword arguments of Settings."""
    round_days = _parse(env, "BATON_NPS_ROUND_DAYS", _positive_int, "a whole number of days") or 7
    reminder_days = _parse(
        env,
        "BATON_NPS_REMINDER_DAYS",
        _day_numbers,
        "days of the round separated by commas, from 2 on, e.g. 3,5; or off",
    )
    if reminder_days is None:
        reminder_days = tuple(day for day in (3, 5) if day <= round_days)
    elif reminder_days and reminder_days[-1] > round_days:
        raise ConfigError(
            "BATON_NPS_REMINDER_DAYS",
            f"reminder days must fall inside the round ({round_days} days, "
            f"BATON_NPS_ROUND_DAYS), got {reminder_days[-1]}",
        )
    return {
        "nps_cadence": _parse(
            env, "BATON_NPS_CADENCE", _nps_cadence, "one of " + ", ".join(NPS_CADENCES)
        )
        or "monthly",
        "nps_weekday": _parse(env, "BATON_NPS_DAY", _weekday, "a weekday such as mon or thu") or 0,
        "nps_time": _parse(env, "BATON_NPS_TIME", _clock_time, "a time of day such as 10:00")
        or time(10, 0),
        "nps_audience": _parse(
            env,
            "BATON_NPS_AUDIENCE",
            _one_id(_NPS_AUDIENCE),
            "a channel id (C012AB3CD) or a user group id (S012AB3CD)",
        ),
        "nps_question": _parse(
            env, "BATON_NPS_QUESTION", _nps_question, "a question of at most 300 characters"
        )
        or Settings.nps_question,
        "nps_round_days": round_days,
        "nps_reminder_days": reminder_days,
        "nps_min_responses": _parse(
            env,
            "BATON_NPS_MIN_RESPONSES",
            _nps_min_responses,
            f"a whole number of at least {NPS_MIN_RESPONSES_FLOOR} (with fewer answers, "
            "people could be recognised by their score)",
        )
        or 5,
        "nps_send_per_minute": _parse(
            env, "BATON_NPS_SEND_PER_MINUTE", _positive_int, "a whole number of messages a minute"
        )
        or 50,
    }


# Digest and alerts (issue 5)
def _week_count(low: int, high: int) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        value = int(raw)
        if not low <= value <= high:
            raise ValueError(raw)
        return value

    return parse


def _alert_rules(raw: str) -> AlertRules:
    try:
        return load_rules(raw)
    except ValueError as exc:
        raise ConfigError("BATON_ALERTS_FILE", str(exc).replace("\n", " ")) from None


def _digest_settings(env: Mapping[str, str]) -> dict[str, Any]:
    """The digest and alert settings, as keyword arguments of Settings."""
    channel_help = "channel ids separated by commas, e.g. C012AB3CD,C045EF6GH"
    digest_channels = _parse(env, "BATON_DIGEST_CHANNELS", _ids(_CHANNEL_ID), channel_help) or ()
    path = _get(env, "BATON_ALERTS_FILE")
    rules = _alert_rules(path) if path else AlertRules()
    alert_channels = _parse(env, "BATON_ALERT_CHANNEL", _ids(_CHANNEL_ID), channel_help)
    repeat_raw = _get(env, "BATON_ALERT_REPEAT")
    repeat = rules.repeat
    if repeat_raw is not None:
        repeat = _parse(
            env, "BATON_ALERT_REPEAT", parse_repeat, "a duration such as 1d or 12h, or never"
        )
    return {
        "digest_channels": digest_channels,
        "digest_schedule": _parse(
            env,
            "BATON_DIGEST_SCHEDULE",
            parse_schedule,
            "a weekday and a time such as mon 09:00",
        )
        or DigestSchedule(),
        "digest_weeks": _parse(
            env, "BATON_DIGEST_WEEKS", _week_count(4, 52), "a number of weeks from 4 to 52"
        )
        or 12,
        "operate_start": _parse(
            env, "BATON_OPERATE_START", date.fromisoformat, "a date such as 2026-09-07"
        ),
        "baseline_weeks": _parse(
            env, "BATON_BASELINE_WEEKS", _week_count(1, 26), "a number of weeks from 1 to 26"
        )
        or 6,
        "sprint_days": _parse(
            env, "BATON_SPRINT_DAYS", _week_count(1, 365), "a number of days from 1 to 365"
        )
        or 14,
        "alert_rules": rules,
        "alert_channels": alert_channels or rules.channels or digest_channels,
        "alert_repeat": repeat,
    }


def load_settings(env: Mapping[str, str] | None = None, *, require_slack: bool = True) -> Settings:
    """Build settings from `env` (default: the process environment after reading `.env`).

    Raises ConfigError naming the first variable that is missing or malformed.
    """
    if env is None:
        from dotenv import find_dotenv, load_dotenv

        # From the working directory: an installed package has no .env beside its own files.
        load_dotenv(find_dotenv(usecwd=True), override=False)
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
        database_url=_database_url(_get(env, "DATABASE_URL") or "sqlite:///baton.db"),
        slack_api_url=api_url,
        port=listen_port(env),
        web_concurrency=web_concurrency(env),
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
        # Latency (issue 3)
        excluded_channels=frozenset(
            _parse(
                env,
                "BATON_EXCLUDED_CHANNELS",
                _ids(_CHANNEL_ID),
                "channel ids separated by commas, e.g. C012AB3CD,G045EF6GH",
            )
            or ()
        ),
        response_sla=_parse(env, "BATON_RESPONSE_SLA", parse_duration, duration_help)
        or parse_duration("4bh"),
        unanswered_after=_parse(env, "BATON_UNANSWERED_AFTER", parse_duration, duration_help)
        or parse_duration("24bh"),
        sides=_sides(env, calendar),
        # NPS (issue 4)
        **_nps_settings(env),
        # Digest and alerts (issue 5)
        **_digest_settings(env),
    )
