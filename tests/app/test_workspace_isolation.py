"""Two workspaces in one database: a click, a modal or a command from one never reads or
changes the other's records, and each one's figures count its own."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.core.ids import BlockerAction, BlockerView, EscalationAction, EscalationView
from storage import nps
from storage.models import Blocker, Escalation, NpsAnswer, NpsInvitation
from storage.scope import acting_for
from tests.app.test_cli import run_baton
from tests.support.harness import Baton, state
from tests.support.signing import TEAM_ID
from tests.support.surveys import sent_round

OTHER = "T0OTHER"


def _statuses(baton: Baton, model: type[Escalation] | type[Blocker]) -> list[tuple[str, str]]:
    with baton.db.reading() as session:
        return [(row.team_id, row.status) for row in session.scalars(select(model))]


def _said(baton: Baton) -> list[str]:
    return [str(call.args.get("text")) for call in baton.fake_slack.calls_to("response_url")]


def test_a_click_or_form_from_another_workspace_changes_nothing(
    baton: Baton, caplog: pytest.LogCaptureFixture
) -> None:
    assert baton.command("/escalate", "sev2 Payments down").status_code == 200
    assert baton.command("/blocker", "Waiting on staging access").status_code == 200
    baton.settle()
    assert _statuses(baton, Escalation) == [(TEAM_ID, "open")]
    assert _statuses(baton, Blocker) == [(TEAM_ID, "open")]
    baton.fake_slack.reset()

    # The same user ids and record numbers, sent from another workspace.
    baton.block_action(EscalationAction.ACKNOWLEDGE, "1", user="UREPORTER", team=OTHER)
    baton.block_action(EscalationAction.RESOLVE, "1", user="UREPORTER", team=OTHER)
    baton.view_submission(
        EscalationView.RESOLVE,
        {},
        user="UREPORTER",
        private_metadata=json.dumps({"escalation_id": 1}),
        team=OTHER,
    )
    baton.block_action(BlockerAction.RESOLVE, "1", user="UREPORTER", team=OTHER)
    baton.view_submission(
        BlockerView.RESOLVE,
        state(),
        user="UREPORTER",
        private_metadata=json.dumps({"blocker_id": 1}),
        team=OTHER,
    )
    baton.settle()

    assert _statuses(baton, Escalation) == [(TEAM_ID, "open")]
    assert _statuses(baton, Blocker) == [(TEAM_ID, "open")]
    for method in ("chat.update", "chat.postMessage", "views.open"):
        assert baton.fake_slack.calls_to(method) == [], method
    assert "There is no escalation #1." in _said(baton)
    warned = {record.getMessage() for record in caplog.records if record.levelname == "WARNING"}
    assert (
        f"escalations 1 belongs to workspace {TEAM_ID}; a request from {OTHER} named it, "
        "and changed nothing"
    ) in warned
    assert (
        f"blockers 1 belongs to workspace {TEAM_ID}; a request from {OTHER} named it, "
        "and changed nothing"
    ) in warned

    # From its own workspace, the owner's click still works.
    baton.block_action(EscalationAction.ACKNOWLEDGE, "1", user="UREPORTER")
    baton.settle()
    assert _statuses(baton, Escalation) == [(TEAM_ID, "acknowledged")]


def test_each_workspace_lists_and_counts_only_its_own(baton: Baton, tmp_path: Path) -> None:
    baton.command("/escalate", "sev1 Ours is down")
    baton.command("/escalate", "sev2 Theirs is slow", team=OTHER)
    baton.command("/escalate", "sev3 Theirs again", team=OTHER)
    baton.settle()

    ours = baton.command("/escalate", "list").json()
    theirs = baton.command("/escalate", "list", team=OTHER).json()
    assert ours["blocks"][0]["text"]["text"] == "*1 open escalation*, oldest first"
    assert theirs["blocks"][0]["text"]["text"] == "*2 open escalations*, oldest first"

    env = {"DATABASE_URL": baton.settings.database_url}
    counted = {}
    for team in (TEAM_ID, OTHER):
        result = run_baton("kpi", "escalations", "--json", "--team", team, env=env, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        counted[team] = json.loads(result.stdout)["opened"]
    assert counted == {TEAM_ID: 1, OTHER: 2}

    unknown = run_baton("kpi", "escalations", "--team", "T0NONE", env=env, cwd=tmp_path)
    assert unknown.returncode == 2
    assert unknown.stderr.strip() == "baton: --team: nothing is stored for T0NONE"


def test_a_survey_answer_from_another_workspace_is_not_recorded(
    baton: Baton, caplog: pytest.LogCaptureFixture
) -> None:
    opened = datetime.now(UTC) - timedelta(hours=1)
    with acting_for(TEAM_ID), baton.db.unit_of_work() as session:
        round_id = sent_round(
            session, team_id=TEAM_ID, people=["UZOE"], opened=opened, min_responses=1
        )
        invitation = nps.invitation_of(session, round_id, "UZOE")
        assert invitation is not None
        number = invitation.id

    # Zoe's own user id and invitation number, clicked from another workspace.
    baton.block_action("nps_score_9", f"{number}:9", user="UZOE", channel="DDM", team=OTHER)
    baton.settle()
    assert baton.count(NpsAnswer) == 0
    assert baton.count(NpsInvitation, NpsInvitation.status == "sent") == 1
    assert any(
        record.getMessage().startswith(f"nps_invitations {number} belongs to workspace {TEAM_ID}")
        for record in caplog.records
    )

    baton.block_action("nps_score_9", f"{number}:9", user="UZOE", channel="DDM")
    baton.settle()
    assert baton.count(NpsAnswer) == 1
