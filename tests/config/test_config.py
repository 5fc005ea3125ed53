"""Settings: defaults that work, and one clear line for every malformed value."""

from __future__ import annotations

from datetime import time

import pytest

from bot.config.settings import load_settings
from bot.core.durations import Duration
from bot.core.errors import ConfigError
from bot.core.severity import Severity

BASE = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "secret"}


def test_defaults() -> None:
    settings = load_settings(BASE)
    assert settings.database_url == "sqlite:///baton.db"
    assert settings.slack_api_url == "https://slack.com/api/"
    assert settings.port == 3000
    assert settings.escalations.default_severity is Severity.SEV3
    assert settings.escalations.timeouts[Severity.SEV1] == Duration(15, "m")
    assert settings.escalations.timeouts[Severity.SEV4] == Duration(1, "bd")
    assert settings.blockers.sla == Duration(2, "bd")
    assert settings.calendar.workdays == frozenset({0, 1, 2, 3, 4})
    assert (settings.calendar.start, settings.calendar.end) == (time(9), time(18))


def test_secrets_never_appear_in_the_repr() -> None:
    settings = load_settings(BASE | {"SLACK_APP_TOKEN": "xapp-very-secret"})
    assert "xoxb-1" not in repr(settings)
    assert "secret" not in repr(settings)


def test_values_are_read() -> None:
    settings = load_settings(
        BASE
        | {
            "SLACK_API_URL": "http://127.0.0.1:9/api",
            "BATON_TIMEZONE": "America/Bogota",
            "BATON_WORKDAYS": "sun-thu",
            "BATON_WORKHOURS": "08:30-17:00",
            "BATON_HOLIDAYS": "co",
            "BATON_ADMINS": "U1AAA, U2BBB",
            "BATON_ESCALATION_LEVELS": "U3CCC,U4DDD",
            "BATON_DEFAULT_SEVERITY": "High",
            "BATON_SEV2_TIMEOUT": "2bh",
        }
    )
    assert settings.slack_api_url == "http://127.0.0.1:9/api/"
    assert settings.calendar.tz.key == "America/Bogota"
    assert settings.calendar.workdays == frozenset({6, 0, 1, 2, 3})
    assert settings.calendar.start == time(8, 30)
    assert settings.calendar.country == "CO"
    assert settings.admins == frozenset({"U1AAA", "U2BBB"})
    assert settings.escalations.levels == ("U3CCC", "U4DDD")
    assert settings.escalations.default_severity is Severity.SEV2
    assert settings.escalations.timeouts[Severity.SEV2] == Duration(2, "bh")


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"SLACK_BOT_TOKEN": ""}, "SLACK_BOT_TOKEN"),
        ({"SLACK_BOT_TOKEN": "xoxp-user-token"}, "SLACK_BOT_TOKEN"),
        ({"SLACK_SIGNING_SECRET": ""}, "SLACK_SIGNING_SECRET"),
        ({"SLACK_APP_TOKEN": "xoxb-wrong-kind"}, "SLACK_APP_TOKEN"),
        ({"BATON_TIMEZONE": "Mars/Olympus"}, "BATON_TIMEZONE"),
        ({"BATON_SEV1_TIMEOUT": "soon"}, "BATON_SEV1_TIMEOUT"),
        ({"BATON_SEV3_TIMEOUT": "-4h"}, "BATON_SEV3_TIMEOUT"),
        ({"BATON_BLOCKER_SLA": "2 weeks"}, "BATON_BLOCKER_SLA"),
        ({"BATON_WORKHOURS": "09:00-09:00"}, "BATON_WORKHOURS"),
        ({"BATON_WORKHOURS": "9am-5pm"}, "BATON_WORKHOURS"),
        ({"BATON_WORKDAYS": "funday"}, "BATON_WORKDAYS"),
        ({"BATON_HOLIDAYS": "XX"}, "BATON_HOLIDAYS"),
        ({"BATON_ADMINS": "alice"}, "BATON_ADMINS"),
        ({"BATON_ESCALATION_CHANNEL": "#general"}, "BATON_ESCALATION_CHANNEL"),
        ({"BATON_DEFAULT_SEVERITY": "sev9"}, "BATON_DEFAULT_SEVERITY"),
        ({"PORT": "http"}, "PORT"),
        ({"SLACK_API_URL": "slack.com/api"}, "SLACK_API_URL"),
        ({"BATON_SCHEDULER_INTERVAL": "0"}, "BATON_SCHEDULER_INTERVAL"),
    ],
)
def test_a_bad_value_names_its_variable(env: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(BASE | env)
    assert caught.value.variable == variable
    assert str(caught.value).startswith(f"{variable}: ")
    assert "\n" not in str(caught.value)


def test_tokens_are_optional_where_slack_is_not_needed() -> None:
    settings = load_settings({}, require_slack=False)
    assert settings.slack_bot_token == ""


def test_a_platforms_postgres_url_is_read_as_postgresql_through_psycopg() -> None:
    # Heroku, Render and Fly hand out postgres:// URLs; SQLAlchemy alone would refuse them.
    for scheme in ("postgres", "postgresql", "postgresql+psycopg"):
        settings = load_settings(BASE | {"DATABASE_URL": f"{scheme}://baton:pw@db:5432/baton"})
        assert settings.database_url == "postgresql+psycopg://baton:pw@db:5432/baton"
    assert "pw@db" not in repr(settings)


@pytest.mark.parametrize(
    "url", ["baton.db", "mysql://baton:pw@db/baton", "postgresql+psycopg2://baton:pw@db/baton"]
)
def test_a_database_url_baton_cannot_use_is_refused_without_repeating_it(url: str) -> None:
    with pytest.raises(ConfigError) as refused:
        load_settings(BASE | {"DATABASE_URL": url})
    assert refused.value.variable == "DATABASE_URL"
    assert "pw" not in str(refused.value)


@pytest.mark.parametrize("raw", ["four", "0", "-1", "2.5"])
def test_web_concurrency_must_be_a_whole_number_of_workers(raw: str) -> None:
    with pytest.raises(ConfigError) as refused:
        load_settings(BASE | {"WEB_CONCURRENCY": raw})
    assert refused.value.variable == "WEB_CONCURRENCY"
    assert load_settings(BASE | {"WEB_CONCURRENCY": "3"}).web_concurrency == 3


def test_working_hours_may_cross_midnight() -> None:
    calendar = load_settings(BASE | {"BATON_WORKHOURS": "18:00-09:00"}).calendar
    assert (calendar.start.hour, calendar.end.hour, calendar.workday_seconds) == (18, 9, 15 * 3600)
    with pytest.raises(ConfigError, match="22:00-06:00 across midnight"):
        load_settings(BASE | {"BATON_WORKHOURS": "09:00-09:00"})
