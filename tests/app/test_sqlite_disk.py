"""The SQLite file on a full disk and on a read-only file system: /healthz says so, people get
one clear sentence, the web process goes on answering, and nothing stored is damaged.

Real file systems: a small tmpfs filled up, and the same remounted read-only (root can write
a file whose mode says read-only, so a mode proves nothing). Where the machine refuses the
mount, the tests skip and say why.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from storage import migrate
from storage.db import create_db_engine
from storage.models import Escalation, OutboxTask
from tests.support.harness import Baton

FULL_TEXT = (
    ":warning: Baton cannot store anything just now (its database's disk is full), so nothing "
    "was recorded. Tell whoever runs Baton."
)
READ_ONLY_TEXT = (
    ":warning: Baton cannot store anything just now (its database is read-only), so nothing "
    "was recorded. Tell whoever runs Baton."
)


def _mount(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["mount", *args], capture_output=True, text=True, check=False)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MB tmpfs of the test's own, with a migrated SQLite file on it."""
    folder = tmp_path / "disk"
    folder.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small file system needs root and mount(8)")
    mounted = _mount("-t", "tmpfs", "-o", "size=4m", "tmpfs", str(folder))
    if mounted.returncode != 0:
        pytest.skip(f"this machine refuses to mount a tmpfs: {mounted.stderr.strip()}")
    try:
        engine = create_db_engine(f"sqlite:///{folder}/baton.db")
        migrate.upgrade(engine)
        engine.dispose()
        yield folder
    finally:
        _mount("-o", "remount,rw", str(folder))
        subprocess.run(["umount", "-l", str(folder)], check=False)


def _intact(path: Path) -> None:
    with contextlib.closing(sqlite3.connect(path)) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        [(title,)] = connection.execute("SELECT title FROM escalations").fetchall()
        assert title == "Before the trouble"


def _fill(folder: Path) -> Path:
    filler = folder / "filler"
    with contextlib.suppress(OSError), filler.open("wb", buffering=0) as handle:
        while True:
            handle.write(b"\0" * 65536)
    return filler


def test_a_full_disk_is_said_plainly_and_nothing_stored_is_damaged(
    small_disk: Path, make_baton_at: Callable[[str], Baton]
) -> None:
    baton = make_baton_at(f"sqlite:///{small_disk}/baton.db")
    assert baton.command("/escalate", "sev2 Before the trouble").status_code == 200
    baton.settle()
    filler = _fill(small_disk)

    health = requests.get(f"{baton.url}/healthz", timeout=5)
    assert (health.status_code, health.json()) == (503, {"status": "database disk full"})
    answer = baton.command("/escalate", "sev2 During the trouble")
    assert answer.status_code == 200 and answer.json()["text"] == FULL_TEXT
    # Reading still works: the web process answers what it can.
    assert baton.command("/kpi", "escalations").status_code == 200
    assert baton.count(Escalation) == 1

    filler.unlink()
    assert requests.get(f"{baton.url}/healthz", timeout=5).status_code == 200
    assert "recorded" in baton.command("/escalate", "sev2 After the trouble").json()["text"]
    baton.settle()
    assert baton.count(Escalation) == 2
    assert baton.count(OutboxTask, OutboxTask.kind == "escalation.announce") == 2
    baton.close()
    with contextlib.closing(sqlite3.connect(small_disk / "baton.db")) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_a_read_only_file_system_is_said_plainly_and_nothing_stored_is_damaged(
    small_disk: Path, tmp_path: Path, make_baton_at: Callable[[str], Baton]
) -> None:
    first = make_baton_at(f"sqlite:///{small_disk}/baton.db")
    assert first.command("/escalate", "sev2 Before the trouble").status_code == 200
    first.settle()
    first.close()
    # The same files seen through a read-only bind mount (a remount of the disk itself is
    # refused while anything holds a file open for writing).
    view = tmp_path / "read-only"
    view.mkdir()
    if _mount("--bind", str(small_disk), str(view)).returncode != 0:
        pytest.skip("this machine refuses a bind mount")
    try:
        remounted = _mount("-o", "remount,bind,ro", str(view))
        if remounted.returncode != 0:
            pytest.skip(f"this machine refuses a read-only bind mount: {remounted.stderr.strip()}")
        baton = make_baton_at(f"sqlite:///{view}/baton.db")
        health = requests.get(f"{baton.url}/healthz", timeout=5)
        assert (health.status_code, health.json()) == (503, {"status": "database read-only"})
        answer = baton.command("/escalate", "sev2 During the trouble")
        assert answer.status_code == 200 and answer.json()["text"] == READ_ONLY_TEXT
        # The web process goes on answering.
        assert baton.command("/kpi", "escalations").status_code == 200
        assert baton.command("/escalate", "help").status_code == 200
        baton.close()
    finally:
        subprocess.run(["umount", "-l", str(view)], check=False)
    _intact(small_disk / "baton.db")
