"""`baton demo`: no Slack, no settings, the same files every run, under 30 seconds."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

BATON = Path(sys.executable).parent / "baton"
FILES = (
    "digest.json",
    "digest.md",
    "latency.png",
    "escalations-blockers.png",
    "nps.png",
    "alerts.json",
    "alerts.md",
)


def run_demo(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # Nothing of Slack, Baton or a database in the environment: the demo needs none of it.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "BATON_")) and k != "DATABASE_URL"
    }
    return subprocess.run(
        [str(BATON), "demo", *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_the_demo_writes_the_digest_and_alerts_the_same_every_run(tmp_path: Path) -> None:
    started = time.perf_counter()
    first = run_demo(tmp_path)
    elapsed = time.perf_counter() - started
    assert first.returncode == 0, first.stderr
    assert elapsed < 30
    out = tmp_path / "baton-demo"
    for name in FILES:
        assert (out / name).stat().st_size > 0, name
        assert str(Path("baton-demo") / name) in first.stdout
    assert "baton-demo/baton-demo.db" in first.stdout

    second = run_demo(tmp_path, "--out", "again")
    assert second.returncode == 0, second.stderr
    for name in FILES:
        assert (out / name).read_bytes() == (tmp_path / "again" / name).read_bytes(), name

    message = json.loads((out / "digest.json").read_text())
    assert message["blocks"][0]["text"]["text"] == "Weekly digest · 16 – 22 Nov 2026"
    markdown = (out / "digest.md").read_text()
    for title in ("## Escalations", "## Blockers", "## Response latency", "## Internal NPS"):
        assert title in markdown
    assert "Not measured yet" not in markdown
    alerts = (out / "alerts.md").read_text()
    assert "sev2 escalation #" in alerts and "unacknowledged past its timeout" in alerts
