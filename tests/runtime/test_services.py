"""The workspace the clock files its records under."""

from __future__ import annotations

from collections.abc import Callable

from storage.scope import acting_for
from tests.support.harness import Baton
from tests.support.signing import TEAM_ID


def test_a_failed_auth_test_files_under_baton_team_id_and_is_asked_again(
    make_baton: Callable[..., Baton],
) -> None:
    baton = make_baton(BATON_TEAM_ID="T0FALLBACK")
    baton.fake_slack.fail("auth.test", error="fatal_error")

    assert baton.services.team_id == "T0FALLBACK"
    assert baton.services.team_id == TEAM_ID
    assert baton.services.team_id == TEAM_ID
    # Asked twice: once failing, once answered; the answer is kept.
    assert len(baton.fake_slack.calls_to("auth.test")) == 2


def test_without_baton_team_id_a_failure_files_under_no_workspace(baton: Baton) -> None:
    baton.fake_slack.fail("auth.test", error="fatal_error")
    assert baton.services.team_id == ""
    assert baton.services.team_id == TEAM_ID


def test_work_acting_for_a_workspace_files_under_it_without_asking_slack(baton: Baton) -> None:
    with acting_for("T0OTHER"):
        assert baton.services.team_id == "T0OTHER"
    assert baton.fake_slack.calls_to("auth.test") == []
