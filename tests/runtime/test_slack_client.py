"""Every Web API call goes to SLACK_API_URL and survives 429, 5xx and dropped connections."""

from __future__ import annotations

import socket
import struct
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


def test_a_client_that_gives_up_leaves_no_traceback(capfd: pytest.CaptureFixture[str]) -> None:
    fake = FakeSlack().start()
    fake.add_user("UDELAYED")
    fake.fail("users.info", delay=0.5)
    host, port = fake.base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as client:
        client.sendall(b"POST /api/users.info?user=UDELAYED HTTP/1.1\r\nHost: x\r\n"
                       b"Authorization: Bearer xoxb-1\r\nContent-Length: 0\r\n\r\n")  # fmt: skip
        # Gone before the answer, and with an unread reset: the write fails on the fake's side.
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    time.sleep(1.0)
    fake.stop()
    assert "Traceback" not in capfd.readouterr().err


def test_a_job_failure_is_one_line_when_slack_was_unwell_and_a_traceback_when_a_bug(
    client, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    from bot.runtime.slack_client import log_failure

    log = logging.getLogger("baton.test.job")
    fake_slack.fail("chat.postMessage", status=500, times=3)
    with pytest.raises(SlackApiError) as unwell:
        client.chat_postMessage(channel="C1", text="hi")
    fake_slack.fail("chat.postMessage", error="channel_not_found")
    with pytest.raises(SlackApiError) as refused:
        client.chat_postMessage(channel="C1", text="hi")
    for error in (unwell.value, ConnectionResetError(104, "reset"), refused.value, KeyError("x")):
        try:
            raise error
        except Exception as caught:  # as a job catches it
            log_failure(log, caught, "reminder %s failed", 7)
    lines = [(r.levelname, r.getMessage(), r.exc_info is not None) for r in caplog.records]
    mine = [line for line in lines if line[1].startswith("reminder")]
    assert mine == [
        ("WARNING", "reminder 7 failed (HTTP 500)", False),
        ("WARNING", "reminder 7 failed (ConnectionResetError)", False),
        ("ERROR", "reminder 7 failed", True),
        ("ERROR", "reminder 7 failed", True),
    ]
