"""A workspace's settings through signed requests: who may open the form, what it refuses and
stores, what the workspace's next request sees (and another workspace's does not), and the App
Home of an admin."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select

from bot.config.workspace import NAMES
from bot.core.ids import SettingsAction, SettingsView
from storage.models import WorkspaceSetting, WorkspaceSettingChange
from tests.support.harness import Baton, state
from tests.support.signing import TEAM_ID

OTHER = "T0OTHER"
# Sprint 1 starts Monday 31 Aug 2026; sprint 6 ends Monday 23 Nov (31 Aug + 6 × 14 days).
TUESDAY = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


@pytest.fixture
def team(make_baton: Callable[..., Baton]) -> Baton:
    """Baton with UADMIN in BATON_ADMINS, a time zone from the environment, and UOWNER an
    admin of the Slack workspace."""
    baton = make_baton(BATON_TIMEZONE="Europe/Madrid", BATON_OPERATE_START="2026-08-31")
    baton.fake_slack.users["UOWNER"]["is_admin"] = True
    baton.set_now(TUESDAY)
    return baton


def _inputs(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {block["block_id"]: block for block in view["blocks"] if block["type"] == "input"}


def _stored(baton: Baton) -> list[tuple[str, str, str]]:
    with baton.db.reading() as session:
        rows = session.scalars(select(WorkspaceSetting).order_by(WorkspaceSetting.name))
        return [(row.team_id, row.name, row.value) for row in rows]


def _submit(baton: Baton, user: str, team: str = TEAM_ID, **values: str) -> dict[str, Any]:
    response = baton.view_submission(SettingsView.SUBMIT, state(**values), user=user, team=team)
    assert response.status_code == 200
    return response.json() if response.content else {}


def test_someone_who_is_no_admin_is_told_who_may(team: Baton) -> None:
    body = team.command("/kpi", "settings", user="UOTHER").json()
    assert body["response_type"] == "ephemeral"
    assert "Only this workspace's Slack admins and owners" in body["text"]
    assert "<@UADMIN>" in body["text"]
    assert team.fake_slack.calls_to("views.open") == []
    # A submission made anyway stores nothing.
    answer = _submit(team, "UOTHER", BATON_TIMEZONE="America/Bogota")
    assert "Only this workspace's Slack admins and owners" in str(answer)
    assert _stored(team) == []


def test_a_slack_admin_or_a_baton_admin_opens_the_form_with_the_current_values(
    team: Baton,
) -> None:
    assert team.command("/kpi", "settings", user="UOWNER").status_code == 200
    assert team.command("/kpi", "settings", user="UADMIN").status_code == 200
    [first, second] = team.fake_slack.calls_to("views.open")
    view = first.args["view"]
    assert view["callback_id"] == "settings_submit"
    assert second.args["view"]["blocks"] == view["blocks"]
    inputs = _inputs(view)
    assert tuple(inputs) == NAMES
    assert all(block["optional"] for block in inputs.values())
    timezone = inputs["BATON_TIMEZONE"]
    assert timezone["element"]["initial_value"] == "Europe/Madrid"
    assert timezone["hint"]["text"] == "Environment: Europe/Madrid"
    digest = inputs["BATON_DIGEST_CHANNELS"]
    assert "initial_value" not in digest["element"]
    assert digest["hint"]["text"] == "Environment: not set (no digest)."
    assert [block["text"]["text"] for block in view["blocks"] if block["type"] == "header"] == [
        "Channels",
        "Thresholds",
        "Calendar",
        "Sides",
        "NPS",
        "Check-ins",
        "Transfer",
    ]


def test_a_workspace_owner_opens_it_too(team: Baton) -> None:
    team.fake_slack.users["ULEVEL1"]["is_owner"] = True
    assert team.command("/kpi", "settings", user="ULEVEL1").status_code == 200
    assert len(team.fake_slack.calls_to("views.open")) == 1


def test_values_that_cannot_be_read_are_refused_in_place_and_nothing_is_stored(
    team: Baton,
) -> None:
    answer = _submit(
        team,
        "UADMIN",
        BATON_TIMEZONE="Mars/Olympus",
        BATON_DIGEST_CHANNELS="#general",
        BATON_SPRINT_DAYS="10",
    )
    assert answer == {
        "response_action": "errors",
        "errors": {
            "BATON_TIMEZONE": (
                "expected an IANA time zone such as America/Bogota, got 'Mars/Olympus'"
            ),
            "BATON_DIGEST_CHANNELS": (
                "expected channel ids separated by commas, e.g. C012AB3CD,C045EF6GH, got '#general'"
            ),
        },
    }
    assert _stored(team) == []
    assert team.count(WorkspaceSettingChange) == 0


def test_a_good_form_is_stored_and_the_workspace_s_next_request_uses_it_and_no_other(
    team: Baton,
) -> None:
    before = team.command("/kpi", "checkin", user="ULEVEL1").json()
    assert "nobody yet (BATON_CHECKIN_LEADS)" in before["text"]

    answer = _submit(
        team,
        "UOWNER",
        BATON_CHECKIN_LEADS="delivery:ULEVEL1",
        BATON_TIMEZONE="Europe/Madrid",  # the environment's: nothing stored
        BATON_SPRINT_DAYS="",  # empty: the environment's
    )
    assert answer["response_action"] == "update"
    said = answer["view"]["blocks"][0]["text"]["text"]
    assert "*Check-in leads* (`BATON_CHECKIN_LEADS`): _the environment's_ → `delivery:ULEVEL1`" in (
        said
    )
    assert "BATON_TIMEZONE" not in said
    assert _stored(team) == [(TEAM_ID, "BATON_CHECKIN_LEADS", "delivery:ULEVEL1")]
    with team.db.reading() as session:
        [change] = session.scalars(select(WorkspaceSettingChange))
        assert (change.team_id, change.changed_by, change.old_value, change.new_value) == (
            TEAM_ID,
            "UOWNER",
            None,
            "delivery:ULEVEL1",
        )

    # The workspace's next /kpi: ULEVEL1 is a lead now, and gets the last ended sprint's form.
    assert team.command("/kpi", "checkin", user="ULEVEL1").status_code == 200
    [opened] = team.fake_slack.calls_to("views.open")
    assert opened.args["view"]["title"]["text"] == "Sprint 6 check-in"
    assert next(iter(_inputs(opened.args["view"]))) == "points_planned"
    # Another workspace keeps the environment's: nobody leads its check-ins.
    elsewhere = team.command("/kpi", "checkin", user="ULEVEL1", team=OTHER).json()
    assert "nobody yet (BATON_CHECKIN_LEADS)" in elsewhere["text"]
    assert len(team.fake_slack.calls_to("views.open")) == 1


def _home_of(baton: Baton, user: str) -> str:
    baton.fake_slack.reset()
    event = {"type": "app_home_opened", "user": user, "channel": "D0", "tab": "home"}
    assert baton.event(event).status_code == 200
    baton.settle()
    [publish] = baton.fake_slack.calls_to("views.publish")
    blocks = publish.args["view"]["blocks"]
    texts = [str(block.get("text", {}).get("text", "")) for block in blocks]
    texts += [
        f"[{element.get('action_id')}]"
        for block in blocks
        if block["type"] == "actions"
        for element in block["elements"]
    ]
    return "\n".join(texts)


def test_an_admin_s_app_home_shows_the_workspace_s_own_settings_and_who_changed_them(
    team: Baton,
) -> None:
    assert "Workspace settings" not in _home_of(team, "UOTHER")
    home = _home_of(team, "UADMIN")
    assert "All from the environment" in home
    assert f"[{SettingsAction.OPEN}]" in home

    _submit(team, "UOWNER", BATON_TIMEZONE="America/Bogota", BATON_NPS_CADENCE="quarterly")
    home = _home_of(team, "UADMIN")
    assert (
        "• *Time zone* (`BATON_TIMEZONE`): `America/Bogota` (environment: `Europe/Madrid`)" in home
    )
    assert "• *Survey cadence* (`BATON_NPS_CADENCE`): `quarterly` (environment: not set)" in home
    assert "<@UOWNER> · *Time zone* (`BATON_TIMEZONE`): _the environment's_ → " in home
    assert "`America/Bogota`" in home and "<!date^" in home
    # Someone who is no admin sees none of it.
    assert "Workspace settings" not in _home_of(team, "UOTHER")

    # The Home tab's button opens the same form, with the workspace's values.
    team.fake_slack.reset()
    assert team.block_action(SettingsAction.OPEN, "open", user="UADMIN").status_code == 200
    [opened] = team.fake_slack.calls_to("views.open")
    inputs = _inputs(opened.args["view"])
    assert inputs["BATON_TIMEZONE"]["element"]["initial_value"] == "America/Bogota"
    assert inputs["BATON_TIMEZONE"]["hint"]["text"] == "Environment: Europe/Madrid"


def test_with_one_token_the_clock_posts_where_the_workspace_s_admins_chose(
    make_baton: Callable[..., Baton],
) -> None:
    from bot.app import JOBS, UPKEEP
    from bot.runtime.scheduler import run_jobs

    baton = make_baton(BATON_DIGEST_CHANNELS="C0FROMENV")
    baton.set_now(TUESDAY)
    assert _submit(baton, "UADMIN", BATON_DIGEST_CHANNELS="C0CHOSEN")["response_action"] == "update"

    # The next Monday at the digest's hour (mon 09:00, UTC).
    baton.set_now(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    run_jobs(baton.services, JOBS, UPKEEP)
    baton.settle()

    posted = {str(call.args["channel"]) for call in baton.fake_slack.calls_to("chat.postMessage")}
    assert posted == {"C0CHOSEN"}
