"""SQLite's write gate: writers queue on a file lock and the lock is free again after each
transaction, whether it committed, rolled back or failed; readers never take it."""

from __future__ import annotations

import fcntl
import gc
import os
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from storage import driver, escalations, migrate
from storage.db import Database
from storage.models import Escalation

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    db = Database(f"sqlite:///{tmp_path}/baton.db")
    migrate.upgrade(db.engine)
    yield db
    db.dispose()


def _gate_is_free(db: Database) -> bool:
    """Whether someone else could take the gate now (a descriptor of our own, never waiting)."""
    path = f"{os.path.abspath(str(db.engine.url.database))}-baton-write-lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # closing lets go of a lock we took
    return True


def _add(writer: driver.Writer, title: str = "Payments down") -> int:
    return escalations.create_escalation(
        writer,
        team_id="T1",
        title=title,
        severity=2,
        reporter_id="UREPORTER",
        owner_id=None,
        source_channel_id="CGENERAL",
        now=NOW,
    )


def _count(db: Database) -> int:
    with db.reading() as session:
        return int(session.scalar(select(func.count()).select_from(Escalation)) or 0)


def test_a_session_holds_the_gate_while_it_writes_and_lets_go_at_commit(
    sqlite_db: Database,
) -> None:
    assert _gate_is_free(sqlite_db)
    with sqlite_db.unit_of_work() as session:
        _add(session)
        assert not _gate_is_free(sqlite_db)
    assert _gate_is_free(sqlite_db)
    assert _count(sqlite_db) == 1


def test_a_failed_session_rolls_back_and_lets_go(sqlite_db: Database) -> None:
    with pytest.raises(RuntimeError), sqlite_db.unit_of_work() as session:
        _add(session)
        raise RuntimeError("boom")
    assert _gate_is_free(sqlite_db)
    assert _count(sqlite_db) == 0


def test_reading_never_takes_the_gate(sqlite_db: Database) -> None:
    with sqlite_db.reading() as session:
        session.execute(select(Escalation.id)).all()
        assert _gate_is_free(sqlite_db)


def test_a_driver_transaction_holds_the_gate_and_lets_go_on_failure(sqlite_db: Database) -> None:
    with driver.transaction(sqlite_db) as tx:
        _add(tx)
        assert not _gate_is_free(sqlite_db)
    assert _gate_is_free(sqlite_db)
    with pytest.raises(RuntimeError), driver.transaction(sqlite_db) as tx:
        _add(tx, "rolled back")
        raise RuntimeError("boom")
    assert _gate_is_free(sqlite_db)
    with sqlite_db.reading() as session:
        assert session.scalars(select(Escalation.title)).all() == ["Payments down"]


def test_a_second_writer_waits_for_the_first_and_then_writes(sqlite_db: Database) -> None:
    second_done = threading.Event()

    def second() -> None:
        with driver.transaction(sqlite_db) as tx:
            _add(tx, "second")
        second_done.set()

    with sqlite_db.unit_of_work() as session:
        _add(session, "first")
        writer = threading.Thread(target=second, daemon=True)
        writer.start()
        assert not second_done.wait(0.2)  # it waits in the gate…
    writer.join(timeout=10)
    assert second_done.is_set()  # …and writes once the first has committed
    with sqlite_db.reading() as session:
        titles = session.scalars(select(Escalation.title).order_by(Escalation.id)).all()
    assert titles == ["first", "second"]
    assert _gate_is_free(sqlite_db)


def test_many_writers_at_once_each_write_once(sqlite_db: Database) -> None:
    def write(n: int) -> None:
        for i in range(20):
            if i % 2:
                with sqlite_db.unit_of_work() as session:
                    _add(session, f"{n}-{i}")
            else:
                with driver.transaction(sqlite_db) as tx:
                    _add(tx, f"{n}-{i}")

    threads = [threading.Thread(target=write, args=(n,), daemon=True) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert _count(sqlite_db) == 6 * 20
    assert _gate_is_free(sqlite_db)


def test_threads_that_wrote_and_ended_leave_no_open_descriptors(sqlite_db: Database) -> None:
    def write() -> None:
        with driver.transaction(sqlite_db) as tx:
            _add(tx)

    def open_descriptors() -> int:
        return len(os.listdir("/proc/self/fd"))

    write()  # the pool's connection and this thread's descriptor exist from here on
    before = open_descriptors()
    for _ in range(50):
        thread = threading.Thread(target=write)
        thread.start()
        thread.join()
    gc.collect()
    assert open_descriptors() <= before + 2  # the pool may keep a connection or two more
