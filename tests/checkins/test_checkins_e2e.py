"""Check-ins through signed requests and the clock: the form a lead sees, what it refuses and
stores, the DM that asks for it (once, whatever the clocks), its reminder and "done"."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.checkins.jobs import ask_leads
from storage import checkins as store
from storage.models import Checkin
from tests.support.harness import Baton
from tests.support.signing import TEAM_ID

# Sprint 1 starts Monday 31 Aug 2026; sprint 6 ends Monday 23 Nov (31 Aug + 6 × 14 days).
ENV = {
    "BATON_OPERATE_START": "2026-08-31",
    "BATON_CHECKIN_LEADS": "delivery:ULEVEL1,finance:ULEVEL2,UOWNER",
}
TUESDAY = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # working hours: 09:00–18:00 UTC
FINANCE = ["spend", "forecast", "budget_consumed_pct", "milestones_completed_pct"]
DELIVERY = ["points_planned", "points_delivered", "milestones_due", "milestones_on_schedule"]


@pytest.fixture
def team(make_baton: Callable[..., Baton]) -> Baton:
    baton = make_baton(**ENV)
    baton.set_now(TUESDAY)
    return baton


def numbers(**typed: str | None) -> dict[str, Any]:
    """view.state.values of the check-in form's number inputs."""
    return {
        name: {"value": {"type": "number_input", "value": value}} for name, value in typed.items()
    }


def submit(baton: Baton, user: str, sprint: int, **typed: str | None) -> dict[str, Any]:
    response = baton.view_submission(
        "checkin_submit",
        numbers(**typed),
        user=user,
        private_metadata=json.dumps({"sprint": sprint}),
    )
    assert response.status_code == 200
    return response.json() if response.content else {}


def stored(baton: Baton, sprint: int) -> dict[str, float | None] | None:
    with baton.db.reading() as session:
        row = store.get(session, sprint=sprint)
        if row is None:
            return None
        return {name: getattr(row, name) for name in store.FIELD_COLUMNS}


