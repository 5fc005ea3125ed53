"""Every Web API call goes to SLACK_API_URL and survives 429, 5xx and dropped connections."""

from __future__ import annotations

import time

import pytest
from slack_sdk.errors import SlackApiError

from bot.config.settings import load_settings
from bot.runtime.slack_client import make_client
from tests.support.fake_slack import FakeSlack


@pytest.fixture
def client(fake_slack: FakeSlack):
    settings = load_settings(
        {
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_SIGNING_SECRET": "s",
            "SLACK_API_URL": fake_slack.url,
        }
    )
    return make_client(settings)


def test_calls_go_to_the_configured_url_with_the_bot_token(client, fake_slack: FakeSlack) -> None:
    client.chat_postMessage(channel="C1", text="hi")
    [call] = fake_slack.calls_to("chat.postMessage")
    assert call.token == "xoxb-test"
    assert call.args["channel"] == "C1"


def test_a_429_is_retried_after_retry_after(client, fake_slack: FakeSlack) -> None:
    fake_slack.fail("chat.postMessage", status=429, retry_after=1)
    started = time.monotonic()
    response = client.chat_postMessage(channel="C1", text="hi")
    assert response["ok"] is True
    assert time.monotonic() - started >= 1.0
    assert len(fake_slack.calls_to("chat.postMessage")) == 2


def test_a_500_is_retried(client, fake_slack: FakeSlack) -> None:
    fake_slack.fail("chat.postMessage", status=500)
    assert client.chat_postMessage(channel="C1", text="hi")["ok"] is True
    assert len(fake_slack.calls_to("chat.postMessage")) == 2


def test_a_dropped_connection_is_retried(client, fake_slack: FakeSlack) -> None:
    fake_slack.fail("chat.postMessage", drop=True)
    assert client.chat_postMessage(channel="C1", text="hi")["ok"] is True
    assert len(fake_slack.calls_to("chat.postMessage")) == 2


def test_an_api_error_is_raised_not_retried(client, fake_slack: FakeSlack) -> None:
    fake_slack.fail("chat.postMessage", error="channel_not_found")
    with pytest.raises(SlackApiError) as caught:
        client.chat_postMessage(channel="CMISSING", text="hi")
    assert caught.value.response["error"] == "channel_not_found"
    assert len(fake_slack.calls_to("chat.postMessage")) == 1
