"""Digest and alert settings: defaults that work, one clear line for each malformed value."""

from __future__ import annotations

from datetime import date, time

import pytest

from bot.config.settings import load_settings
from bot.core.durations import parse_duration
from bot.core.errors import ConfigError
from bot.core.weeks import DigestSchedule

BASE = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "secret"}


def test_defaults() -> None:
    settings = load_settings(BASE)
    assert settings.digest.channels == ()
    assert settings.digest.schedule == DigestSchedule(0, time(9))
    assert settings.digest.weeks == 12
    assert settings.kpi.operate_start is None
    assert settings.kpi.baseline_weeks == 6
    assert settings.kpi.sprint_days == 14
    assert settings.alerts.channels == ()
    assert settings.alerts.repeat == parse_duration("1d")
    assert settings.alerts.rules.nps_below == 50
    assert settings.alerts.rules.within_sla_below == 0.8
    assert settings.alerts.rules.escalations_factor == 1.5


def test_values_are_read() -> None:
    settings = load_settings(
        BASE
        | {
            "BATON_DIGEST_CHANNELS": "C0LEADS, C0OPS",
            "BATON_DIGEST_SCHEDULE": "fri 16:30",
            "BATON_DIGEST_WEEKS": "26",
            "BATON_OPERATE_START": "2026-09-07",
            "BATON_BASELINE_WEEKS": "4",
            "BATON_SPRINT_DAYS": "10",
            "BATON_ALERT_REPEAT": "never",
        }
    )
    assert settings.digest.channels == ("C0LEADS", "C0OPS")
    assert settings.digest.schedule == DigestSchedule(4, time(16, 30))
    assert settings.digest.weeks == 26
    assert settings.kpi.operate_start == date(2026, 9, 7)
    assert settings.kpi.baseline_weeks == 4
    assert settings.kpi.sprint_days == 10
    assert settings.alerts.channels == ("C0LEADS", "C0OPS")
    assert settings.alerts.repeat is None


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"BATON_DIGEST_CHANNELS": "#leads"}, "BATON_DIGEST_CHANNELS"),
        ({"BATON_DIGEST_SCHEDULE": "someday"}, "BATON_DIGEST_SCHEDULE"),
        ({"BATON_DIGEST_SCHEDULE": "mon 9am"}, "BATON_DIGEST_SCHEDULE"),
        ({"BATON_DIGEST_WEEKS": "2"}, "BATON_DIGEST_WEEKS"),
        ({"BATON_OPERATE_START": "last spring"}, "BATON_OPERATE_START"),
        ({"BATON_BASELINE_WEEKS": "0"}, "BATON_BASELINE_WEEKS"),
        ({"BATON_SPRINT_DAYS": "two weeks"}, "BATON_SPRINT_DAYS"),
        ({"BATON_ALERT_CHANNEL": "alerts"}, "BATON_ALERT_CHANNEL"),
        ({"BATON_ALERT_REPEAT": "often"}, "BATON_ALERT_REPEAT"),
        ({"BATON_ALERTS_FILE": "/nowhere.toml"}, "BATON_ALERTS_FILE"),
    ],
)
def test_a_bad_value_names_its_variable(env: dict[str, str], variable: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(BASE | env)
    assert caught.value.variable == variable
    assert str(caught.value).startswith(f"{variable}: ")
    assert "\n" not in str(caught.value)
