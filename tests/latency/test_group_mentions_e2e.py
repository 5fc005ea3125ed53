"""User-group mentions, question marks in links and code, and regional and company holidays,
through signed Events API deliveries. Every number is worked out by hand from the README.

Baton runs on Bogotá time (UTC−5), 09:00–18:00, Mon–Fri, with Colombia's public holidays,
unless a test says otherwise. @partner-team (S0PARTNER) is UOWNER and UOTHER.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.latency.jobs import refresh_groups, refresh_sides
from storage import usergroups
from storage.models import MessageGroupMention
from tests.latency.test_latency_e2e import BOGOTA, COLOMBIA, latency, post, stored
from tests.support.harness import Baton

GROUP = "<!subteam^S0PARTNER|@partner-team>"
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=BOGOTA)


@pytest.fixture
def team(make_baton: Callable[..., Baton]) -> Baton:
    baton = make_baton(**COLOMBIA)
    baton.fake_slack.add_usergroup("S0PARTNER", "partner-team", ["UOWNER", "UOTHER"])
    return baton


def say(baton: Baton, at: datetime, user: str, text: str, **kwargs: Any) -> str:
    """A message at `at`, with Baton's clock at that moment too."""
    baton.set_now(at)
    return post(baton, at, user, text, **kwargs)


def states(baton: Baton, ts: str) -> dict[str, str]:
    with baton.db.reading() as session:
        rows = session.query(MessageGroupMention).filter_by(message_ts=ts).all()
        return {row.group_id: row.state for row in rows}


# -- user groups ------------------------------------------------------------------------------


def test_a_group_mention_is_answered_by_a_member_in_the_thread(team: Baton) -> None:
    ask = say(team, MONDAY, "UREPORTER", f"{GROUP} can someone review the PR")
    say(team, MONDAY + timedelta(minutes=10), "UOTHER", "looking", thread=ask)
    row = stored(team, ask)
    # No question mark: the group mention alone makes it wait, for the group's members.
    assert (row.wait_kind, row.is_question) == ("mention", False)
    assert (row.answer_user, row.wall_seconds, row.business_seconds) == ("UOTHER", 600.0, 600.0)
    assert states(team, ask) == {"S0PARTNER": "expanded"}
    assert len(team.fake_slack.calls_to("usergroups.users.list")) == 1
    # The group is read once: a second mention uses what Baton keeps.
    say(team, MONDAY + timedelta(minutes=20), "UREPORTER", f"{GROUP} and this one?")
    assert len(team.fake_slack.calls_to("usergroups.users.list")) == 1


def test_a_member_answers_anywhere_in_the_channel_and_a_non_member_does_not(
    team: Baton,
) -> None:
    ask = say(team, MONDAY, "UREPORTER", f"{GROUP} can someone look at the flaky test?")
    say(team, MONDAY + timedelta(minutes=2), "ULEVEL1", "not me", thread=ask)
    assert stored(team, ask).answer_ts is None  # not a member: no answer, question mark or not
    answer = say(team, MONDAY + timedelta(minutes=45), "UOWNER", "on it (new message)")
    row = stored(team, ask)
    assert (row.answer_ts, row.answer_user, row.wall_seconds) == (answer, "UOWNER", 2700.0)


def test_a_group_and_a_person_are_both_waited_for(team: Baton) -> None:
    ask = say(team, MONDAY, "UREPORTER", f"<@ULEVEL1> and {GROUP}: who takes the release")
    say(team, MONDAY + timedelta(minutes=7), "ULEVEL1", "I can")
    assert stored(team, ask).answer_user == "ULEVEL1"
    later = say(team, MONDAY + timedelta(minutes=30), "UREPORTER", f"<@ULEVEL2> {GROUP} ping")
    say(team, MONDAY + timedelta(minutes=33), "UOTHER", "here")
    assert (stored(team, later).answer_user, stored(team, later).wall_seconds) == ("UOTHER", 180.0)


def test_the_author_never_answers_their_own_message_even_as_a_member(team: Baton) -> None:
    ask = say(team, MONDAY, "UOWNER", f"{GROUP} standup moved to 11")
    say(team, MONDAY + timedelta(minutes=1), "UOWNER", "see you there")
    say(team, MONDAY + timedelta(minutes=4), "UOTHER", "ok")
    assert (stored(team, ask).answer_user, stored(team, ask).wall_seconds) == ("UOTHER", 240.0)


