"""Working time from the environment: the team's, and each side's (which defaults to the team's)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.config.parsing import Env, company_days, country, parse, timezone, workdays, workhours
from bot.core.business_time import BusinessCalendar

# The team's working time when nothing is set: Monday to Friday, 09:00–18:00 UTC.
DEFAULT_CALENDAR = BusinessCalendar(ZoneInfo("UTC"))


def calendar_from_env(
    env: Env, prefix: str, default: BusinessCalendar = DEFAULT_CALENDAR
) -> BusinessCalendar:
    """PREFIX + TIMEZONE, WORKDAYS, WORKHOURS and HOLIDAYS, each one unset keeping `default`'s;
    PREFIX + COMPANY_HOLIDAYS adds days off to `default`'s."""
    tz = parse(env, prefix + "TIMEZONE", timezone, "an IANA time zone such as America/Bogota")
    hours = parse(
        env,
        prefix + "WORKHOURS",
        workhours,
        "working hours as HH:MM-HH:MM, start and end apart, e.g. 09:00-18:00, or 22:00-06:00 "
        "across midnight",
    )
    days = parse(env, prefix + "WORKDAYS", workdays, "days such as mon-fri or mon,tue,thu")
    holidays = parse(
        env,
        prefix + "HOLIDAYS",
        country,
        "a country code such as US, CO or PA, or a subdivision such as US-NY, DE-BY or IN-KA",
    )
    days_off = parse(
        env,
        prefix + "COMPANY_HOLIDAYS",
        company_days,
        "dates and ranges such as 2026-12-24..2026-12-31,2027-03-15 (a range under a year)",
    )
    return BusinessCalendar(
        tz=tz or default.tz,
        workdays=days or default.workdays,
        start=hours[0] if hours else default.start,
        end=hours[1] if hours else default.end,
        country=holidays or default.country,
        company_days=default.company_days | (days_off or frozenset()),
    )
