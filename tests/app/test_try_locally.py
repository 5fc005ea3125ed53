"""The README's "Try it locally", run as written: the fake Slack on its own, `baton serve`
pointed at it, and a signed /escalate; Baton answers and posts the escalation."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.app.test_cli import BATON, _wait_healthy, free_port

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")
FAKE = "python -m tests.support.fake_slack --port 8765"
EXPORT = (
    "export SLACK_BOT_TOKEN=xoxb-local SLACK_SIGNING_SECRET=local-secret "
    "SLACK_API_URL=http://127.0.0.1:8765/api/"
)
SERVE = "baton serve --port 3000"
SLASH = (
    'SLACK_SIGNING_SECRET=local-secret python -m tests.support.slash /escalate "sev2 Payments '
    'API returns 500"'
)


def _posted(database: Path) -> bool:
    with sqlite3.connect(database) as connection:
        pending = connection.execute("SELECT count(*) FROM outbox WHERE done_at IS NULL")
        return int(pending.fetchone()[0]) == 0


def test_the_readme_commands_show_baton_answering_and_posting(tmp_path: Path) -> None:
    for command in (FAKE, EXPORT, SERVE, SLASH):
        assert command in README, f"the README no longer says: {command}"
    fake_port, baton_port = free_port(), free_port()
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "BATON_"))}
    base.pop("DATABASE_URL", None)
    env = base | {
        "SLACK_BOT_TOKEN": "xoxb-local",
        "SLACK_SIGNING_SECRET": "local-secret",
        "SLACK_API_URL": f"http://127.0.0.1:{fake_port}/api/",
        "PYTHONPATH": str(ROOT),
    }
    fake = subprocess.Popen(
        [sys.executable, "-m", "tests.support.fake_slack", "--port", str(fake_port)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    serve = subprocess.Popen(
        [str(BATON), "serve", "--port", str(baton_port)],
        cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{baton_port}"
        _wait_healthy(url, serve)
        slash = subprocess.run(
            [sys.executable, "-m", "tests.support.slash", "/escalate",
             "sev2 Payments API returns 500", "--url", url],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=30,
        )  # fmt: skip
        assert slash.returncode == 0, slash.stderr
        assert "Escalation *#1* recorded (sev2): Payments API returns 500" in slash.stdout
        # The drainer posts it after the answer: wait until the outbox has done it.
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not _posted(tmp_path / "baton.db"):
            time.sleep(0.1)
    finally:
        serve.terminate()
        serve.communicate(timeout=30)
        fake.terminate()
        printed, _ = fake.communicate(timeout=10)
    assert f"SLACK_API_URL=http://127.0.0.1:{fake_port}/api/" in printed
    assert "chat.postMessage C0LOCAL Escalation #1 [sev2] Payments API returns 500: open" in printed