def test_members_are_those_of_when_the_message_was_posted(team: Baton) -> None:
    early = say(team, MONDAY, "UREPORTER", f"{GROUP} who knows the billing service")
    # ULEVEL2 joins the group; the clock reads it again at 11:00.
    team.fake_slack.usergroups["S0PARTNER"]["users"] = ["UOWNER", "UOTHER", "ULEVEL2"]
    eleven = MONDAY + timedelta(hours=1)
    team.set_now(eleven)
    refresh_groups(team.services, eleven)
    late = say(team, eleven + timedelta(minutes=10), "UREPORTER", f"{GROUP} and the API")
    # Posted at 10:50 but delivered at 11:20 (Slack retried it): the 10:00 reading holds.
    team.set_now(eleven + timedelta(minutes=20))
    retried = post(team, eleven - timedelta(minutes=10), "UREPORTER", f"{GROUP} and the docs")
    say(team, eleven + timedelta(minutes=30), "ULEVEL2", "me, for all of them")
    # The new member answers the message posted after they joined, not those before.
    assert (stored(team, late).answer_user, stored(team, late).wall_seconds) == ("ULEVEL2", 1200.0)
    assert stored(team, early).answer_ts is None
    assert stored(team, retried).answer_ts is None
    say(team, MONDAY + timedelta(hours=2), "UOTHER", "billing: me")
    assert (stored(team, early).answer_user, stored(team, early).wall_seconds) == ("UOTHER", 7200.0)
    with team.db.reading() as session:
        readings = usergroups.readings(session, ["S0PARTNER"])["S0PARTNER"]
    assert [sorted(reading.members) for reading in readings] == [
        ["UOTHER", "UOWNER"],
        ["ULEVEL2", "UOTHER", "UOWNER"],
    ]
    # An hour later nothing changed: no new reading is kept.
    refresh_groups(team.services, eleven + timedelta(hours=1))
    with team.db.reading() as session:
        assert len(usergroups.readings(session, ["S0PARTNER"])["S0PARTNER"]) == 2


def test_a_group_baton_cannot_read_makes_the_message_wait_for_nobody(team: Baton) -> None:
    team.fake_slack.fail("usergroups.users.list", error="missing_scope")
    ask = say(team, MONDAY, "UREPORTER", "<!subteam^S0SECRET|@leads> is the release on?")
    row = stored(team, ask)
    assert row.wait_kind is None  # not waiting, though it has a question mark
    assert states(team, ask) == {"S0SECRET": "unreadable"}
    say(team, MONDAY + timedelta(minutes=5), "UREPORTER", "<!subteam^S0SECRET> again")
    figures = latency(team, MONDAY + timedelta(days=1))
    assert (figures["waiting"], figures["unreadable_group_mentions"]) == (0, 2)
    assert len(team.fake_slack.calls_to("usergroups.users.list")) == 1  # unreadable is kept
    body = team.command("/kpi", "latency").json()
    assert "2 messages mention a user group whose members Baton cannot read" in json.dumps(
        body, ensure_ascii=False
    )


def test_a_group_slack_does_not_answer_for_in_time_is_read_by_the_clock(team: Baton) -> None:
    team.fake_slack.fail("usergroups.users.list", status=500)
    ask = say(team, MONDAY, "UREPORTER", f"{GROUP} deploy window tonight")
    assert (stored(team, ask).wait_kind, states(team, ask)) == ("mention", {"S0PARTNER": "pending"})
    say(team, MONDAY + timedelta(minutes=10), "UOTHER", "fine by us", thread=ask)
    assert stored(team, ask).answer_ts is None  # its members are not known yet
    clock = MONDAY + timedelta(minutes=11)
    team.set_now(clock)
    refresh_groups(team.services, clock)
    row = stored(team, ask)
    assert states(team, ask) == {"S0PARTNER": "expanded"}
    assert (row.answer_user, row.wall_seconds) == ("UOTHER", 600.0)
    refresh_groups(team.services, clock + timedelta(minutes=1))  # nothing left to settle
    assert stored(team, ask).answer_user == "UOTHER"


