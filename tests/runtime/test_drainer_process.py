"""The forked drainer stops promptly, whenever SIGTERM comes and when its parent is gone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

# Run in an interpreter of its own: forking pytest, with the fake Slack's threads, would copy
# them half-stopped into the child. Each trial forks a drainer, waits a random moment (idle
# polls, database reads, its start-up), sends SIGTERM and times how long the drainer takes to
# end; the last trial kills the parent instead and times the orphan.
SCRIPT = r"""
import json, os, random, signal, sys, time

from bot.config.settings import load_settings
from bot.runtime.outbox import drain_in_child
from bot.runtime.services import build_services
from storage.db import create_db_engine
from storage.migrate import upgrade

url = sys.argv[1]
upgrade(create_db_engine(url))
settings = load_settings({"SLACK_BOT_TOKEN": "xoxb-t", "SLACK_SIGNING_SECRET": "s",
                          "DATABASE_URL": url})
services = build_services(settings)
random.seed(7)
took = []
for trial in range(int(sys.argv[2])):
    pid = drain_in_child(services, {})
    time.sleep(random.uniform(0, 0.35))
    os.kill(pid, signal.SIGTERM)
    started = time.monotonic()
    deadline = started + 10
    status = None
    while time.monotonic() < deadline:
        ended, status = os.waitpid(pid, os.WNOHANG)
        if ended:
            break
        time.sleep(0.005)
    else:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    took.append([round(time.monotonic() - started, 3), status])

# An orphan: the drainer's parent ends without a word.
middle = os.fork()
if middle == 0:
    orphan = drain_in_child(services, {})
    print(json.dumps({"orphan": orphan}), flush=True)
    time.sleep(0.3)
    os._exit(0)
os.waitpid(middle, 0)
print(json.dumps({"took": took}), flush=True)
"""


def _run(script: str, *args: str) -> list[Any]:
    """Run `script` in an interpreter of its own, outside Baton's settings; its JSON lines."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "BATON_"))}
    done = subprocess.run(
        [sys.executable, "-c", script, *args],
        env=env,
        cwd=Path(__file__).parents[2],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie belongs to init and is gone for our purpose.
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split(") ")[1][0] != "Z"


def test_a_forked_drainer_ends_within_a_second_of_sigterm_or_of_its_parent(
    tmp_path: Path,
) -> None:
    lines = _run(SCRIPT, f"sqlite:///{tmp_path}/drainer.db", "25")
    orphan = next(line["orphan"] for line in lines if "orphan" in line)
    took = next(line["took"] for line in lines if "took" in line)
    assert len(took) == 25
    # Each ended by itself, cleanly, within a second (a deadlocked one was killed after 10 s).
    assert [status for _, status in took] == [0] * 25
    assert max(seconds for seconds, _ in took) < 1.0
    # The orphan notices its parent is gone within about a second.
    for _ in range(300):
        if not _alive(orphan):
            break
        subprocess.run(["sleep", "0.01"], check=True)
    assert not _alive(orphan)


# Writes a few hundred small transactions into a SQLite file, with a drainer forked beside or
# without one, then reads from the write-ahead log's index (the -shm file) how many frames the
# log holds and how many of them were copied into the database file.
CHECKPOINT_SCRIPT = r"""
import json, os, signal, struct, sys, time
from datetime import UTC, datetime

from bot.config.settings import load_settings
from bot.runtime.outbox import drain_in_child
from bot.runtime.services import build_services
from storage import claims
from storage.db import create_db_engine
from storage.migrate import upgrade

url, with_drainer = sys.argv[1], sys.argv[2] == "yes"
upgrade(create_db_engine(url))
settings = load_settings({"SLACK_BOT_TOKEN": "xoxb-t", "SLACK_SIGNING_SECRET": "s",
                          "DATABASE_URL": url})
services = build_services(settings)
pid = drain_in_child(services, {}) if with_drainer else None
for number in range(300):
    with services.db.unit_of_work() as session:
        claims.claim(
            session, team_id="T1", job="t", subject=str(number), period="p", now=datetime.now(UTC)
        )
time.sleep(1.5)
with open(url.removeprefix("sqlite:///") + "-shm", "rb") as shm:
    header = shm.read(100)
frames, = struct.unpack_from("=I", header, 16)
copied, = struct.unpack_from("=I", header, 96)
if pid:
    os.kill(pid, signal.SIGTERM)
    os.waitpid(pid, 0)
print(json.dumps({"frames": frames, "copied": copied}))
"""


def _log_after_writes(tmp_path: Path, with_drainer: bool) -> dict[str, int]:
    url = f"sqlite:///{tmp_path}/{'with' if with_drainer else 'without'}.db"
    result: dict[str, int] = _run(CHECKPOINT_SCRIPT, url, "yes" if with_drainer else "no")[-1]
    return result


def test_the_drainer_copies_sqlites_log_into_the_file_so_web_commits_need_not(
    tmp_path: Path,
) -> None:
    # Without a drainer, 300 commits stay in the log: far below the point where a commit
    # would copy it itself, which the web workers' commits then seldom reach.
    alone = _log_after_writes(tmp_path, with_drainer=False)
    assert alone["frames"] >= 300 and alone["copied"] == 0
    beside = _log_after_writes(tmp_path, with_drainer=True)
    assert beside["frames"] >= 300 and beside["copied"] == beside["frames"]
