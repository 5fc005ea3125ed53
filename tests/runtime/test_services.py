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


def test_a_workspace_s_cached_sides_are_never_another_s(make_baton: Callable[..., Baton]) -> None:
    from datetime import UTC, datetime

    from bot.runtime.sides import directory
    from storage import messages

    baton = make_baton(BATON_SIDES="client=@acme-eng,partner=@latam-team")
    now = datetime(2026, 12, 1, tzinfo=UTC)
    for team, person in (("T0ALPHA", "UALPHA"), ("T0BRAVO", "UBRAVO")):
        with acting_for(team), baton.db.unit_of_work() as session:
            messages.replace_side_members(
                session, team_id=team, side="client", user_ids=[person], now=now
            )

    # Read one after the other within the directory's minute: each sees its own members.
    with acting_for("T0ALPHA"):
        assert directory(baton.services).snapshot() == {"UALPHA": "client"}
    with acting_for("T0BRAVO"):
        assert directory(baton.services).snapshot() == {"UBRAVO": "client"}
    with acting_for("T0ALPHA"):
        assert directory(baton.services).snapshot() == {"UALPHA": "client"}


def test_each_workspace_gets_its_own_object_and_keeps_it(baton: Baton) -> None:
    made: list[str] = []

    def make(name: str) -> Callable[[], object]:
        return lambda: made.append(name) or object()

    with acting_for("T0ALPHA"):
        alpha = baton.services.for_workspace("thing", make("alpha"))
        assert baton.services.for_workspace("thing", make("again")) is alpha
    with acting_for("T0BRAVO"):
        assert baton.services.for_workspace("thing", make("bravo")) is not alpha
    assert made == ["alpha", "bravo"]
