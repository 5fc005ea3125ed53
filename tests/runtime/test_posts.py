"""A post Slack took is never posted again, whether Baton heard back or its drainer died."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.app import TASKS
from bot.runtime.outbox import STALE_AFTER, Drainer
from bot.runtime.posts import EVENT_TYPE, post_once
from storage import outbox
from storage.models import Blocker, Escalation
from tests.support.harness import Baton

NOW = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)


def _tagged(baton: Baton, channel: str, ref: str) -> list[dict[str, Any]]:
    """The messages in `channel` that Baton tagged `ref`."""
    return [
        message
        for message in baton.fake_slack.posts_in(channel)
        if (message.get("metadata") or {}).get("event_type") == EVENT_TYPE
        and message["metadata"]["event_payload"]["ref"] == ref
    ]


def _escalation_ts(baton: Baton) -> str | None:
    with baton.db.reading() as session:
        [ts] = session.scalars(select(Escalation.message_ts)).all()
    return ts


def test_every_channel_post_names_what_it_is_in_its_metadata(baton: Baton) -> None:
    baton.set_now(NOW)
    baton.command("/escalate", "sev2 Checkout is slow")
    baton.command("/blocker", "Waiting on the VPN for staging")
    baton.settle()
    [escalation] = _tagged(baton, "CGENERAL", "escalation:1")
    [blocker] = _tagged(baton, "CGENERAL", "blocker:1")
    assert _escalation_ts(baton) == escalation["ts"]
    with baton.db.reading() as session:
        assert session.scalar(select(Blocker.message_ts)) == blocker["ts"]


def test_a_post_slack_took_before_the_connection_dropped_is_kept_not_repeated(
    baton: Baton,
) -> None:
    baton.set_now(NOW)
    baton.fake_slack.fail("chat.postMessage", accept=True, drop=True)
    baton.command("/escalate", "sev2 Checkout is slow")
    baton.settle()
    [post] = _tagged(baton, "CGENERAL", "escalation:1")
    assert _escalation_ts(baton) == post["ts"]
    # Looked for once, with the metadata Slack leaves out unless asked.
    [look] = baton.fake_slack.calls_to("conversations.history")
    assert look.args["channel"] == "CGENERAL"
    assert look.args["include_all_metadata"] in ("1", "true", True)


def test_a_post_slack_took_before_answering_500_is_kept_not_repeated(baton: Baton) -> None:
    baton.set_now(NOW)
    baton.fake_slack.fail("chat.postMessage", accept=True, status=500)
    baton.command("/blocker", "Waiting on the VPN for staging")
    baton.settle()
    [post] = _tagged(baton, "CGENERAL", "blocker:1")
    with baton.db.reading() as session:
        assert session.scalar(select(Blocker.message_ts)) == post["ts"]


def test_a_post_that_never_reached_slack_is_made_after_looking(baton: Baton) -> None:
    baton.set_now(NOW)
    baton.fake_slack.fail("chat.postMessage", drop=True)
    baton.command("/escalate", "sev2 Checkout is slow")
    baton.settle()
    [post] = _tagged(baton, "CGENERAL", "escalation:1")
    assert _escalation_ts(baton) == post["ts"]
    assert len(baton.fake_slack.calls_to("conversations.history")) == 1


def test_tries_that_all_fail_leave_the_task_for_later_and_it_still_posts_once(
    baton: Baton,
) -> None:
    baton.set_now(NOW)
    # Every try in this run reaches Slack and loses its answer.
    baton.fake_slack.fail("chat.postMessage", accept=True, drop=True, times=3)
    baton.command("/escalate", "sev2 Checkout is slow")
    baton.settle()
    assert len(_tagged(baton, "CGENERAL", "escalation:1")) == 1
    baton.set_now(NOW + timedelta(minutes=1))
    baton.settle()
    [post] = _tagged(baton, "CGENERAL", "escalation:1")
    assert _escalation_ts(baton) == post["ts"]


def test_a_drainer_that_died_after_slack_took_the_post_is_taken_over_without_a_repeat(
    baton: Baton,
) -> None:
    baton.set_now(NOW)
    baton._stop_drainer.set()
    baton._drainer_thread.join()
    baton.command("/escalate", "sev2 Checkout is slow")
    # A drainer claims the task, posts, and is killed before it records the post.
    with baton.db.unit_of_work() as session:
        outbox.claim(session, now=NOW, stale_before=NOW - STALE_AFTER, limit=10)
    took = post_once(baton.services, ref="escalation:1", channel="CGENERAL", text="#1")
    drainer = Drainer(baton.services, TASKS)
    assert drainer.drain_once() == 0  # still claimed
    # Its claim is not renewed: it is stale within a minute, not minutes.
    assert timedelta(minutes=1) >= STALE_AFTER
    baton.set_now(NOW + STALE_AFTER + timedelta(seconds=1))
    assert drainer.drain_once() == 1
    assert len(_tagged(baton, "CGENERAL", "escalation:1")) == 1
    assert _escalation_ts(baton) == took.ts


def test_a_living_drainer_keeps_its_claims(baton: Baton, monkeypatch: Any) -> None:
    baton.set_now(NOW)
    baton._stop_drainer.set()
    baton._drainer_thread.join()
    baton.command("/escalate", "sev2 Checkout is slow")
    # Slack takes long to answer: past the time after which an unrenewed claim is stale.
    monkeypatch.setattr("bot.runtime.outbox.KEEP_CLAIMS_EVERY_SECONDS", 0.05)
    baton.fake_slack.fail("chat.postMessage", delay=1.0)
    first = Drainer(baton.services, TASKS)
    second = Drainer(baton.services, TASKS)
    working = threading.Thread(target=first.drain_once)
    working.start()
    baton.fake_slack.wait_for("chat.postMessage")
    baton.set_now(NOW + STALE_AFTER * 2)  # the claim, renewed at this time, is fresh
    time.sleep(0.3)
    assert second.drain_once() == 0
    working.join()
    assert len(_tagged(baton, "CGENERAL", "escalation:1")) == 1
