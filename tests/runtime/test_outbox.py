"""The outbox: promised Slack work is done once, survives Slack outages and dead drainers."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

from sqlalchemy import select

from bot.app import TASKS
from bot.runtime.outbox import STALE_AFTER, Drainer
from storage import outbox
from storage.models import Escalation, OutboxTask
from tests.support.harness import Baton

NOW = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)


def _tasks(baton: Baton) -> list[SimpleNamespace]:
    with baton.db.reading() as session:
        rows = session.execute(select(OutboxTask.__table__).order_by(OutboxTask.id))
        return [SimpleNamespace(**row._mapping) for row in rows]


def _channel_posts(baton: Baton) -> list:
    return [
        c for c in baton.fake_slack.calls_to("chat.postMessage") if c.args["channel"] == "CGENERAL"
    ]


def test_the_escalation_and_its_announcement_commit_together(baton: Baton) -> None:
    baton.set_now(NOW)
    baton._stop_drainer.set()  # nobody drains: the promise must wait in the table
    baton._drainer_thread.join()
    assert baton.command("/escalate", "sev2 Checkout is slow").status_code == 200
    [task] = _tasks(baton)
    assert task.kind == "escalation.announce"
    assert task.done_at is None
    assert _channel_posts(baton) == []
    baton.settle()
    assert len(_channel_posts(baton)) == 1
    assert _tasks(baton)[0].done_at == NOW


def test_slack_down_past_the_clients_retries_is_tried_again_later_and_posts_once(
    baton: Baton,
) -> None:
    baton.set_now(NOW)
    # The client itself retries a 500 twice; three in a row outlast it.
    baton.fake_slack.fail("chat.postMessage", status=500, times=3)
    baton.command("/escalate", "sev2 Checkout is slow")
    baton.settle()
    [task] = _tasks(baton)
    assert task.done_at is None and task.attempts == 1
    assert task.available_at > NOW
    baton.set_now(NOW + timedelta(minutes=1))
    baton.settle()
    assert _tasks(baton)[0].done_at is not None
    posted = [c for c in _channel_posts(baton)]
    assert len(posted) == 4  # three refused, one that went through
    with baton.db.reading() as session:
        [ts] = session.scalars(select(Escalation.message_ts)).all()
    assert ts is not None


def test_a_refusal_is_told_and_not_retried(baton: Baton) -> None:
    baton.set_now(NOW)
    baton.fake_slack.fail("chat.postMessage", error="not_in_channel")
    baton.command("/escalate", "sev2 Checkout is slow")
    baton.settle()
    [task] = _tasks(baton)
    assert task.done_at is not None and task.last_error is None
    [told] = baton.fake_slack.calls_to("response_url")
    assert "could not post it" in told.args["text"]


def test_a_dead_drainers_claim_is_taken_over_once_stale(baton: Baton) -> None:
    baton.set_now(NOW)
    baton._stop_drainer.set()
    baton._drainer_thread.join()
    baton.command("/escalate", "sev2 Checkout is slow")
    with baton.db.unit_of_work() as session:  # a drainer claims it, then dies
        [_claimed] = outbox.claim(session, now=NOW, stale_before=NOW - STALE_AFTER, limit=10)
    drainer = Drainer(baton.services, TASKS)
    assert drainer.drain_once() == 0
    baton.set_now(NOW + STALE_AFTER + timedelta(seconds=1))
    assert drainer.drain_once() == 1
    assert len(_channel_posts(baton)) == 1


def test_two_drainers_do_each_task_once(baton: Baton) -> None:
    baton.set_now(NOW)
    baton._stop_drainer.set()
    baton._drainer_thread.join()
    for number in range(12):
        baton.command("/escalate", f"sev3 Problem {number}")
    barrier = threading.Barrier(2)

    def drain() -> None:
        barrier.wait()
        Drainer(baton.services, TASKS, batch=3).drain()

    threads = [threading.Thread(target=drain) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    titles = sorted(c.args["text"] for c in _channel_posts(baton))
    assert len(titles) == 12
    assert len(set(titles)) == 12
    assert all(task.done_at is not None for task in _tasks(baton))


def test_an_unknown_kind_is_dropped_with_a_log(baton: Baton, caplog) -> None:
    baton.set_now(NOW)
    with baton.db.unit_of_work() as session:
        outbox.enqueue(session, team_id="T1", kind="nonsense", payload={}, now=NOW)
    baton.settle()
    [task] = _tasks(baton)
    assert task.done_at is not None and task.last_error == "unknown kind"
    assert "unknown kind 'nonsense'" in caplog.text
