"""`baton digest` as an operator runs it: dry runs without Slack, posting once, --force."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from storage import escalations
from storage.db import Database
from tests.app.test_cli import ENV, run_baton
from tests.support.fake_slack import FakeSlack
from tests.support.signing import TEAM_ID


def one_escalation_last_week(url: str, team_id: str = "T1") -> None:
    """A database, migrated, with one escalation opened a week ago: the activity is measured."""
    assert run_baton("db", "upgrade", env={"DATABASE_URL": url}, cwd=Path("/tmp")).returncode == 0
    db = Database(url)
    with db.unit_of_work() as session:
        escalations.create_escalation(
            session,
            team_id=team_id,
            title="Checkout down",
            severity=2,
            reporter_id="UREPORTER",
            owner_id=None,
            source_channel_id="CGENERAL",
            now=datetime.now(UTC) - timedelta(days=7),
        )
    db.dispose()


def test_a_dry_run_writes_the_digest_without_slack(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/baton.db"}  # no Slack token at all
    result = run_baton("digest", "--dry-run", "--out", "out", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    written = sorted(path.name for path in (tmp_path / "out").iterdir())
    # Nothing recorded yet: every family says why it is not measured, and no chart is drawn.
    assert written == ["digest.json", "digest.md"]
    preview = (tmp_path / "out" / "digest.md").read_text()
    assert "Not measured yet: no escalation recorded yet (`/escalate`)." in preview
    assert "No charts yet: nothing is measured yet." in preview


def test_posting_needs_the_digest_channels_and_a_dry_run_needs_out(tmp_path: Path) -> None:
    env = {**ENV, "DATABASE_URL": f"sqlite:///{tmp_path}/baton.db"}
    result = run_baton("digest", "--now", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("baton: BATON_DIGEST_CHANNELS: required to post the digest")
    assert result.stderr.count("\n") == 1
    result = run_baton("digest", "--dry-run", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == "baton: --dry-run needs --out DIR: the folder to write the digest to\n"


def test_now_posts_once_and_force_posts_again(tmp_path: Path, fake_slack: FakeSlack) -> None:
    env = {
        **ENV,
        "DATABASE_URL": f"sqlite:///{tmp_path}/baton.db",
        "SLACK_API_URL": fake_slack.url,
        "BATON_DIGEST_CHANNELS": "C0LEADS",
    }
    one_escalation_last_week(env["DATABASE_URL"])
    first = run_baton("digest", "--now", env=env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout.startswith("C0LEADS: digest of the week of ")
    assert first.stdout.rstrip().endswith("posted (message, activity)")
    again = run_baton("digest", "--now", env=env, cwd=tmp_path)
    assert again.stdout.rstrip().endswith("done already")
    forced = run_baton("digest", "--now", "--force", env=env, cwd=tmp_path)
    assert forced.stdout.rstrip().endswith("posted (message, activity)")
    assert len(fake_slack.calls_to("chat.postMessage")) == 2
    assert len(fake_slack.calls_to("files.completeUploadExternal")) == 2


def test_a_channel_that_refuses_is_reported(tmp_path: Path, fake_slack: FakeSlack) -> None:
    fake_slack.fail("chat.postMessage", error="not_in_channel")
    env = {
        **ENV,
        "DATABASE_URL": f"sqlite:///{tmp_path}/baton.db",
        "SLACK_API_URL": fake_slack.url,
        "BATON_DIGEST_CHANNELS": "C0LEADS",
    }
    one_escalation_last_week(env["DATABASE_URL"])
    result = run_baton("digest", "--now", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert "failed" in result.stdout
    assert result.stderr.splitlines()[-1].startswith(
        "baton: digest not posted in full to C0LEADS (not_in_channel)"
    )
    # Once Baton is invited, running it again posts at once.
    again = run_baton("digest", "--now", env=env, cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert again.stdout.rstrip().endswith("posted (message, activity)")


def test_slack_out_of_reach_is_told_from_a_refusal(tmp_path: Path) -> None:
    from tests.app.test_cli import free_port

    env = {
        **ENV,
        "DATABASE_URL": f"sqlite:///{tmp_path}/baton.db",
        "SLACK_API_URL": f"http://127.0.0.1:{free_port()}/api/",  # nothing listens there
        "BATON_DIGEST_CHANNELS": "C0LEADS",
    }
    result = run_baton("digest", "--now", env=env, cwd=tmp_path, timeout=120)
    assert result.returncode == 2
    last = result.stderr.splitlines()[-1]
    assert last.startswith("baton: digest not posted in full to C0LEADS (")
    assert "Slack could not be reached; check the network and SLACK_API_URL" in last
    assert "/invite" not in last


def test_a_workspaces_digest_counts_its_own_and_goes_out_only_with_its_own_token(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    url = f"sqlite:///{tmp_path}/baton.db"
    one_escalation_last_week(url, team_id=TEAM_ID)  # the fake Slack token's workspace
    one_escalation_last_week(url, team_id="T0OTHER")
    one_escalation_last_week(url, team_id="T0OTHER")
    for team, opened in ((TEAM_ID, 1), ("T0OTHER", 2)):
        written = run_baton(
            "digest", "--dry-run", "--out", team, "--team", team, env={"DATABASE_URL": url},
            cwd=tmp_path,
        )  # fmt: skip
        assert written.returncode == 0, written.stderr
        assert f"| Opened | {opened} |" in (tmp_path / team / "digest.md").read_text()

    env = {
        **ENV,
        "DATABASE_URL": url,
        "SLACK_API_URL": fake_slack.url,
        "BATON_DIGEST_CHANNELS": "C0LEADS",
    }
    refused = run_baton("digest", "--now", "--team", "T0OTHER", env=env, cwd=tmp_path)
    assert refused.returncode == 2
    assert refused.stderr == (
        f"baton: --team: this deployment's Slack token serves {TEAM_ID}, so it cannot post the "
        "digest of T0OTHER; `baton digest --dry-run --out DIR --team T0OTHER` writes it\n"
    )
    assert fake_slack.calls_to("chat.postMessage") == []

    posted = run_baton("digest", "--now", "--team", TEAM_ID, env=env, cwd=tmp_path)
    assert posted.returncode == 0, posted.stderr
    [message] = fake_slack.calls_to("chat.postMessage")
    blocks = message.args["blocks"]
    fields = [
        field["text"]
        for block in (json.loads(blocks) if isinstance(blocks, str) else blocks)
        for field in block.get("fields", [])
    ]
    assert [text.split("\n")[:2] for text in fields if text.startswith("*Opened*")] == [
        ["*Opened*", "1"]
    ]