def input_blocks(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {block["block_id"]: block for block in view["blocks"] if block["type"] == "input"}


def test_a_lead_of_one_section_sees_only_its_fields_prefilled_with_what_is_stored(
    team: Baton,
) -> None:
    with team.db.unit_of_work() as session:
        store.save(
            session,
            team_id=TEAM_ID,
            sprint=6,
            sprint_start=date(2026, 11, 9),
            sprint_end=date(2026, 11, 23),
            values={"spend": 1200.5, "forecast": 0, "points_delivered": 30},
            by="ULEVEL2",
            now=TUESDAY,
        )
    response = team.command("/kpi", "checkin", user="ULEVEL2")
    assert response.status_code == 200
    [opened] = team.fake_slack.calls_to("views.open")
    view = opened.args["view"]
    assert view["callback_id"] == "checkin_submit"
    assert view["title"]["text"] == "Sprint 6 check-in"
    assert "9 – 22 Nov 2026" in json.dumps(
        view, ensure_ascii=False
    )  # the sprint's first and last days
    inputs = input_blocks(view)
    assert list(inputs) == FINANCE
    assert inputs["spend"]["element"]["initial_value"] == "1200.5"
    assert inputs["forecast"]["element"]["initial_value"] == "0"  # 0 is a value
    assert "initial_value" not in inputs["budget_consumed_pct"]["element"]
    assert inputs["budget_consumed_pct"]["element"]["max_value"] == "100"
    assert all(block["optional"] for block in inputs.values())


def test_a_lead_of_every_section_sees_every_field(team: Baton) -> None:
    team.command("/kpi", "checkin", user="UOWNER")
    [opened] = team.fake_slack.calls_to("views.open")
    assert len(input_blocks(opened.args["view"])) == 20


def test_anyone_who_is_not_a_lead_is_told_why_not(team: Baton) -> None:
    body = team.command("/kpi", "checkin", user="UOTHER").json()
    assert body["response_type"] == "ephemeral"
    assert "you are not one of them" in body["text"]
    assert "<@ULEVEL1>" in body["text"] and "BATON_CHECKIN_LEADS" in body["text"]
    assert team.fake_slack.calls_to("views.open") == []


def test_an_earlier_sprint_opens_and_a_sprint_not_ended_is_refused(team: Baton) -> None:
    team.command("/kpi", "checkin 2", user="ULEVEL1")
    [opened] = team.fake_slack.calls_to("views.open")
    assert opened.args["view"]["title"]["text"] == "Sprint 2 check-in"
    assert json.loads(opened.args["view"]["private_metadata"]) == {"sprint": 2}
    body = team.command("/kpi", "checkin 7", user="ULEVEL1").json()
    assert "Sprint 7 (23 Nov – 6 Dec 2026) has not ended" in body["text"]
    assert "latest ended sprint is 6" in body["text"]
    body = team.command("/kpi", "checkin two", user="ULEVEL1").json()
    assert "/kpi checkin N" in body["text"]
    assert len(team.fake_slack.calls_to("views.open")) == 1


def test_before_any_sprint_ended_the_form_says_when_it_opens(
    make_baton: Callable[..., Baton],
) -> None:
    baton = make_baton(**ENV)
    baton.set_now(datetime(2026, 9, 10, 10, 0, tzinfo=UTC))
    body = baton.command("/kpi", "checkin", user="UOWNER").json()
    assert "No sprint has ended yet: sprint 1 runs 31 Aug – 13 Sep 2026" in body["text"]


def test_impossible_numbers_are_refused_field_by_field_and_nothing_is_stored(
    team: Baton,
) -> None:
    answer = submit(
        team,
        "UOWNER",
        6,
        milestones_due="2",
        milestones_on_schedule="3",
        kt_items_total="40",
        kt_items_validated="41",
        budget_consumed_pct="120",
        tickets_resolved="10",
        tickets_first_time_fixed="11",
        leavers="1",
        key_role_leavers="2",
        deployments="4",
        failed_changes="5",
        spend="-3",
        points_delivered="lots",
    )
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {
        "milestones_on_schedule",
        "kt_items_validated",
        "budget_consumed_pct",
        "tickets_first_time_fixed",
        "key_role_leavers",
        "failed_changes",
        "spend",
        "points_delivered",
    }
    assert (
        "more milestones on schedule than due (3 > 2)" in answer["errors"]["milestones_on_schedule"]
    )
    assert stored(team, 6) is None


def test_a_saved_form_stores_every_field_of_the_leads_sections(team: Baton) -> None:
    answer = submit(team, "ULEVEL2", 6, spend="1200", forecast="1000", budget_consumed_pct="55.5")
    assert answer["response_action"] == "update"
    assert "Sprint 6 check-in saved: 3 numbers" in json.dumps(answer["view"], ensure_ascii=False)
    found = stored(team, 6)
    assert found is not None
    assert (found["spend"], found["forecast"], found["budget_consumed_pct"]) == (1200, 1000, 55.5)
    assert found["milestones_completed_pct"] is None
    with team.db.reading() as session:
        row = store.get(session, sprint=6)
        assert row is not None
        assert (row.sprint_start, row.sprint_end) == (date(2026, 11, 9), date(2026, 11, 23))
        assert row.team_id == "T0BATON"


def test_an_edit_replaces_a_value_an_emptied_field_is_cleared_and_zero_is_kept(
    team: Baton,
) -> None:
    submit(team, "ULEVEL1", 6, points_planned="30", points_delivered="28", milestones_due="2")
    submit(team, "ULEVEL2", 6, spend="900", forecast="1000")
    answer = submit(
        team,
        "ULEVEL1",
        6,
        points_planned="30",
        points_delivered="25",  # an edit
        milestones_due=None,  # emptied: cleared
        milestones_on_schedule="0",  # 0 is a value
    )
    assert "3 numbers, 1 cleared" in json.dumps(answer["view"], ensure_ascii=False)
    found = stored(team, 6)
    assert found is not None
    assert found["points_delivered"] == 25
    assert found["milestones_due"] is None
    assert found["milestones_on_schedule"] == 0
    # The finance lead's numbers are not the delivery lead's to clear.
    assert (found["spend"], found["forecast"]) == (900, 1000)


def test_a_submission_by_someone_no_longer_a_lead_stores_nothing(
    make_baton: Callable[..., Baton],
) -> None:
    baton = make_baton(**ENV | {"BATON_CHECKIN_LEADS": "delivery:ULEVEL1"})
    baton.set_now(TUESDAY)
    answer = submit(baton, "ULEVEL2", 6, spend="900")
    assert answer["response_action"] == "update"
    assert "you are not one of them" in json.dumps(answer["view"])
    assert stored(baton, 6) is None


# -- the DM that asks for a check-in --------------------------------------------------------------


def dms(baton: Baton) -> dict[str, list[str]]:
    """The check-in DMs each lead got, by their text."""
    found: dict[str, list[str]] = {}
    for call in baton.fake_slack.calls_to("chat.postMessage"):
        found.setdefault(call.args["channel"], []).append(call.args["text"])
    return found


def test_each_lead_is_asked_once_inside_working_hours(team: Baton) -> None:
    ask_leads(team.services, TUESDAY.replace(hour=7))  # before 09:00
    assert dms(team) == {}
    ask_leads(team.services, TUESDAY)
    ask_leads(team.services, TUESDAY + timedelta(minutes=1))
    expected = ["Check-in for sprint 6 (9 – 22 Nov 2026)"]
    assert dms(team) == {"ULEVEL1": expected, "ULEVEL2": expected, "UOWNER": expected}
    message = team.fake_slack.calls_to("chat.postMessage")[0].args
    [button] = message["blocks"][1]["elements"]
    assert (button["action_id"], button["value"]) == ("checkin_open", "6")


def test_two_clocks_at_once_and_a_restarted_clock_send_each_dm_once(
    team: Baton, make_baton: Callable[..., Baton]
) -> None:
    second = make_baton(**ENV)  # another clock on the same database
    second.set_now(TUESDAY)
    barrier = threading.Barrier(2)

    def tick(baton: Baton) -> None:
        barrier.wait()
        ask_leads(baton.services, TUESDAY)

    clocks = [threading.Thread(target=tick, args=(baton,)) for baton in (team, second)]
    for clock in clocks:
        clock.start()
    for clock in clocks:
        clock.join()
    restarted = make_baton(**ENV)
    ask_leads(restarted.services, TUESDAY + timedelta(hours=1))
    assert {lead: len(texts) for lead, texts in dms(team).items()} == {
        "ULEVEL1": 1,
        "ULEVEL2": 1,
        "UOWNER": 1,
    }


def test_one_reminder_two_working_days_later_to_those_who_have_not_saved_it(
    team: Baton,
) -> None:
    ask_leads(team.services, TUESDAY)
    submit(team, "ULEVEL2", 6, spend="900", forecast="1000")
    team.fake_slack.reset()
    # Two working days after Tuesday 10:00 is Thursday 10:00.
    ask_leads(team.services, datetime(2026, 11, 26, 9, 59, tzinfo=UTC))
    assert dms(team) == {}
    ask_leads(team.services, datetime(2026, 11, 26, 10, 0, tzinfo=UTC))
    ask_leads(team.services, datetime(2026, 11, 27, 10, 0, tzinfo=UTC))
    reminder = ["Reminder: check-in for sprint 6 (9 – 22 Nov 2026)"]
    assert dms(team) == {"ULEVEL1": reminder, "UOWNER": reminder}


def test_a_lead_who_saved_the_check_in_before_being_asked_is_not_asked(team: Baton) -> None:
    submit(team, "ULEVEL1", 6, points_delivered="20")
    ask_leads(team.services, TUESDAY)
    assert set(dms(team)) == {"ULEVEL2", "UOWNER"}
    # The lead of every section is still asked: someone else's numbers are not theirs.


def test_the_dm_becomes_done_when_the_check_in_is_in(team: Baton) -> None:
    ask_leads(team.services, TUESDAY)
    # The lead clicks the DM's button: the form of that sprint opens.
    team.block_action("checkin_open", "6", user="ULEVEL2", channel="DLEVEL2")
    [opened] = team.fake_slack.calls_to("views.open")
    assert list(input_blocks(opened.args["view"])) == FINANCE
    submit(team, "ULEVEL2", 6, spend="900")
    team.settle()
    [update] = team.fake_slack.calls_to("chat.update")
    assert update.args["channel"] == "DLEVEL2"
    with team.db.reading() as session:
        prompt = store.prompt(session, sprint=6, lead_id="ULEVEL2")
        assert prompt is not None and prompt.done_at == TUESDAY
        assert update.args["ts"] == prompt.message_ts
    assert (
        "check-in for sprint 6 (9 – 22 Nov 2026) is in" in update.args["blocks"][0]["text"]["text"]
    )
    assert "elements" not in json.dumps(update.args["blocks"])  # no button left
    # An edit later does not touch the DM again.
    submit(team, "ULEVEL2", 6, spend="950")
    team.settle()
    assert len(team.fake_slack.calls_to("chat.update")) == 1


def test_a_lead_not_reachable_by_dm_does_not_stop_the_others(team: Baton) -> None:
    team.fake_slack.fail("chat.postMessage", error="cannot_dm_bot")
    ask_leads(team.services, TUESDAY)
    assert len(team.fake_slack.calls_to("chat.postMessage")) == 3


def test_a_form_from_another_workspace_leaves_this_ones_check_in_as_it_was(team: Baton) -> None:
    submit(team, "ULEVEL2", 6, spend="1200")
    response = team.view_submission(
        "checkin_submit",
        numbers(spend="9999"),
        user="ULEVEL2",
        private_metadata=json.dumps({"sprint": 6}),
        team="T0OTHER",
    )
    assert response.status_code == 200
    with team.db.reading() as session:
        rows = {
            row.team_id: row.spend for row in session.scalars(select(Checkin).order_by(Checkin.id))
        }
    # The other workspace's numbers are its own check-in's; this one's keeps its 1200.
    assert rows == {TEAM_ID: 1200, "T0OTHER": 9999}
