"""The App Home tab through a signed app_home_opened event."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from storage import blockers, escalations
from tests.support.harness import Baton
from tests.support.signing import TEAM_ID

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def _texts(view: dict) -> str:
    parts = []
    for block in view["blocks"]:
        text = block.get("text")
        if isinstance(text, dict):
            parts.append(text["text"])
        for element in block.get("elements", []):
            parts.append(element.get("text", ""))
    return "\n".join(parts)


def test_home_shows_what_waits_on_the_viewer_and_the_week(baton: Baton) -> None:
    baton.set_now(NOW)
    with baton.db.unit_of_work() as session:
        escalations.create_escalation(
            session,
            team_id=TEAM_ID,
            title="Checkout down",
            severity=1,
            reporter_id="UREPORTER",
            owner_id="UOWNER",
            source_channel_id="CPAY",
            now=NOW - timedelta(hours=2),
        )
        escalations.create_escalation(
            session,
            team_id=TEAM_ID,
            title="Someone else's",
            severity=4,
            reporter_id="UOTHER",
            owner_id="UADMIN",
            source_channel_id="CPAY",
            now=NOW - timedelta(hours=1),
        )
        blockers.create_blocker(
            session,
            team_id=TEAM_ID,
            text="Need prod DB access",
            reporter_id="UREPORTER",
            source_channel_id="CPAY",
            now=NOW - timedelta(hours=3),
            waits_on_users=["UOWNER"],
        )
    event = {
        "type": "app_home_opened",
        "user": "UOWNER",
        "channel": "DOWNER",
        "tab": "home",
        "event_ts": "1700000000.000100",
    }
    assert baton.event(event, event_id="EvHome1").status_code == 200
    assert baton.event(event, event_id="EvHome1", retry_num=1).status_code == 200
    baton.settle()
    [publish] = baton.fake_slack.calls_to("views.publish")
    assert publish.args["user_id"] == "UOWNER"
    view = publish.args["view"]
    assert view["type"] == "home"
    text = _texts(view)
    assert "Checkout down" in text
    assert "Someone else's" not in text
    assert "Need prod DB access" in text and "waits on you" in text
    assert "*Escalations:* 2 opened · 2 open now" in text
    assert len(view["blocks"]) <= 100


def test_the_messages_tab_publishes_nothing(baton: Baton) -> None:
    event = {
        "type": "app_home_opened",
        "user": "UOWNER",
        "channel": "DOWNER",
        "tab": "messages",
        "event_ts": "1700000000.000200",
    }
    assert baton.event(event).status_code == 200
    baton.settle()
    assert baton.fake_slack.calls_to("views.publish") == []
