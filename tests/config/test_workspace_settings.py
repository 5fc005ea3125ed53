"""What a workspace may change, and how a proposed value is checked: each value that cannot be
read is named with its parser's own words; an empty value is the environment's."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.config.settings import load_settings
from bot.config.workspace import GROUPS, NAMES, changes, problems, settings_for

SOURCE = {
    "SLACK_BOT_TOKEN": "xoxb-test",
    "SLACK_SIGNING_SECRET": "secret",
    "DATABASE_URL": "sqlite:///baton-test.db",
    "BATON_TIMEZONE": "UTC",
    "BATON_DIGEST_CHANNELS": "C0DEFAULT",
    # Read only for a side named vendor, which the environment does not have.
    "BATON_SIDE_VENDOR_WORKHOURS": "09:00-09:00",
}


def test_the_variables_are_those_the_form_groups_and_each_is_a_known_variable() -> None:
    assert [group for group, _ in GROUPS] == [
        "Channels",
        "Thresholds",
        "Calendar",
        "Sides",
        "NPS",
        "Check-ins",
        "Transfer",
    ]
    assert NAMES == (
        "BATON_DIGEST_CHANNELS",
        "BATON_ALERT_CHANNEL",
        "BATON_RESPONSE_SLA",
        "BATON_UNANSWERED_AFTER",
        "BATON_BLOCKER_SLA",
        "BATON_TIMEZONE",
        "BATON_WORKDAYS",
        "BATON_WORKHOURS",
        "BATON_HOLIDAYS",
        "BATON_SIDES",
        "BATON_NPS_AUDIENCE",
        "BATON_NPS_CADENCE",
        "BATON_CHECKIN_LEADS",
        "BATON_OPERATE_START",
        "BATON_TRANSFER_DATE",
        "BATON_SPRINT_DAYS",
    )


def test_each_value_that_cannot_be_read_is_named_with_what_it_expects() -> None:
    proposed = {
        "BATON_TIMEZONE": "Mars/Olympus",
        "BATON_DIGEST_CHANNELS": "#general",
        "BATON_SPRINT_DAYS": "0",
        "BATON_WORKHOURS": "09:00-09:00",
        "BATON_NPS_CADENCE": "weekly",  # good: not named
    }
    assert problems(SOURCE, {}, proposed) == {
        "BATON_TIMEZONE": "expected an IANA time zone such as America/Bogota, got 'Mars/Olympus'",
        "BATON_DIGEST_CHANNELS": (
            "expected channel ids separated by commas, e.g. C012AB3CD,C045EF6GH, got '#general'"
        ),
        "BATON_SPRINT_DAYS": "expected a number of days from 1 to 365, got '0'",
        "BATON_WORKHOURS": (
            "expected working hours as HH:MM-HH:MM, start and end apart, e.g. 09:00-18:00, or "
            "22:00-06:00 across midnight, got '09:00-09:00'"
        ),
    }


def test_a_good_set_is_accepted() -> None:
    proposed = {
        "BATON_TIMEZONE": " America/Bogota ",
        "BATON_DIGEST_CHANNELS": "C0OTHER,C0LEADS",
        "BATON_WORKDAYS": "sun-thu",
        "BATON_WORKHOURS": "22:00-06:00",  # a night shift: end before start is allowed
        "BATON_HOLIDAYS": "CO",
        "BATON_SIDES": "client=@acme-eng,partner=@latam-team",
        "BATON_CHECKIN_LEADS": "delivery:U012AB3CD,U045EF6GH",
        "BATON_OPERATE_START": "2026-09-07",
        "BATON_TRANSFER_DATE": "2027-06-30",
        "BATON_SPRINT_DAYS": "10",
        "BATON_RESPONSE_SLA": "2bh",
        "BATON_NPS_CADENCE": "quarterly",
    }
    assert problems(SOURCE, {}, proposed) == {}


def test_a_value_read_together_with_the_environment_names_the_variable_it_read() -> None:
    # The sides are fine alone; the vendor side's working hours, from the environment, are not.
    found = problems(SOURCE, {}, {"BATON_SIDES": "vendor=@acme-vendor,client=@acme-eng"})
    assert list(found) == ["BATON_SIDES"]
    assert found["BATON_SIDES"].startswith("BATON_SIDE_VENDOR_WORKHOURS: expected working hours")


def test_a_variable_a_workspace_may_not_change_is_refused() -> None:
    assert problems(SOURCE, {}, {"DATABASE_URL": "sqlite:///other.db"}) == {
        "DATABASE_URL": "not a setting a workspace can change"
    }


def test_an_empty_value_is_the_environment_s_and_is_always_accepted() -> None:
    stored = {"BATON_TIMEZONE": "America/Bogota", "BATON_SPRINT_DAYS": "10"}
    proposed = {"BATON_TIMEZONE": "", "BATON_SPRINT_DAYS": None, "BATON_WORKDAYS": "  "}
    assert problems(SOURCE, stored, proposed) == {}
    # Both stored values go; nothing is stored for the working days.
    assert changes(SOURCE, stored, proposed) == {
        "BATON_TIMEZONE": None,
        "BATON_SPRINT_DAYS": None,
    }
    defaults = load_settings(SOURCE)
    assert settings_for(defaults, stored).calendar.tz == ZoneInfo("America/Bogota")
    assert settings_for(defaults, {}).calendar.tz == ZoneInfo("UTC")


def test_only_what_differs_is_a_change_and_the_environment_s_own_text_stores_nothing() -> None:
    stored = {"BATON_SPRINT_DAYS": "10"}
    proposed = {
        "BATON_DIGEST_CHANNELS": "C0DEFAULT",  # the environment's: nothing to store
        "BATON_SPRINT_DAYS": "10",  # as stored: no change
        "BATON_TIMEZONE": "Europe/Madrid",
    }
    assert changes(SOURCE, stored, proposed) == {"BATON_TIMEZONE": "Europe/Madrid"}
    # The environment's own text for a stored variable takes it back to the environment.
    assert changes(SOURCE, {"BATON_TIMEZONE": "Europe/Madrid"}, {"BATON_TIMEZONE": "UTC"}) == {
        "BATON_TIMEZONE": None
    }


def test_a_workspace_s_settings_keep_the_process_s_slack_and_database() -> None:
    defaults = load_settings(SOURCE)
    settings = settings_for(defaults, {"BATON_DIGEST_CHANNELS": "C0OTHER"})
    assert settings.digest.channels == ("C0OTHER",)
    # The alerts follow the digest's channels when BATON_ALERT_CHANNEL is unset.
    assert settings.alerts.channels == ("C0OTHER",)
    assert settings.slack_bot_token == "xoxb-test"
    assert settings.slack_signing_secret == "secret"
    assert settings.database_url == defaults.database_url
