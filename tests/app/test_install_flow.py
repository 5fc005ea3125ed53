"""Many workspaces from one deployment: Slack's install flow through the real HTTP server, each
workspace answered and worked for with its own bot token, and an uninstall that stops it all."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import select

from bot.app import JOBS, UPKEEP
from bot.core.ids import OutboxKind
from bot.runtime.scheduler import run_jobs
from storage.installations import BOTS
from storage.models import Escalation, OutboxTask
from storage.workspaces import stored_teams
from tests.app.test_cli import run_baton
from tests.support.fake_slack import FakeSlack, bot_token_of
from tests.support.harness import Baton

ALPHA = "T0ALPHA"
BRAVO = "T0BRAVO"
CLIENT_ID = "1111111111.2222222222"
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # a Monday, 10:00


@pytest.fixture
def partner(make_baton: Callable[..., Baton]) -> Baton:
    """Baton serving many workspaces: a client id and secret, and no SLACK_BOT_TOKEN."""
    baton = make_baton(
        SLACK_BOT_TOKEN=None,
        SLACK_CLIENT_ID=CLIENT_ID,
        SLACK_CLIENT_SECRET="client-secret",
        BATON_SEV2_TIMEOUT="30m",
    )
    baton.set_now(T0)
    return baton


def install(baton: Baton, team: str) -> str:
    """Walk Slack's install flow for `team` as a browser would; the bot token it got."""
    page = requests.get(f"{baton.url}/slack/install", timeout=10)
    assert page.status_code == 200
    [link] = re.findall(r'href="(https://slack\.com/oauth/v2/authorize\?[^"]+)"', page.text)
    asked = parse_qs(urlsplit(link.replace("&amp;", "&")).query)
    assert asked["client_id"] == [CLIENT_ID]
    assert "chat:write" in asked["scope"][0].split(",")
    token = baton.fake_slack.grant(f"code-{team}", team)
    back = requests.get(
        f"{baton.url}/slack/oauth_redirect",
        params={"code": f"code-{team}", "state": asked["state"][0]},
        # The browser's cookie from /slack/install (Secure: requests sends it only on https).
        headers={"Cookie": page.headers["Set-Cookie"].split(";")[0]},
        timeout=10,
    )
    assert back.status_code == 200, back.text
    return token


def escalate(baton: Baton, team: str, text: str) -> requests.Response:
    response = baton.command("/escalate", text, team=team, user="UREPORTER")
    baton.settle()
    return response


def tokens_of(fake: FakeSlack, method: str) -> list[str | None]:
    return [call.token for call in fake.calls_to(method)]


