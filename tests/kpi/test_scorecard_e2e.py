"""The scorecard as people get it: `/kpi scorecard` (leads and admins see every KPI, everyone
else what Slack measures), the App Home, and `baton kpi scorecard --json`."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from bot.kpi.scorecard import as_json, scorecard
from tests.app.test_cli import run_baton
from tests.kpi.test_scorecard import JSON_KEYS
from tests.support.checkins import seed_checkins
from tests.support.harness import Baton

FIRST = date(2026, 8, 31)  # sprint 1 starts; sprint 6 ends on 23 Nov
NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
ENV = {
    "BATON_OPERATE_START": "2026-08-31",
    "BATON_TRANSFER_DATE": "2027-04-12",  # 140 days after sprint 6 ended: 10 sprints
    "BATON_CHECKIN_LEADS": "finance:ULEVEL2,ULEVEL1",
}
# Six sprints of check-ins (sprint 1 first).
SPRINTS: dict[str, list[float | None]] = {
    "kt_items_total": [100] * 6,
    "kt_items_validated": [50, 51, 52, 53, 54, 55],  # 55%, one point a sprint
    "spend": [900, 900, 900, 900, 1100, 1200],
    "forecast": [1000] * 6,  # over forecast twice running
    "deployments": [2] * 6,  # 4 in the last 28 days: 1 a week
    "failed_changes": [0] * 6,
}


@pytest.fixture
def team(make_baton: Callable[..., Baton]) -> Baton:
    baton = make_baton(**ENV)
    baton.set_now(NOW)
    seed_checkins(baton, FIRST, SPRINTS)
    return baton


def lines(body: dict) -> str:
    """The text of a message's or view's sections, headers and context blocks."""
    found = []
    for block in body["blocks"]:
        if "text" in block:
            found.append(block["text"]["text"])
        elif block["type"] == "context":
            found.append(block["elements"][0]["text"])
    return "\n".join(found)


def test_the_numbers_worked_from_the_definitions(team: Baton) -> None:
    found = as_json(scorecard(team.services))
    assert found["as_of"] == "2026-11-24"
    assert (found["operate_start"], found["transfer_date"]) == ("2026-08-31", "2027-04-12")
    assert found["days_to_transfer"] == 139  # 24 Nov 2026 to 12 Apr 2027
    kpis = found["kpis"]
    kt = kpis["kt_completion"]
    assert (kt["status"], kt["value"]) == ("amber", 0.55)  # below 80%, 139 days out
    # One point every 14 days; the Transfer is 140 days after sprint 6's end: 55% + 10 points.
    assert kt["projection"] == {"at": "2027-04-12", "value": 0.65, "sprints": [1, 2, 3, 4, 5, 6]}
    assert kpis["burn_vs_forecast"]["status"] == "red"  # 1.1 then 1.2
    assert kpis["burn_vs_forecast"]["value"] == 1.2
    assert kpis["deployment_frequency"]["value"] == 1.0  # 4 × 7 ÷ 28
    assert kpis["change_failure_rate"] == {
        "status": "green",
        "value": 0.0,
        "threshold": {"green": 0.15, "amber": 0.3, "better": "lower"},
        "unit": "rate",
        "sprints": [6, 5],
    }
    nps = kpis["nps"]
    assert (nps["status"], nps["value"]) == ("unknown", None) and nps["reason"]
    # Known: knowledge transfer (amber), burn (red), deployments and failures (green).
    assert found["readiness"] == 0.5


def test_a_lead_sees_every_kpi_with_its_colour_value_threshold_and_projection(
    team: Baton,
) -> None:
    body = team.command("/kpi", "scorecard", user="ULEVEL2").json()
    assert body["response_type"] == "ephemeral"
    text = lines(body)
    assert "*Readiness 50%: 2 of 4 known KPIs green · Transfer in 139 days (12 Apr 2027)*" in text
    assert ":red_circle: *Spend against forecast*: 1.20× (green ≤ 1.00×)" in text
    assert (
        ":large_orange_circle: *Knowledge transfer validated*: 55% (green ≥ 80%); at this pace "
        "knowledge transfer reaches 65% by 12 Apr 2027, short of 80% (from sprints 1–6)"
    ) in text
    assert ":large_green_circle: *Deployment frequency*: 1 a week" in text
    assert (
        ":white_circle: *First-time fix rate*: unknown: no ended sprint's check-in gives "
        "`tickets_first_time_fixed` and `tickets_resolved`"
    ) in text
    assert "Key-role attrition" in text
    assert "shown to the leads and admins only" not in text


def test_everyone_else_sees_what_slack_measures_and_the_same_readiness(team: Baton) -> None:
    text = lines(team.command("/kpi", "scorecard", user="UOTHER").json())
    assert "*Readiness 50%: 2 of 4 known KPIs green" in text  # the hidden red one counts
    for sensitive in ("Spend against forecast", "Budget consumed", "Key-role attrition", "1.20×"):
        assert sensitive not in text
    assert "Knowledge transfer validated" in text and "Internal NPS" in text
    assert "3 finance and people KPIs are shown to the leads and admins only" in text
    admin = lines(team.command("/kpi", "scorecard", user="UADMIN").json())
    assert "Spend against forecast" in admin


def test_the_home_tab_shows_the_scorecard_above_the_viewers_items(team: Baton) -> None:
    def home(user: str) -> str:
        team.fake_slack.reset()
        event = {"type": "app_home_opened", "user": user, "channel": "D1", "tab": "home"}
        assert team.event(event).status_code == 200
        team.settle()
        [publish] = team.fake_slack.calls_to("views.publish")
        return lines(publish.args["view"])

    lead = home("ULEVEL2")
    assert lead.index("Transfer readiness") < lead.index("Your open escalations")
    assert "Spend against forecast" in lead
    assert "Your check-in for sprint 6 (9 – 22 Nov 2026) is not in yet." in lead
    typed = {"spend": "1200", "forecast": "1000"}  # as stored
    form = {name: {"value": {"type": "number_input", "value": v}} for name, v in typed.items()}
    team.view_submission("checkin_submit", form, user="ULEVEL2", private_metadata='{"sprint": 6}')
    assert "Your check-in for sprint 6 (9 – 22 Nov 2026) is in." in home("ULEVEL2")
    other = home("UOTHER")
    assert "Readiness 50%" in other and "Spend against forecast" not in other
    assert "Your check-in" not in other
    # Saved by the finance lead, not by the lead of every section.
    assert "Your check-in for sprint 6 (9 – 22 Nov 2026) is not in yet." in home("ULEVEL1")


def test_the_command_line_prints_the_documented_keys(database_url: str, tmp_path: Path) -> None:
    env = {"DATABASE_URL": database_url, **ENV}
    printed = run_baton("kpi", "scorecard", "--json", env=env, cwd=tmp_path)
    assert printed.returncode == 0, printed.stderr
    found = json.loads(printed.stdout)
    assert list(found) == JSON_KEYS
    assert len(found["kpis"]) == 15
    assert {kpi["status"] for kpi in found["kpis"].values()} == {"unknown"}  # nothing stored
    assert found["readiness"] is None
    text = run_baton("kpi", "scorecard", env=env, cwd=tmp_path)
    assert "Readiness not known yet: no KPI has data" in text.stdout
    refused = run_baton("kpi", "scorecard", "--channel", "C1", env=env, cwd=tmp_path)
    assert refused.returncode != 0
    assert "the scorecard is the whole team's" in refused.stderr
