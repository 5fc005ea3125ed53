"""Reading settings from the environment: each part names its variables, their parsers and what
they expect; a variable left unset keeps the default written once, on the part's own field."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.durations import parse_duration
from bot.core.errors import ConfigError
from bot.core.lazy import lazy_module

# Read only when a country is named: the holiday tables of every country are large.
holidays_lib = lazy_module("holidays")

T = TypeVar("T")
P = TypeVar("P")
Env = Mapping[str, str]

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")
TEAM_ID = re.compile(r"^T[A-Z0-9]{2,}$")

DURATION_HELP = "a duration such as 15m, 4h, 2d, 4bh (business hours) or 2bd (business days)"
USERS_HELP = "Slack user ids separated by commas, e.g. U012AB3CD,U045EF6GH"
USER_HELP = "a Slack user id such as U012AB3CD"
CHANNEL_HELP = "a channel id such as C012AB3CD"
TEAM_HELP = "a workspace id such as T012AB3CD"
CHANNELS_HELP = "channel ids separated by commas, e.g. C012AB3CD,C045EF6GH"


def get(env: Env, name: str) -> str | None:
    """The variable's value trimmed; None when it is unset or blank."""
    value = env.get(name)
    if value is None or not value.strip():
        return None
    return value.strip()


def parse(env: Env, name: str, parser: Callable[[str], T], expected: str) -> T | None:
    """The variable read by `parser`; None when unset; ConfigError naming it when malformed."""
    raw = get(env, name)
    if raw is None:
        return None
    try:
        return parser(raw)
    except (ValueError, KeyError) as exc:
        raise ConfigError(name, f"expected {expected}, got {raw!r}") from exc


@dataclass(frozen=True)
class Variable:
    """One environment variable of a settings part: its name, parser and what it expects."""

    name: str
    parser: Callable[[str], Any]
    expected: str


def read_part(part: type[P], env: Env, variables: Mapping[str, Variable]) -> P:
    """The settings `part` with each field whose variable is set read from `env`; the others
    keep the part's defaults."""
    values = {}
    for field_name, variable in variables.items():
        value = parse(env, variable.name, variable.parser, variable.expected)
        if value is not None:
            values[field_name] = value
    return part(**values)


# -- parsers -------------------------------------------------------------------------------


def timezone(raw: str) -> ZoneInfo:
    try:
        return ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(raw) from exc


def workdays(raw: str) -> frozenset[int]:
    days: set[int] = set()
    for part in raw.lower().replace(" ", "").split(","):
        if "-" in part:
            first, last = part.split("-", 1)
            a, b = DAY_NAMES.index(first[:3]), DAY_NAMES.index(last[:3])
            # A range may wrap past Sunday, as sun-thu does.
            days.update(range(a, b + 1) if a <= b else [*range(a, 7), *range(b + 1)])
        else:
            days.add(DAY_NAMES.index(part[:3]))
    if not days:
        raise ValueError(raw)
    return frozenset(days)


def workhours(raw: str) -> tuple[time, time]:
    """`09:00-18:00`, or a shift across midnight, `22:00-06:00` (it belongs to the day it
    starts on)."""
    first, last = raw.replace(" ", "").split("-", 1)
    start, end = time.fromisoformat(first), time.fromisoformat(last)
    if end == start:
        raise ValueError(raw)
    return start, end


def country(raw: str) -> str:
    """A country code (`US`), or one of its subdivisions (`US-NY`), that `holidays` knows."""
    code, _, subdivision = raw.strip().upper().partition("-")
    known = holidays_lib.list_supported_countries()
    if code not in known:
        raise ValueError(raw)
    if subdivision:
        by_upper = {str(name).upper(): str(name) for name in known[code]}
        if subdivision not in by_upper:
            raise ValueError(raw)
        return f"{code}-{by_upper[subdivision]}"
    return code


# The longest range of company days off one setting may give: a typo in a year stays a typo.
COMPANY_RANGE_DAYS = 366


def company_days(raw: str) -> frozenset[date]:
    """`2026-12-24..2026-12-31,2027-03-15`: days and inclusive ranges of days."""
    days: set[date] = set()
    for part in raw.split(","):
        part = part.strip()
        if not part:
            continue
        first_text, dots, last_text = part.partition("..")
        first = date.fromisoformat(first_text.strip())
        last = date.fromisoformat(last_text.strip()) if dots else first
        span = (last - first).days
        if span < 0 or span >= COMPANY_RANGE_DAYS:
            raise ValueError(part)
        days.update(first + timedelta(days=offset) for offset in range(span + 1))
    if not days:
        raise ValueError(raw)
    return frozenset(days)


def ids(pattern: re.Pattern[str]) -> Callable[[str], tuple[str, ...]]:
    def parse_ids(raw: str) -> tuple[str, ...]:
        found = tuple(part.strip() for part in raw.split(",") if part.strip())
        for one in found:
            if not pattern.match(one):
                raise ValueError(one)
        return found

    return parse_ids


def one_id(pattern: re.Pattern[str]) -> Callable[[str], str]:
    def parse_id(raw: str) -> str:
        if not pattern.match(raw):
            raise ValueError(raw)
        return raw

    return parse_id


def positive_int(raw: str) -> int:
    value = int(raw)
    if value <= 0:
        raise ValueError(raw)
    return value


def int_between(low: int, high: int) -> Callable[[str], int]:
    def parse_int(raw: str) -> int:
        value = int(raw)
        if not low <= value <= high:
            raise ValueError(raw)
        return value

    return parse_int


def weekday(raw: str) -> int:
    return DAY_NAMES.index(raw.strip().lower()[:3])


def clock_time(raw: str) -> time:
    return time.fromisoformat(raw.strip())


duration = parse_duration