def test_a_pending_group_that_turns_out_unreadable_stops_the_wait(team: Baton) -> None:
    team.fake_slack.fail("usergroups.users.list", status=500)  # at the message: not in time
    team.fake_slack.fail("usergroups.users.list", error="missing_scope")  # at the clock
    ask = say(team, MONDAY, "UREPORTER", "<!subteam^S0LEADS|@leads> is the release on?")
    both = say(team, MONDAY + timedelta(minutes=1), "UREPORTER", "<@UOWNER> <!subteam^S0LEADS>")
    assert stored(team, ask).wait_kind == stored(team, both).wait_kind == "mention"
    clock = MONDAY + timedelta(minutes=5)
    team.set_now(clock)
    refresh_groups(team.services, clock)
    assert (stored(team, ask).wait_kind, states(team, ask)) == (None, {"S0LEADS": "unreadable"})
    assert stored(team, both).wait_kind == "mention"  # it still waits for UOWNER
    figures = latency(team, MONDAY + timedelta(days=1))
    assert (figures["waiting"], figures["unreadable_group_mentions"]) == (1, 2)


def test_group_mentions_in_rich_text_blocks(team: Baton) -> None:
    blocks = [
        {
            "type": "rich_text",
            "elements": [
                {
                    "type": "rich_text_section",
                    "elements": [
                        {"type": "usergroup", "usergroup_id": "S0PARTNER"},
                        {"type": "text", "text": " review please"},
                    ],
                }
            ],
        }
    ]
    ask = say(team, MONDAY, "UREPORTER", f"{GROUP} review please", blocks=blocks)
    say(team, MONDAY + timedelta(minutes=3), "UOWNER", "done")
    assert (stored(team, ask).answer_user, stored(team, ask).wall_seconds) == ("UOWNER", 180.0)


# -- question marks -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "waits"),
    [
        ("CI is red again, see <https://ci.example.com/job?id=42|build 42>", False),
        ("run `grep -E 'colou?r'` before you push", False),
        ("the fix:\n```\nif (ready?) { go() }\n```", False),
        ("moved to <#C0OTHER|questions?>", False),
        ("<https://ci.example.com/job?id=42|build 42> ?", True),  # a `?` after a link
        ("Is <https://ci.example.com/job?id=42|build 42> green?", True),
        ("what does `make ship` do?", True),
    ],
)
def test_a_question_mark_counts_only_outside_links_mentions_and_code(
    team: Baton, text: str, waits: bool
) -> None:
    ts = say(team, MONDAY, "UREPORTER", text)
    row = stored(team, ts)
    assert (row.is_question, row.wait_kind) == (waits, "question" if waits else None)


def _rich(*elements: dict[str, Any], preformatted: str | None = None) -> list[dict[str, Any]]:
    sections: list[dict[str, Any]] = [{"type": "rich_text_section", "elements": list(elements)}]
    if preformatted is not None:
        sections.append(
            {
                "type": "rich_text_preformatted",
                "elements": [{"type": "text", "text": preformatted}],
            }
        )
    return [{"type": "rich_text", "elements": sections}]


@pytest.mark.parametrize(
    ("blocks", "waits"),
    [
        (_rich({"type": "link", "url": "https://x.example/?q=1", "text": "ok?"}), False),
        (_rich({"type": "text", "text": "colou?r", "style": {"code": True}}), False),
        (_rich({"type": "text", "text": "fix below"}, preformatted="why?"), False),
        (_rich({"type": "text", "text": "is this ok?"}), True),
    ],
)
def test_rich_text_blocks_are_read_before_the_text(
    team: Baton, blocks: list[dict[str, Any]], waits: bool
) -> None:
    # The text says the opposite of the blocks each time: the blocks decide.
    text = "a statement" if waits else "a question?"
    ts = say(team, MONDAY, "UREPORTER", text, blocks=blocks)
    assert stored(team, ts).is_question is waits


# -- regional and company holidays --------------------------------------------------------------


def waited(baton: Baton, asked: datetime, answered: datetime) -> float:
    question = say(baton, asked, "UREPORTER", "Is the release branch cut?")
    say(baton, answered, "UOWNER", "yes", thread=question)
    business = stored(baton, question).business_seconds
    assert business is not None
    return business


def test_a_state_holiday_is_not_working_time(make_baton: Callable[..., Baton]) -> None:
    new_york = ZoneInfo("America/New_York")
    asked = datetime(2026, 2, 11, 17, 0, tzinfo=new_york)  # Wednesday
    answered = datetime(2026, 2, 13, 10, 0, tzinfo=new_york)  # Friday
    # Thursday 12 February is Lincoln's Birthday, a holiday in New York State, not federal.
    state = make_baton(BATON_TIMEZONE="America/New_York", BATON_HOLIDAYS="US-NY")
    assert waited(state, asked, answered) == 3600 + 3600  # Wednesday 17–18, Friday 9–10
    federal = make_baton(BATON_TIMEZONE="America/New_York", BATON_HOLIDAYS="US")
    assert waited(federal, asked, answered) == 3600 + 9 * 3600 + 3600