def test_two_workspaces_install_and_each_is_answered_with_its_own_token(
    partner: Baton, tmp_path: Path
) -> None:
    fake = partner.fake_slack
    # Within the last 7 days, which `baton kpi` counts from the real clock.
    partner.set_now(datetime.now(UTC) - timedelta(hours=1))
    alpha, bravo = install(partner, ALPHA), install(partner, BRAVO)
    assert (alpha, bravo) == (bot_token_of(ALPHA), bot_token_of(BRAVO))
    # The installation is kept in Baton's database, by slack_sdk's store.
    with partner.db.reading() as session:
        kept = session.execute(select(BOTS.c.team_id, BOTS.c.bot_token)).all()
    assert sorted(kept) == [(ALPHA, alpha), (BRAVO, bravo)]
    fake.reset()

    assert escalate(partner, ALPHA, "sev2 Alpha's checkout is down").status_code == 200
    assert escalate(partner, BRAVO, "sev3 Bravo's search is slow").status_code == 200
    assert escalate(partner, BRAVO, "sev3 Bravo's login is slow").status_code == 200

    posts = fake.calls_to("chat.postMessage")
    by_token = sorted((call.token, str(call.args["text"])[:40]) for call in posts)
    assert [token for token, _ in by_token] == [alpha, bravo, bravo]
    assert "Alpha's checkout" in by_token[0][1]
    assert all("Bravo's" in text for _, text in by_token[1:])
    assert set(tokens_of(fake, "chat.postMessage")) == {alpha, bravo}

    with partner.db.reading() as session:
        filed = sorted(session.execute(select(Escalation.team_id, Escalation.id)).all())
    assert [team for team, _ in filed] == [ALPHA, BRAVO, BRAVO]

    env = {"DATABASE_URL": partner.settings.database_url}
    counts = {}
    for team in (ALPHA, BRAVO):
        done = run_baton("kpi", "escalations", "--json", "--team", team, env=env, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        counts[team] = json.loads(done.stdout)["opened"]
    assert counts == {ALPHA: 1, BRAVO: 2}


def test_a_workspace_that_never_installed_baton_gets_slack_s_usual_answer(
    partner: Baton,
) -> None:
    install(partner, ALPHA)
    partner.fake_slack.reset()

    response = escalate(partner, "T0NEVER", "sev2 Someone else's outage")

    assert response.status_code == 200
    said = [str(call.args.get("text")) for call in partner.fake_slack.calls_to("response_url")]
    assert len(said) == 1 and "install" in said[0].lower()
    assert partner.count(Escalation) == 0
    assert partner.count(OutboxTask) == 0
    assert partner.fake_slack.calls_to("chat.postMessage") == []


def test_the_install_link_without_its_state_cookie_installs_nothing(partner: Baton) -> None:
    page = requests.get(f"{partner.url}/slack/install", timeout=10)
    [state] = re.findall(r"state=([0-9a-f-]+)", page.text)
    partner.fake_slack.grant("code-stolen", ALPHA)

    back = requests.get(
        f"{partner.url}/slack/oauth_redirect",
        params={"code": "code-stolen", "state": state},
        timeout=10,
    )

    assert back.status_code == 400
    assert partner.fake_slack.calls_to("oauth.v2.access") == []
    with partner.db.reading() as session:
        assert stored_teams(session) == []


def test_uninstall_stops_all_work_for_that_workspace_and_forget_removes_the_rest(
    partner: Baton, tmp_path: Path
) -> None:
    fake = partner.fake_slack
    alpha, bravo = install(partner, ALPHA), install(partner, BRAVO)
    escalate(partner, ALPHA, "sev2 Alpha's checkout is down")
    escalate(partner, BRAVO, "sev2 Bravo's checkout is down")
    fake.reset()

    # Alpha uninstalls Baton, while a refresh of its escalation's message waits in the outbox.
    with partner.db.unit_of_work() as session:
        session.add(
            OutboxTask(
                team_id=ALPHA,
                kind=OutboxKind.ESCALATION_REFRESH,
                payload='{"escalation_id": 1}',
                created_at=T0,
                available_at=T0 + timedelta(minutes=1),
            )
        )
    event = {"type": "app_uninstalled"}
    assert partner.event(event, team=ALPHA).status_code == 200
    fake.revoke(ALPHA)

    # Both escalations are past their 30 minutes: only Bravo's channel is reminded.
    partner.set_now(T0 + timedelta(minutes=31))
    run_jobs(partner.services, JOBS, UPKEEP)
    partner.settle()
    assert alpha not in {call.token for call in fake.calls}
    reminders = [c for c in fake.calls_to("chat.postMessage") if c.args.get("thread_ts")]
    assert [(call.token, call.args["text"]) for call in reminders] == [
        (
            bravo,
            "Escalation #2 has not been acknowledged after 30 min and has no owner. "
            "Anyone who takes it: press Acknowledge.",
        )
    ]
    with partner.db.reading() as session:
        alpha_tasks = select(OutboxTask.done_at.is_not(None), OutboxTask.last_error).where(
            OutboxTask.team_id == ALPHA, OutboxTask.kind == OutboxKind.ESCALATION_REFRESH
        )
        assert session.execute(alpha_tasks).all() == [(True, "app_uninstalled")]
    with partner.db.reading() as session:
        assert session.scalars(select(BOTS.c.team_id)).all() == [BRAVO]

    # Its records stay until forget-workspace, which removes every one of them.
    assert partner.count(Escalation, Escalation.team_id == ALPHA) == 1
    env = {"DATABASE_URL": partner.settings.database_url}
    done = run_baton("forget-workspace", ALPHA, env=env, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "escalations  1" in done.stdout
    with partner.db.reading() as session:
        assert stored_teams(session) == [BRAVO]


def test_tokens_revoked_for_the_bot_uninstalls_and_for_users_only_does_not(
    partner: Baton,
) -> None:
    install(partner, ALPHA)
    users_only = {"type": "tokens_revoked", "tokens": {"oauth": ["U0SOMEONE"], "bot": []}}
    partner.event(users_only, team=ALPHA)
    with partner.db.reading() as session:
        assert session.scalars(select(BOTS.c.team_id)).all() == [ALPHA]

    bot = {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": ["UBATON"]}}
    partner.event(bot, team=ALPHA)
    with partner.db.reading() as session:
        assert session.scalars(select(BOTS.c.team_id)).all() == []


def test_the_command_line_asks_which_workspace_when_several_are_installed(
    partner: Baton, tmp_path: Path
) -> None:
    install(partner, ALPHA)
    install(partner, BRAVO)
    env = {
        "SLACK_CLIENT_ID": CLIENT_ID,
        "SLACK_CLIENT_SECRET": "client-secret",
        "SLACK_SIGNING_SECRET": "cli-secret",
        "SLACK_API_URL": partner.fake_slack.url,
        "DATABASE_URL": partner.settings.database_url,
    }
    asked = (
        "baton: Baton is installed in 2 workspaces (T0ALPHA, T0BRAVO): choose one with --team T…\n"
    )
    (tmp_path / "sprints.csv").write_text("sprint,velocity\n1,30\n", encoding="utf-8")
    for command in (
        ("kpi", "escalations"),
        ("kpi", "scorecard"),
        ("digest", "--now"),
        ("checkin", "import", "sprints.csv"),
    ):
        done = run_baton(*command, env=env, cwd=tmp_path)
        assert (done.returncode, done.stderr) == (2, asked), command
    assert partner.fake_slack.calls_to("chat.postMessage") == []

    one = run_baton("kpi", "escalations", "--json", "--team", BRAVO, env=env, cwd=tmp_path)
    assert one.returncode == 0, one.stderr
    assert json.loads(one.stdout)["opened"] == 0

    socket = run_baton(
        "serve", "--socket-mode", env=env | {"SLACK_APP_TOKEN": "xapp-1"}, cwd=tmp_path
    )
    assert socket.returncode == 2
    assert socket.stderr.startswith("baton: --socket-mode serves one workspace")
