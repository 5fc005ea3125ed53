"""A web process that serves what Slack sends all day never loads pandas, NumPy or matplotlib.

The web workers and the outbox drainer answer message events, `/escalate`, `/blocker`, button
clicks and modals; the KPI engine and the charts load their libraries only when `/kpi` asks. The
check runs in a process of its own: this one imported pandas long ago, with the other tests.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SERVE = """
import json, sys, tempfile
from storage import migrate
from storage.db import create_db_engine
from tests.support.fake_slack import FakeSlack
from tests.support.harness import BOT_TOKEN, SIGNING_SECRET, Baton, state

HEAVY = ("pandas", "numpy", "matplotlib")
loaded = lambda: [name for name in HEAVY if name in sys.modules]
url = f"sqlite:///{tempfile.mkdtemp()}/lean.db"
engine = create_db_engine(url)
migrate.upgrade(engine)
engine.dispose()
fake = FakeSlack().start()
for person in ("UREPORTER", "UOWNER"):
    fake.add_user(person)
env = {"SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING_SECRET,
       "DATABASE_URL": url, "SLACK_API_URL": fake.url}
baton = Baton(env, fake)
statuses = [
    baton.event({"type": "message", "channel": "CGENERAL", "channel_type": "channel",
                 "user": "UREPORTER", "text": "<@UOWNER> can you review?",
                 "ts": "1700000000.000100"}).status_code,
    baton.event({"type": "message", "channel": "CGENERAL", "channel_type": "channel",
                 "user": "UOWNER", "text": "on it", "ts": "1700000060.000100"}).status_code,
    baton.command("/escalate", "sev2 <@UOWNER> Checkout returns 500").status_code,
    baton.command("/blocker", "Waiting on <@UOWNER> for the staging keys").status_code,
]
baton.settle()
statuses += [
    baton.block_action("escalation_acknowledge", "1", user="UOWNER").status_code,
    baton.block_action("blocker_resolve", "1", user="UREPORTER").status_code,
    baton.view_submission("blocker_resolve_note", state(blocker_note="keys arrived"),
                          user="UREPORTER", private_metadata='{"blocker_id": 1}').status_code,
    baton.view_submission("escalation_create", state(escalation_title="Staging is down"),
                          user="UREPORTER", private_metadata='{"channel_id": "CGENERAL"}'
                          ).status_code,
]
baton.settle()
served = {"statuses": statuses, "heavy": loaded(),
          "posted": len(fake.calls_to("chat.postMessage")),
          "updated": len(fake.calls_to("chat.update"))}
kpi = baton.command("/kpi", "escalations").status_code
print(json.dumps(served | {"kpi": kpi, "heavy_after_kpi": loaded()}))
baton.close()
fake.stop()
"""


@pytest.fixture(scope="module")
def served() -> dict[str, object]:
    result = subprocess.run(
        [sys.executable, "-c", SERVE], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-3000:]
    found: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return found


def test_serving_messages_commands_clicks_and_modals_loads_no_heavy_library(
    served: dict[str, object],
) -> None:
    assert served["statuses"] == [200] * 8
    # The work after the ack was done too: two escalations and a blocker posted, DMs to owners,
    # and the acknowledged escalation's and the resolved blocker's messages edited.
    assert served["posted"] >= 3 and served["updated"] >= 2
    assert served["heavy"] == []


def test_kpi_loads_the_kpi_engine_where_it_runs(served: dict[str, object]) -> None:
    assert served["kpi"] == 200
    assert "pandas" in served["heavy_after_kpi"]  # type: ignore[operator]