def test_company_days_off_across_a_weekend(make_baton: Callable[..., Baton]) -> None:
    baton = make_baton(**COLOMBIA, BATON_COMPANY_HOLIDAYS="2026-12-24..2026-12-31")
    # Wednesday 23 December 17:00 to Monday 4 January 10:00: the 24th to the 31st are days off,
    # 1 January is Colombia's New Year, the 2nd and 3rd a weekend.
    asked = datetime(2026, 12, 23, 17, 0, tzinfo=BOGOTA)
    answered = datetime(2027, 1, 4, 10, 0, tzinfo=BOGOTA)
    assert waited(baton, asked, answered) == 3600 + 3600


def test_each_side_has_its_own_regional_holidays(make_baton: Callable[..., Baton]) -> None:
    berlin = ZoneInfo("Europe/Berlin")
    baton = make_baton(
        BATON_SIDES="client=S0CLIENT,partner=S0PARTNER",
        BATON_SIDE_CLIENT_TIMEZONE="Europe/Berlin",
        BATON_SIDE_CLIENT_HOLIDAYS="DE-BY",
        BATON_SIDE_PARTNER_TIMEZONE="America/Bogota",
        BATON_SIDE_PARTNER_HOLIDAYS="CO",
        BATON_SIDE_PARTNER_COMPANY_HOLIDAYS="2026-01-16",
    )
    baton.fake_slack.add_usergroup("S0CLIENT", "client", ["UCLIENT"])
    baton.fake_slack.add_usergroup("S0PARTNER", "partner", ["UPARTNER"])
    refresh_sides(baton.services, datetime(2026, 1, 1, 12, 0, tzinfo=BOGOTA))
    # Partner → client, answered in Bavaria: Tuesday 6 January (Epiphany) is a holiday there.
    a = say(baton, datetime(2026, 1, 5, 17, 0, tzinfo=berlin), "UPARTNER", "<@UCLIENT> keys?")
    say(baton, datetime(2026, 1, 7, 10, 0, tzinfo=berlin), "UCLIENT", "sent")
    assert stored(baton, a).business_seconds == 3600 + 3600  # Monday 17–18, Wednesday 9–10
    # Client → partner, answered in Colombia: Monday 12 January is a holiday there (Epiphany,
    # moved to Monday); Friday 16 January is the partner's own day off.
    b = say(baton, datetime(2026, 1, 9, 17, 0, tzinfo=BOGOTA), "UCLIENT", "<@UPARTNER> deploy?")
    say(baton, datetime(2026, 1, 13, 10, 0, tzinfo=BOGOTA), "UPARTNER", "done")
    assert stored(baton, b).business_seconds == 3600 + 3600  # Friday 17–18, Tuesday 9–10
    c = say(baton, datetime(2026, 1, 15, 17, 0, tzinfo=BOGOTA), "UCLIENT", "<@UPARTNER> and?")
    say(baton, datetime(2026, 1, 19, 10, 0, tzinfo=BOGOTA), "UPARTNER", "done too")
    assert stored(baton, c).business_seconds == 3600 + 3600  # Thursday 17–18, Monday 9–10


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("BATON_HOLIDAYS", "US-XX"),
        ("BATON_HOLIDAYS", "Narnia"),
        ("BATON_COMPANY_HOLIDAYS", "2026-12-31..2026-12-24"),
        ("BATON_COMPANY_HOLIDAYS", "24/12/2026"),
        ("BATON_SIDE_PARTNER_COMPANY_HOLIDAYS", "2026-13-01"),
    ],
)
def test_a_bad_holiday_setting_stops_start_up_in_one_line(variable: str, value: str) -> None:
    from bot.config.settings import load_settings
    from bot.core.errors import ConfigError

    env = {
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_SIGNING_SECRET": "secret",
        "BATON_SIDES": "client=S0CLIENT,partner=S0PARTNER",
        variable: value,
    }
    with pytest.raises(ConfigError) as refused:
        load_settings(env)
    assert refused.value.variable == variable
    assert "\n" not in str(refused.value)
