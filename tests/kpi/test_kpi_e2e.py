"""/kpi through signed requests, and `baton kpi --json` for scripts."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from storage import blockers, escalations
from tests.support.harness import Baton
from tests.support.signing import TEAM_ID

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)  # a Monday


def _seed(baton: Baton) -> None:
    """Two escalations this week (one acknowledged after 10 min), one last month; one blocker."""
    with baton.db.unit_of_work() as session:
        first = escalations.create_escalation(
            session,
            team_id=TEAM_ID,
            title="API down",
            severity=1,
            reporter_id="UREPORTER",
            owner_id="UOWNER",
            source_channel_id="CPAY",
            now=NOW - timedelta(days=2),
        )
        escalations.acknowledge(
            session, first, user_id="UOWNER", now=NOW - timedelta(days=2) + timedelta(minutes=10)
        )
        escalations.create_escalation(
            session,
            team_id=TEAM_ID,
            title="Slow builds",
            severity=3,
            reporter_id="UREPORTER",
            owner_id=None,
            source_channel_id="CGENERAL",
            now=NOW - timedelta(days=1),
        )
        escalations.create_escalation(
            session,
            team_id=TEAM_ID,
            title="Old",
            severity=2,
            reporter_id="UREPORTER",
            owner_id=None,
            source_channel_id="CGENERAL",
            now=NOW - timedelta(days=40),
        )
        blockers.create_blocker(
            session,
            team_id=TEAM_ID,
            text="Waiting on VPN",
            reporter_id="UREPORTER",
            source_channel_id="CPAY",
            now=NOW - timedelta(hours=3),
        )


def _fields(body: dict) -> dict[str, str]:
    found = {}
    for block in body["blocks"]:
        for field in block.get("fields", []):
            label, value = field["text"].split("\n")[:2]
            found[label.strip("*")] = value
    return found


def test_kpi_escalations_answers_ephemerally_with_the_weeks_numbers(baton: Baton) -> None:
    _seed(baton)
    baton.set_now(NOW)
    response = baton.command("/kpi", "escalations")
    assert response.status_code == 200
    body = response.json()
    assert body["response_type"] == "ephemeral"
    fields = _fields(body)
    assert fields["Opened"] == "2"
    assert fields["Acknowledged"] == "1"
    assert fields["Open now"] == "3"  # the month-old one is still open
    assert fields["Mean time to acknowledge"] == "10 min"


def test_kpi_for_one_channel(baton: Baton) -> None:
    _seed(baton)
    baton.set_now(NOW)
    fields = _fields(baton.command("/kpi", "escalations 7d <#CPAY|payments>").json())
    assert fields["Opened"] == "1"


def test_unknown_arguments_get_the_usage(baton: Baton) -> None:
    body = baton.command("/kpi", "escalashuns").json()
    assert body["response_type"] == "ephemeral"
    assert "I don't understand `escalashuns`" in body["text"]
    assert "/kpi [subject] [period] [#channel]" in body["text"]


def test_a_period_over_a_year_is_refused(baton: Baton) -> None:
    body = baton.command("/kpi", "blockers 400d").json()
    assert "1 to 365 days" in body["text"]


def test_long_periods_answer_through_the_response_url(baton: Baton) -> None:
    _seed(baton)
    baton.set_now(NOW)
    body = baton.command("/kpi", "escalations 90d").json()
    assert "Adding up the last 90 days" in body["text"]
    baton.settle()
    [reply] = baton.fake_slack.calls_to("response_url")
    assert reply.args["response_type"] == "ephemeral"
    assert _fields(reply.args)["Opened"] == "3"


def test_the_json_answer_keeps_the_documented_keys(baton: Baton) -> None:
    _seed(baton)
    baton.set_now(NOW)
    from bot.kpi.answers import answer

    figures = json.loads(json.dumps(answer(baton.services, "summary", days=7)))
    assert set(figures) >= {"escalations", "blockers"}
    assert set(figures["escalations"]) == {
        "opened",
        "acknowledged",
        "resolved",
        "open_now",
        "mtta_seconds",
        "mttr_seconds",
        "by_severity",
    }
    assert set(figures["blockers"]) == {
        "opened",
        "resolved",
        "open_now",
        "overdue",
        "resolution_rate",
        "median_resolve_seconds",
    }
    assert figures["escalations"]["mtta_seconds"] == 600.0
    assert figures["blockers"]["opened"] == 1
    assert figures["blockers"]["resolution_rate"] is None
