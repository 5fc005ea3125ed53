"""users.info answers: cached, and a Slack outage never refuses a person."""

from __future__ import annotations

import pytest

from bot.config.settings import load_settings
from bot.core.errors import InvalidInput
from bot.runtime.slack_client import make_client
from bot.runtime.users import LOOKUP_TIMEOUT_SECONDS, UserDirectory
from tests.support.fake_slack import FakeSlack


@pytest.fixture
def directory(fake_slack: FakeSlack) -> UserDirectory:
    settings = load_settings(
        {"SLACK_BOT_TOKEN": "xoxb-t", "SLACK_SIGNING_SECRET": "s", "SLACK_API_URL": fake_slack.url}
    )
    # As bot.services builds it: one quick try, since Slack waits for the command's answer.
    return UserDirectory(make_client(settings, timeout=LOOKUP_TIMEOUT_SECONDS, retry=False))


def test_answers_are_cached(directory: UserDirectory, fake_slack: FakeSlack) -> None:
    assert directory.lookup("UOWNER") is not None
    assert directory.lookup("UOWNER") is not None
    assert len(fake_slack.calls_to("users.info")) == 1


def test_unknown_deactivated_and_bot_users_are_refused(
    directory: UserDirectory, fake_slack: FakeSlack
) -> None:
    fake_slack.add_user("UGONE", deleted=True)
    fake_slack.add_user("UROBOT", is_bot=True)
    with pytest.raises(InvalidInput, match="can't find the user <@UNOBODY>"):
        directory.require_person("UNOBODY", role="an owner")
    # An outage's answer is not kept: once Slack answers again, the unknown id is refused.
    with pytest.raises(InvalidInput):
        directory.require_person("UNOBODY", role="an owner")
    with pytest.raises(InvalidInput, match="deactivated"):
        directory.require_person("UGONE", role="an owner")
    with pytest.raises(InvalidInput, match="is a bot; an owner must be a person"):
        directory.require_person("UROBOT", role="an owner")
    directory.require_person("UROBOT", role="waited on", allow_bots=True)
    directory.require_person("UOWNER", role="an owner")


def test_a_slack_outage_does_not_refuse_anyone(
    directory: UserDirectory, fake_slack: FakeSlack
) -> None:
    fake_slack.fail("users.info", error="internal_error", times=2)
    assert directory.lookup("UNOBODY") is None
    directory.require_person("UNOBODY", role="an owner")
    # An outage's answer is not kept: once Slack answers again, the unknown id is refused.
    with pytest.raises(InvalidInput):
        directory.require_person("UNOBODY", role="an owner")


def test_a_rate_limited_lookup_is_not_retried_and_refuses_no_one(
    directory: UserDirectory, fake_slack: FakeSlack
) -> None:
    # Waiting out Retry-After (and retrying) would answer Slack after its 3 seconds.
    fake_slack.fail("users.info", status=429, retry_after=2)
    directory.require_person("UNOBODY", role="an owner")
    assert len(fake_slack.calls_to("users.info")) == 1


def test_a_dropped_connection_or_a_slow_answer_leaves_the_person_unchecked(
    directory: UserDirectory, fake_slack: FakeSlack
) -> None:
    fake_slack.fail("users.info", drop=True)
    assert directory.lookup("UNOBODY") is None
    fake_slack.fail("users.info", delay=LOOKUP_TIMEOUT_SECONDS + 1.5)
    assert directory.lookup("UNOBODY") is None
    assert len(fake_slack.calls_to("users.info")) == 2
