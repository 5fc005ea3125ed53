"""Settings of the internal NPS survey: who is asked, when, what, and how fast the DMs go."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import time

from bot.config.parsing import (
    Env,
    Variable,
    clock_time,
    one_id,
    parse,
    positive_int,
    read_part,
    weekday,
)
from bot.core.errors import ConfigError

NPS_CADENCES = ("weekly", "biweekly", "monthly", "quarterly", "off")
# Survey tools refuse to show results for fewer answers than this: people could be recognised.
NPS_MIN_RESPONSES_FLOOR = 3
_AUDIENCE = re.compile(r"^[CGS][A-Z0-9]{2,}$")
_DEFAULT_REMINDER_DAYS = (3, 5)


@dataclass(frozen=True)
class NpsSettings:
    """BATON_NPS_*."""

    cadence: str = "monthly"
    weekday: int = 0  # Monday
    at: time = time(10, 0)
    audience: str | None = None
    question: str = "How likely are you to recommend working with this team to a colleague?"
    round_days: int = 7
    # The days of the round (day 1 is the first) on which reminders go out.
    reminder_days: tuple[int, ...] = _DEFAULT_REMINDER_DAYS
    min_responses: int = 5
    send_per_minute: int = 50

    @classmethod
    def from_env(cls, env: Env) -> NpsSettings:
        part = read_part(
            cls,
            env,
            {
                "cadence": Variable(
                    "BATON_NPS_CADENCE", _cadence, "one of " + ", ".join(NPS_CADENCES)
                ),
                "weekday": Variable("BATON_NPS_DAY", weekday, "a weekday such as mon or thu"),
                "at": Variable("BATON_NPS_TIME", clock_time, "a time of day such as 10:00"),
                "audience": Variable(
                    "BATON_NPS_AUDIENCE",
                    one_id(_AUDIENCE),
                    "a channel id (C012AB3CD) or a user group id (S012AB3CD)",
                ),
                "question": Variable(
                    "BATON_NPS_QUESTION", _question, "a question of at most 300 characters"
                ),
                "round_days": Variable(
                    "BATON_NPS_ROUND_DAYS", positive_int, "a whole number of days"
                ),
                "min_responses": Variable(
                    "BATON_NPS_MIN_RESPONSES",
                    _min_responses,
                    f"a whole number of at least {NPS_MIN_RESPONSES_FLOOR} (with fewer answers, "
                    "people could be recognised by their score)",
                ),
                "send_per_minute": Variable(
                    "BATON_NPS_SEND_PER_MINUTE",
                    positive_int,
                    "a whole number of messages a minute",
                ),
            },
        )
        reminder_days = parse(
            env,
            "BATON_NPS_REMINDER_DAYS",
            _day_numbers,
            "days of the round separated by commas, from 2 on, e.g. 3,5; or off",
        )
        if reminder_days is None:
            # The default days that fall inside a round of this length.
            reminder_days = tuple(day for day in part.reminder_days if day <= part.round_days)
        elif reminder_days and reminder_days[-1] > part.round_days:
            raise ConfigError(
                "BATON_NPS_REMINDER_DAYS",
                f"reminder days must fall inside the round ({part.round_days} days, "
                f"BATON_NPS_ROUND_DAYS), got {reminder_days[-1]}",
            )
        return replace(part, reminder_days=reminder_days)


def _cadence(raw: str) -> str:
    cadence = raw.lower()
    if cadence not in NPS_CADENCES:
        raise ValueError(raw)
    return cadence


def _question(raw: str) -> str:
    if len(raw) > 300:
        raise ValueError(raw)
    return raw


def _min_responses(raw: str) -> int:
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
