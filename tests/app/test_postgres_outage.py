"""PostgreSQL goes away under traffic and comes back: Slack gets a fast non-200 meanwhile (so it
retries), nothing half-stored, /healthz says 503 then 200, and Baton reconnects by itself.

The test runs a PostgreSQL server of its own, in a temporary folder, never the machine's.
initdb and pg_ctl refuse to run as root, so as root they run as the `postgres` user.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import select

from storage import migrate
from storage.db import create_db_engine
from storage.models import Escalation, Message, OutboxTask
from tests.app.test_cli import free_port
from tests.support.fake_slack import FakeSlack
from tests.support.harness import Baton

CHANNEL = "CGENERAL"


def _as_postgres(*command: str) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return list(command)


def _why_not() -> str | None:
    for tool in ("initdb", "pg_ctl"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed"
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        return "initdb refuses root and runuser is not installed"
    return None


class Server:
    """A PostgreSQL server in `folder`, on `port`, stopped and started at will."""

    def __init__(self, folder: Path, port: int) -> None:
        self.folder, self.port = folder, port
        self.data = folder / "data"

    def run(self, *command: str) -> None:
        done = subprocess.run(
            _as_postgres(*command), capture_output=True, text=True, timeout=120, cwd="/"
        )
        assert done.returncode == 0, done.stderr or done.stdout

    def init(self) -> None:
        self.run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.folder / "log"),
                 "-w", "start")  # fmt: skip

    def stop(self) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"


@pytest.fixture
def postgres() -> Iterator[Server]:
    why = _why_not()
    if why is not None:
        pytest.skip(why)
    # Not under pytest's own temporary folder: only root may enter that one.
    folder = Path(tempfile.mkdtemp(prefix="baton-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
    server = Server(folder, free_port())
    try:
        server.init()
        server.start()
        engine = create_db_engine(server.url)
        migrate.upgrade(engine)
        engine.dispose()
        yield server
    finally:
        subprocess.run(
            _as_postgres("pg_ctl", "-D", str(server.data), "-m", "immediate", "stop"),
            capture_output=True,
            cwd="/",
        )
        shutil.rmtree(folder, ignore_errors=True)


def _message(baton: Baton, number: int, event_id: str, retry: int | None = None) -> int:
    ts = f"1700000{number:03d}.000100"
    event = {
        "type": "message",
        "channel": CHANNEL,
        "channel_type": "channel",
        "user": "UREPORTER",
        "text": "is the deploy done?",
        "ts": ts,
        "event_ts": ts,
    }
    started = time.monotonic()
    answer = baton.event(event, event_id=event_id, retry_num=retry)
    took = time.monotonic() - started
    assert took < 3.0, f"Slack waits 3 s; this answer took {took:.1f} s"
    return answer.status_code


def test_an_outage_gets_fast_refusals_and_baton_reconnects_without_a_restart(
    postgres: Server, fake_slack: FakeSlack, make_baton_at: Callable[[str], Baton]
) -> None:
    baton = make_baton_at(postgres.url)
    health = f"{baton.url}/healthz"
    sent: dict[int, str] = {}
    for number in range(5):
        sent[number] = f"Ev{uuid.uuid4().hex[:10].upper()}"
        assert _message(baton, number, sent[number]) == 200
    assert baton.command("/escalate", "sev2 Before the outage").status_code == 200

    postgres.stop()
    assert requests.get(health, timeout=5).status_code == 503
    refused = {}
    for number in range(5, 10):
        sent[number] = f"Ev{uuid.uuid4().hex[:10].upper()}"
        refused[number] = _message(baton, number, sent[number])
    # Not 200, so Slack sends each again; never a hang past its 3 seconds.
    assert all(status >= 500 for status in refused.values()), refused
    outage_command = baton.command("/escalate", "sev2 During the outage")
    assert outage_command.status_code == 200  # the person is told, in words
    assert outage_command.json()["text"] == (
        ":warning: Baton cannot reach its database just now, so nothing was recorded. "
        "Try again in a minute."
    )

    postgres.start()
    deadline = time.monotonic() + 20
    while requests.get(health, timeout=5).status_code != 200:
        assert time.monotonic() < deadline, "Baton did not reconnect"
        time.sleep(0.2)
    # Slack's retries of what was refused, and one more retry of something stored before.
    for number in range(5, 10):
        assert _message(baton, number, sent[number], retry=1) == 200
    assert _message(baton, 0, sent[0], retry=1) == 200
    assert baton.command("/escalate", "sev2 After the outage").status_code == 200
    baton.settle()

    # Each message counted once; the escalation of the outage is not there in part.
    assert baton.count(Message) == 10
    titles = [row for row in _titles(baton)]
    assert titles == ["Before the outage", "After the outage"]
    announced = baton.count(OutboxTask, OutboxTask.kind == "escalation.announce")
    assert announced == baton.count(Escalation) == 2


def _titles(baton: Baton) -> list[str]:
    with baton.db.reading() as session:
        return list(session.scalars(select(Escalation.title).order_by(Escalation.id)))
