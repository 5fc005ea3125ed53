"""Two workspaces installed in one Baton, each using every part of it: no Web API call made for
one carries the other's token, channels or people, and the partner's monthly portfolio goes to
the partner's channel alone."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.app import JOBS, UPKEEP
from bot.core.ids import EscalationAction
from bot.runtime.scheduler import run_jobs
from storage import workspace_settings
from storage.scope import acting_for
from tests.app.test_install_flow import CLIENT_ID, install
from tests.support.fake_slack import FakeSlack
from tests.support.harness import Baton
from tests.support.surveys import answered_round

ALPHA, BRAVO, PARTNER = "T0ALPHA", "T0BRAVO", "T0PARTNER"
# Every channel and person of a workspace carries its letter second: CA1, UA2, DA1 (a DM).
LETTERS = {ALPHA: "A", BRAVO: "B", PARTNER: "P"}
LAST_WEEK = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # a Monday
DIGEST_TIME = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # the next Monday, at the digest's hour
FIRST_MONDAY = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # December's first Monday
ID_ARGS = ("channel", "channel_id", "user", "users")


@pytest.fixture
def partner(make_baton: Callable[..., Baton]) -> Baton:
    return make_baton(
        SLACK_BOT_TOKEN=None,
        SLACK_CLIENT_ID=CLIENT_ID,
        SLACK_CLIENT_SECRET="client-secret",
        BATON_SEV2_TIMEOUT="30m",
        BATON_PORTFOLIO_CHANNEL=f"{PARTNER}:CPPORTFOLIO",
    )


def set_up(baton: Baton, team: str) -> str:
    """Install Baton in `team`, with its own people, channels, survey audience and lead."""
    letter = LETTERS[team]
    fake = baton.fake_slack
    people = [f"U{letter}1", f"U{letter}2"]
    for person in people:
        fake.add_user(person)
    fake.add_channel_members(f"C{letter}TEAM", people)
    token = install(baton, team)
    own = {
        "BATON_DIGEST_CHANNELS": f"C{letter}DIGEST",
        "BATON_NPS_AUDIENCE": f"C{letter}TEAM",
        "BATON_CHECKIN_LEADS": f"delivery:U{letter}1",
        "BATON_OPERATE_START": "2026-11-02",
    }
    with acting_for(team), baton.db.unit_of_work() as session:
        workspace_settings.save_changes(
            session, team_id=team, changes=own, by=f"U{letter}1", now=LAST_WEEK
        )
    return token


def use_everything(baton: Baton, team: str, escalation: int) -> None:
    """What a workspace's people do in a week: every command, a click, the Home tab, a
    conversation Baton times."""
    letter = LETTERS[team]
    one, two, room = f"U{letter}1", f"U{letter}2", f"C{letter}1"
    for command, text in (
        ("/escalate", f"sev2 <@{two}|two> Checkout is down"),
        ("/blocker", f"Waiting on <@{two}|two> for staging access"),
        ("/kpi", ""),
        ("/kpi", "scorecard"),
        ("/escalate", "list"),
    ):
        assert baton.command(command, text, user=one, channel=room, team=team).status_code == 200
    baton.settle()
    baton.block_action(
        EscalationAction.ACKNOWLEDGE, str(escalation), user=two, channel=room, team=team
    )
    baton.event({"type": "app_home_opened", "user": one, "tab": "home"}, team=team)
    question = {"type": "message", "channel": room, "user": one, "ts": "1795000000.000100"}
    baton.event({**question, "text": "Can someone review the deploy?"}, team=team)
    answer = {"type": "message", "channel": room, "user": two, "ts": "1795000300.000100"}
    baton.event({**answer, "thread_ts": question["ts"], "text": "On it"}, team=team)
    baton.settle()


def ids_in(args: dict[str, Any]) -> list[str]:
    found = []
    for name in ID_ARGS:
        for value in str(args.get(name) or "").split(","):
            if value[:1] in ("C", "D", "G", "U", "W") and value[1:2].isupper():
                found.append(value)
    return found


def test_no_call_made_for_one_workspace_carries_the_other_s_token_or_ids(
    partner: Baton,
) -> None:
    fake: FakeSlack = partner.fake_slack
    partner.set_now(LAST_WEEK)
    tokens = {team: set_up(partner, team) for team in (ALPHA, BRAVO)}
    fake.reset()

    use_everything(partner, ALPHA, escalation=1)
    use_everything(partner, BRAVO, escalation=2)
    # The clock: reminders, the week's digests; then on the month's first Monday, in the
    # leads' working hours (New York), the survey round with its DMs and the check-in DMs.
    moments = (LAST_WEEK + timedelta(hours=1), DIGEST_TIME, FIRST_MONDAY + timedelta(hours=6))
    for moment in moments:
        partner.set_now(moment)
        run_jobs(partner.services, JOBS, UPKEEP)
        partner.settle()

    team_of = {token: team for team, token in tokens.items()}
    crossed = []
    made: dict[str, set[str]] = {ALPHA: set(), BRAVO: set()}
    for call in fake.calls:
        if call.token is None:  # a reply through a command's response_url
            continue
        team = team_of[call.token]
        made[team].add(call.method)
        strangers = [found for found in ids_in(call.args) if found[1] != LETTERS[team]]
        if strangers:
            crossed.append((team, call.method, strangers))
    assert crossed == []
    # Each workspace was worked for in full: posts, DMs, modals' home, the digest's charts.
    for team in (ALPHA, BRAVO):
        assert {
            "chat.postMessage",
            "chat.update",
            "conversations.members",
            "views.publish",
            "files.completeUploadExternal",
        } <= made[team], (team, made[team])
    digests = {
        call.args["channel"]: team_of[str(call.token)]
        for call in fake.calls_to("chat.postMessage")
        if str(call.args.get("channel", "")).endswith("DIGEST")
    }
    assert digests == {"CADIGEST": ALPHA, "CBDIGEST": BRAVO}
    # DMs: the escalation's owner, both people surveyed, the lead asked for the check-in.
    dms = {
        (team_of[str(call.token)], str(call.args["channel"]))
        for call in fake.calls_to("chat.postMessage")
        if str(call.args.get("channel", "")).startswith("U")
    }
    assert dms == {(ALPHA, "UA1"), (ALPHA, "UA2"), (BRAVO, "UB1"), (BRAVO, "UB2")}


def test_the_partner_s_portfolio_goes_monthly_to_its_own_channel_alone(partner: Baton) -> None:
    fake = partner.fake_slack
    tokens = {team: install(partner, team) for team in (ALPHA, BRAVO, PARTNER)}
    opened = FIRST_MONDAY - timedelta(days=8)
    # Alpha: NPS round(100 × 3/3) = +100 (green); Bravo: round(100 × (2 − 1)/3) = +33 (amber).
    for team, scores in ((ALPHA, [9, 10, 10]), (BRAVO, [0, 9, 10])):
        people = {f"U{LETTERS[team]}{index}": score for index, score in enumerate(scores)}
        with acting_for(team), partner.db.unit_of_work() as session:
            answered_round(session, team_id=team, scores=people, opened=opened, min_responses=3)
    fake.reset()

    partner.set_now(FIRST_MONDAY)
    run_jobs(partner.services, JOBS, UPKEEP)
    partner.set_now(FIRST_MONDAY + timedelta(hours=1))
    run_jobs(partner.services, JOBS, UPKEEP)

    [post] = [c for c in fake.calls_to("chat.postMessage") if "Portfolio" in str(c.args["text"])]
    assert (post.token, post.args["channel"]) == (tokens[PARTNER], "CPPORTFOLIO")
    assert post.args["text"] == "*Portfolio · December 2026* · 3 workspaces"
    lines = {
        text.split("*")[1]: text
        for block in post.args["blocks"]
        if block["type"] == "section" and (text := block["text"]["text"]).startswith("*T")
    }
    assert sorted(lines) == [ALPHA, BRAVO, PARTNER]
    assert "🟢 Internal NPS +100" in lines[ALPHA]
    assert "🟠 Internal NPS +33" in lines[BRAVO]
    assert "Internal NPS" not in lines[PARTNER]
