"""A drainer killed (SIGKILL) after Slack took a post and before Baton recorded it: the restarted
server finds the post instead of posting it again."""

from __future__ import annotations

import os
import signal
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from bot.runtime.outbox import STALE_AFTER
from bot.runtime.posts import EVENT_TYPE
from storage.db import Database
from storage.models import Escalation, OutboxTask
from tests.app.test_cli import BATON, ENV, _escalate, _start, _stop, _wait_healthy, free_port
from tests.support.fake_slack import FakeSlack


def _drainer_of(server_pid: int) -> int:
    """The pid of the outbox drainer gunicorn's master forked."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            comm = (entry / "comm").read_text().strip()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if comm == "baton-drainer" and parent == server_pid:
            return int(entry.name)
    raise AssertionError("no drainer found")


def _wait(condition, timeout: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_post_made_by_a_killed_drainer_is_found_by_the_next_one(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    url_db = f"sqlite:///{tmp_path}/killed.db"
    port = free_port()
    env = {
        **ENV,
        "DATABASE_URL": url_db,
        "SLACK_API_URL": fake_slack.url,
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
    }
    url = f"http://127.0.0.1:{port}"
    # Slack keeps the post, then takes 30 s to answer: the drainer is killed while it waits.
    fake_slack.fail("chat.postMessage", accept=True, delay=30)
    server = _start([str(BATON), "serve"], env, tmp_path)
    try:
        assert _wait_healthy(url, server).status_code == 200
        assert _escalate(url).status_code == 200
        _wait(lambda: fake_slack.posts_in("CGENERAL"))
        os.kill(_drainer_of(server.pid), signal.SIGKILL)
    finally:
        _stop(server)
    db = Database(url_db)
    with db.reading() as session:
        assert session.scalar(select(Escalation.message_ts)) is None  # never recorded
    # A minute passes without the dead drainer renewing its claim (moved back, not waited).
    with db.unit_of_work() as session:
        task = session.scalars(select(OutboxTask)).one()
        assert task.claimed_at is not None and task.done_at is None
        task.claimed_at -= STALE_AFTER * 2

    server = _start([str(BATON), "serve"], env, tmp_path)
    try:
        assert _wait_healthy(url, server).status_code == 200

        def done() -> bool:
            with db.reading() as session:
                return session.scalar(select(OutboxTask.done_at)) is not None

        _wait(done)
    finally:
        logged = _stop(server)
    [post] = fake_slack.posts_in("CGENERAL")
    assert post["metadata"] == {"event_type": EVENT_TYPE, "event_payload": {"ref": "escalation:1"}}
    with db.reading() as session:
        assert session.scalar(select(Escalation.message_ts)) == post["ts"]
    db.dispose()
    assert "Traceback" not in logged
    assert timedelta(minutes=1) >= STALE_AFTER
