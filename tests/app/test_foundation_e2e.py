"""The foundation through Baton's HTTP endpoint: health, signatures, event deliveries."""

from __future__ import annotations

import logging
import time

import pytest
import requests
from sqlalchemy import func, select

from storage.models import SlackEvent
from tests.support.harness import Baton


def _event_count(baton: Baton) -> int:
    with baton.db.reading() as session:
        return session.scalar(select(func.count()).select_from(SlackEvent)) or 0


def test_healthz_answers_200_with_the_database_reachable(baton: Baton) -> None:
    response = requests.get(f"{baton.url}/healthz", timeout=5)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_healthz_answers_503_when_the_database_is_unreachable(make_baton) -> None:
    baton = make_baton(DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:1/none")
    response = requests.get(f"{baton.url}/healthz", timeout=10)
    assert response.status_code == 503


def test_forged_signature_is_refused_and_changes_nothing(baton: Baton) -> None:
    response = baton.command("/escalate", "sev1 Database down", secret="not-the-secret")
    assert response.status_code == 401
    baton.settle()
    assert baton.fake_slack.calls == []


def test_a_refused_request_leaves_no_body_in_the_logs(
    baton: Baton, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    event = {
        "type": "message",
        "channel": "CGENERAL",
        "user": "UOTHER",
        "text": "secret-marker-7f3a roadmap",
        "ts": "1700000000.000900",
    }
    assert baton.event(event, secret="forged").status_code == 401
    assert "secret-marker-7f3a" not in caplog.text


def test_stale_signature_is_refused(baton: Baton) -> None:
    six_minutes_ago = int(time.time()) - 6 * 60
    response = baton.command("/escalate", "sev1 Database down", timestamp=six_minutes_ago)
    assert response.status_code == 401


def test_an_event_and_its_retries_are_recorded_once(baton: Baton) -> None:
    event = {
        "type": "message",
        "channel": "CGENERAL",
        "user": "UOTHER",
        "text": "hello",
        "ts": "1700000000.000100",
        "event_ts": "1700000000.000100",
    }
    first = baton.event(event, event_id="Ev0001")
    retry = baton.event(event, event_id="Ev0001", retry_num=1)
    again = baton.event(event, event_id="Ev0001", retry_num=2)
    assert [first.status_code, retry.status_code, again.status_code] == [200, 200, 200]
    assert _event_count(baton) == 1
    baton.event(event | {"ts": "1700000001.000100"}, event_id="Ev0002")
    assert _event_count(baton) == 2


def test_own_and_other_bots_messages_are_ignored(baton: Baton) -> None:
    own = {
        "type": "message",
        "channel": "CGENERAL",
        "user": "UBATON",
        "bot_id": "BBATON",
        "text": "hi",
        "ts": "1700000000.000200",
    }
    other = {
        "type": "message",
        "subtype": "bot_message",
        "channel": "CGENERAL",
        "bot_id": "BOTHER",
        "text": "deploy done",
        "ts": "1700000000.000300",
    }
    assert baton.event(own, event_id="EvOwn").status_code == 200
    assert baton.event(other, event_id="EvBot").status_code == 200
    baton.settle()
    assert [c.method for c in baton.fake_slack.calls if c.method != "auth.test"] == []
