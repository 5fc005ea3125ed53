"""The `baton` command as an operator runs it: clear one-line refusals, a real gunicorn server."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
import requests

from storage import escalations
from storage.db import Database
from tests.support.fake_slack import FakeSlack
from tests.support.signing import signed_headers

BATON = Path(sys.executable).parent / "baton"
ENV = {"SLACK_BOT_TOKEN": "xoxb-cli", "SLACK_SIGNING_SECRET": "cli-secret"}


def run_baton(*args: str, env: dict[str, str], cwd: Path, timeout: float = 60):
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "BATON_"))}
    base.pop("DATABASE_URL", None)
    return subprocess.run(
        [str(BATON), *args],
        env=base | env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "baton: SLACK_BOT_TOKEN: required"),
        ({**ENV, "BATON_TIMEZONE": "Nowhere/City"}, "baton: BATON_TIMEZONE: expected an IANA"),
        ({**ENV, "BATON_SEV2_TIMEOUT": "thirty"}, "baton: BATON_SEV2_TIMEOUT: expected a duration"),
        ({**ENV, "DATABASE_URL": "baton.db"}, "baton: DATABASE_URL: expected sqlite:///FILE"),
        (
            {**ENV, "DATABASE_URL": "mysql://baton:hunter2@db.internal/baton"},
            "baton: DATABASE_URL: expected sqlite:///FILE or postgresql://",
        ),
        ({**ENV, "WEB_CONCURRENCY": "four"}, "baton: WEB_CONCURRENCY: expected a whole number"),
    ],
)
def test_serve_stops_with_one_line_naming_the_variable(
    env: dict[str, str], message: str, tmp_path: Path
) -> None:
    result = run_baton("serve", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith(message)
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr
    assert "hunter2" not in result.stderr


def test_db_upgrade_the_release_step_stops_with_one_line_on_a_malformed_url(
    tmp_path: Path,
) -> None:
    result = run_baton("db", "upgrade", env={"DATABASE_URL": "sqlite:/baton.db"}, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("baton: DATABASE_URL: expected sqlite:///FILE")
    assert "Traceback" not in result.stderr


def test_serve_refuses_a_postgresql_database_with_pending_migrations(tmp_path: Path) -> None:
    from tests.conftest import PG_URL, _postgres_problem

    problem = _postgres_problem()
    if problem is not None:
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}: {problem}")
    from sqlalchemy import create_engine, text

    schema = f"baton_cli_{os.getpid()}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = f"{PG_URL}?options=-csearch_path%3D{schema}"
        result = run_baton("serve", env={**ENV, "DATABASE_URL": url}, cwd=tmp_path)
        assert result.returncode == 2
        assert "migrations are pending" in result.stderr
        assert "run `baton db upgrade`" in result.stderr
        upgraded = run_baton("db", "upgrade", env={"DATABASE_URL": url}, cwd=tmp_path)
        assert upgraded.returncode == 0, upgraded.stderr
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def _wait_healthy(url: str, server: subprocess.Popen[str]) -> requests.Response:
    deadline = time.monotonic() + 30
    while True:
        try:
            return requests.get(f"{url}/healthz", timeout=1)
        except requests.ConnectionError:
            assert server.poll() is None, server.stderr.read() if server.stderr else ""
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.1)


def _escalate(url: str) -> requests.Response:
    body = urlencode(
        {
            "team_id": "T1",
            "channel_id": "CGENERAL",
            "user_id": "UREPORTER",
            "command": "/escalate",
            "text": "sev2 Checkout returns 500",
            "response_url": "http://127.0.0.1:9/unused",
            "trigger_id": "t.1",
        }
    )
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        **signed_headers("cli-secret", body),
    }
    return requests.post(f"{url}/slack/events", data=body, headers=headers, timeout=5)


def _start(command: list[str], env: dict[str, str], cwd: Path) -> subprocess.Popen[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "BATON_"))}
    return subprocess.Popen(
        command,
        env=base | env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def _stop(server: subprocess.Popen[str]) -> str:
    """Stop the server; what it wrote to stderr."""
    server.terminate()
    _, errors = server.communicate(timeout=30)
    return errors or ""


def test_serve_creates_a_fresh_sqlite_file_and_answers_signed_requests(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    port = free_port()
    env = {
        **ENV,
        "DATABASE_URL": f"sqlite:///{tmp_path}/fresh.db",
        "SLACK_API_URL": fake_slack.url,
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
    }
    server = _start([str(BATON), "serve"], env, tmp_path)
    try:
        url = f"http://127.0.0.1:{port}"
        assert _wait_healthy(url, server).status_code == 200
        assert (tmp_path / "fresh.db").exists()

        body = json.dumps({"type": "url_verification", "challenge": "c-123", "token": "t"})
        headers = {"Content-Type": "application/json", **signed_headers("cli-secret", body)}
        answer = requests.post(f"{url}/slack/events", data=body, headers=headers, timeout=5)
        assert answer.status_code == 200
        assert answer.json() == {"challenge": "c-123"}

        forged = {"Content-Type": "application/json", **signed_headers("wrong", body)}
        refused = requests.post(f"{url}/slack/events", data=body, headers=forged, timeout=5)
        assert refused.status_code == 401

        # The outbox drainer runs beside gunicorn: the escalation reaches the channel.
        assert "Escalation *#1* recorded" in _escalate(url).json()["text"]
        [post] = fake_slack.wait_for("chat.postMessage", timeout=15)
        assert post.args["channel"] == "CGENERAL"
    finally:
        logged = _stop(server)
    # A correct setup starts without a warning, and says each thing once.
    assert "WARNING" not in logged and "Traceback" not in logged
    assert logged.count("outbox drainer started") == 1


def test_the_procfile_web_process_serves_and_posts(tmp_path: Path, fake_slack: FakeSlack) -> None:
    procfile = (Path(__file__).parents[2] / "Procfile").read_text()
    [web] = [
        line.split(":", 1)[1].strip() for line in procfile.splitlines() if line.startswith("web:")
    ]
    url_db = f"sqlite:///{tmp_path}/procfile.db"
    assert run_baton("db", "upgrade", env={"DATABASE_URL": url_db}, cwd=tmp_path).returncode == 0
    port = free_port()
    env = {
        **ENV,
        "DATABASE_URL": url_db,
        "SLACK_API_URL": fake_slack.url,
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
        "PATH": f"{BATON.parent}:{os.environ['PATH']}",
        "PYTHONPATH": str(Path(__file__).parents[2]),
    }
    server = _start(["bash", "-c", f"exec {web}"], env, Path(__file__).parents[2])
    try:
        url = f"http://127.0.0.1:{port}"
        assert _wait_healthy(url, server).status_code == 200
        assert _escalate(url).status_code == 200
        [post] = fake_slack.wait_for("chat.postMessage", timeout=15)
        assert post.args["channel"] == "CGENERAL"
    finally:
        _stop(server)


def test_the_clock_process_reminds_an_owner_and_stops_cleanly_on_sigterm(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    from datetime import UTC, datetime, timedelta

    url = f"sqlite:///{tmp_path}/clock.db"
    assert run_baton("db", "upgrade", env={"DATABASE_URL": url}, cwd=tmp_path).returncode == 0
    db = Database(url)
    with db.unit_of_work() as session:
        # A sev1 (15-minute timeout) raised 20 minutes ago and never acknowledged.
        number = escalations.create_escalation(
            session,
            team_id="T1",
            title="Checkout down",
            severity=1,
            reporter_id="UREPORTER",
            owner_id="UOWNER",
            source_channel_id="CGENERAL",
            now=datetime.now(UTC) - timedelta(minutes=20),
        )
        escalations.set_posted(session, number, channel_id="CGENERAL", message_ts="1700000000.1")
    db.dispose()
    env = {
        **ENV,
        "DATABASE_URL": url,
        "SLACK_API_URL": fake_slack.url,
        "BATON_SCHEDULER_INTERVAL": "1",
    }
    clock = _start([str(BATON), "scheduler"], env, tmp_path)
    try:
        [reminder] = fake_slack.wait_for("chat.postMessage", timeout=20)
        assert reminder.args["channel"] == "CGENERAL"
        assert reminder.args["thread_ts"] == "1700000000.1"
        told = "<@UOWNER> reminder: escalation #1 has not been acknowledged"
        assert told in reminder.args["text"]
        time.sleep(2.5)  # more ticks: the reminder is claimed, and is not sent again
        assert len(fake_slack.calls_to("chat.postMessage")) == 1
    finally:
        clock.terminate()
        assert clock.wait(timeout=30) == 0
    assert clock.stderr is not None
    assert "clock stopped" in clock.stderr.read()


def test_socket_mode_connects_with_the_app_token_and_a_refusal_is_one_line(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    env = {**ENV, "DATABASE_URL": f"sqlite:///{tmp_path}/socket.db"}
    missing = run_baton("serve", "--socket-mode", env=env, cwd=tmp_path)
    assert missing.returncode == 2
    assert missing.stderr.startswith("baton: SLACK_APP_TOKEN: required for --socket-mode")

    fake_slack.fail("apps.connections.open", error="invalid_auth")
    env |= {"SLACK_APP_TOKEN": "xapp-1-A1-socket", "SLACK_API_URL": fake_slack.url}
    refused = run_baton("serve", "--socket-mode", env=env, cwd=tmp_path)
    [opened] = fake_slack.calls_to("apps.connections.open")
    assert opened.token == "xapp-1-A1-socket"  # through SLACK_API_URL, with the app token
    assert refused.returncode == 2
    last = refused.stderr.splitlines()[-1]
    assert last.startswith("baton: SLACK_APP_TOKEN: Slack refused it (invalid_auth)")
    assert "Traceback" not in refused.stderr


def test_export_writes_one_csv_per_table_with_a_header(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/export.db"
    assert run_baton("db", "upgrade", env={"DATABASE_URL": url}, cwd=tmp_path).returncode == 0
    db = Database(url)
    from datetime import UTC, datetime

    with db.unit_of_work() as session:
        escalations.create_escalation(
            session,
            team_id="T1",
            title='Payments, "EU" down',
            severity=1,
            reporter_id="UREPORTER",
            owner_id="UOWNER",
            source_channel_id="CGENERAL",
            now=datetime(2026, 11, 23, 14, 0, tzinfo=UTC),
        )
    db.dispose()
    result = run_baton(
        "export", "--out", str(tmp_path / "out"), env={"DATABASE_URL": url}, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    files = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert files == [
        "blocker_waits.csv",
        "blockers.csv",
        "checkin_prompts.csv",
        "checkins.csv",
        "escalations.csv",
        "job_claims.csv",
        "latency_weeks.csv",
        "latency_weeks_kept.csv",
        "message_group_mentions.csv",
        "message_mentions.csv",
        "messages.csv",
        "nps_answers.csv",
        "nps_invitations.csv",
        "nps_rounds.csv",
        "side_members.csv",
        "usergroup_readings.csv",
        "workspace_setting_changes.csv",
    ]
    import csv

    with (tmp_path / "out" / "escalations.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 1
    assert rows[0]["title"] == 'Payments, "EU" down'
    assert rows[0]["severity"] == "sev1"  # as Slack and the README say it
    assert rows[0]["created_at"] == "2026-11-23T14:00:00+00:00"
    with (tmp_path / "out" / "blockers.csv").open() as handle:
        assert handle.readline().startswith("id,team_id,text,status")
    with (tmp_path / "out" / "checkins.csv").open() as handle:
        header = handle.readline().strip().split(",")
    assert header[:6] == ["id", "team_id", "sprint", "sprint_start", "sprint_end", "points_planned"]


def test_export_has_conversation_times_and_only_the_survey_answers_slack_would_show(
    database_url: str, tmp_path: Path
) -> None:
    from datetime import UTC, date, datetime

    from storage import nps
    from storage.models import Message, MessageMention

    url = database_url
    db = Database(url)
    start = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)

    def survey(min_responses: int, scores: list[int]) -> int:
        with db.unit_of_work() as session:
            round_id = nps.create_round(
                session,
                team_id="T1",
                audience="CTEAM",
                question="Recommend us?",
                min_responses=min_responses,
                started_at=start,
                ends_at=start,
                started_by=None,
                period=None,
            )
            assert round_id is not None
            people = [f"U{n}" for n in range(len(scores))]
            nps.add_invitations(session, round_id, people)
            for person, score in zip(people, scores, strict=True):
                invitation = nps.invitation_of(session, round_id, person)
                assert invitation is not None
                nps.record_answer(
                    session, invitation.id, user_id=person, score=score, day=date(2026, 11, 3)
                )
            nps.close_round(session, round_id, now=start, closed_by=None)
        return round_id

    shown = survey(3, [10, 6, 8])
    survey(5, [9, 2])  # below its minimum: Slack shows no score, the export no answer
    with db.unit_of_work() as session:
        session.add(
            Message(
                team_id="T1",
                channel_id="CTEAM",
                ts="1764064800.000100",
                user_id="UASKER",
                posted_at=datetime(2026, 11, 25, 10, 0, tzinfo=UTC),
                is_question=True,
                wait_kind="mention",
                answered_at=datetime(2026, 11, 25, 10, 30, tzinfo=UTC),
                wall_seconds=1800.0,
            )
        )
        session.add(
            MessageMention(
                team_id="T1",
                channel_id="CTEAM",
                message_ts="1764064800.000100",
                user_id="UANSWERER",
                posted_at=datetime(2026, 11, 25, 10, 0, tzinfo=UTC),
            )
        )
    db.dispose()
    out = tmp_path / "out"
    result = run_baton("export", "--out", str(out), env={"DATABASE_URL": url}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    import csv

    def rows(name: str) -> list[dict[str, str]]:
        with (out / f"{name}.csv").open() as handle:
            return list(csv.DictReader(handle))

    answers = rows("nps_answers")
    assert sorted(int(a["score"]) for a in answers) == [6, 8, 10]
    assert {a["round_id"] for a in answers} == {str(shown)}
    assert "user_id" not in answers[0]
    assert len(rows("nps_rounds")) == 2
    # Who was asked in which round, and nothing that says who answered.
    with (out / "nps_invitations.csv").open() as handle:
        assert handle.readline().strip() == "round_id,user_id"
    [message] = rows("messages")
    assert message["wall_seconds"] == "1800.0"
    assert message["answered_at"] == "2026-11-25T10:30:00+00:00"
    assert [m["user_id"] for m in rows("message_mentions")] == ["UANSWERER"]


def test_kpi_json_prints_the_subjects_keys_at_the_top_level(tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    url = f"sqlite:///{tmp_path}/kpi.db"
    assert run_baton("db", "upgrade", env={"DATABASE_URL": url}, cwd=tmp_path).returncode == 0
    db = Database(url)
    now = datetime.now(UTC)
    with db.unit_of_work() as session:
        number = escalations.create_escalation(
            session,
            team_id="T1",
            title="API down",
            severity=2,
            reporter_id="UREPORTER",
            owner_id="UOWNER",
            source_channel_id="CGENERAL",
            now=now - timedelta(hours=5),
        )
        escalations.resolve(
            session, number, user_id="UOWNER", note=None, now=now - timedelta(hours=3)
        )
    db.dispose()
    result = run_baton(
        "kpi", "escalations", "--days", "1", "--json", env={"DATABASE_URL": url}, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["opened"] == 1
    assert figures["resolved"] == 1
    assert figures["open_now"] == 0
    assert figures["mttr_seconds"] == 7200.0
    assert figures["by_severity"]["sev2"]["resolved"] == 1

    refused = run_baton("kpi", "blockers", "--days", "400", env={"DATABASE_URL": url}, cwd=tmp_path)
    assert refused.returncode == 2
    assert "1 to 365 days" in refused.stderr


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("postgresql://postgres:hunter2@127.0.0.1:1/test", "port 1 failed: Connection refused"),
        (
            "postgresql://postgres:hunter2@127.0.0.1:5432/nosuchdb",
            'database "nosuchdb" does not exist',
        ),
        (
            "sqlite:////proc/nope/baton.db",
            "unable to open database file (the SQLite file /proc/nope/baton.db",
        ),
    ],
)
@pytest.mark.parametrize(
    "command",
    [("kpi", "escalations", "--json"), ("export", "--out", "out"), ("db", "upgrade")],
)
def test_a_database_that_cannot_be_used_is_refused_with_the_drivers_reason(
    url: str, reason: str, command: tuple[str, ...], tmp_path: Path
) -> None:
    from tests.conftest import _postgres_problem

    if url.startswith("postgresql") and "port 1" not in url and _postgres_problem():
        pytest.skip("no PostgreSQL server to say the database does not exist")
    result = run_baton(*command, env={"DATABASE_URL": url}, cwd=tmp_path)
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("baton: DATABASE_URL: ") and reason in line
    assert "hunter2" not in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_an_in_memory_database_is_refused_in_one_line(url: str, tmp_path: Path) -> None:
    result = run_baton("kpi", "--json", env={"DATABASE_URL": url}, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "baton: DATABASE_URL: an in-memory SQLite database is lost when Baton exits and is not "
        "shared by its processes; give a file: sqlite:///baton.db"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ("export", "--out", "/etc/passwd"),
            "baton: --out /etc/passwd: that is a file, not a folder",
        ),
        (
            ("demo", "--out", "/proc/nope"),
            "baton: --out /proc/nope: cannot write there (No such file or directory)",
        ),
        (
            ("digest", "--dry-run", "--out", "/etc/passwd/x"),
            "baton: --out /etc/passwd/x: cannot write there (Not a directory)",
        ),
    ],
)
def test_a_folder_that_cannot_be_written_is_refused_in_one_line_before_any_database(
    args: tuple[str, ...], message: str, tmp_path: Path
) -> None:
    result = run_baton(*args, env={"DATABASE_URL": f"sqlite:///{tmp_path}/b.db"}, cwd=tmp_path)
    assert (result.returncode, result.stderr.strip()) == (2, message)
    assert not (tmp_path / "b.db").exists()


@pytest.mark.parametrize(
    ("days", "reason"),
    [("-3", "a period runs from 1 to 365 days; -3 is not"), ("x", "a whole number of days")],
)
def test_a_bad_period_is_refused_before_the_database_is_touched(
    days: str, reason: str, tmp_path: Path
) -> None:
    result = run_baton(
        "kpi", "--days", days, env={"DATABASE_URL": f"sqlite:///{tmp_path}/b.db"}, cwd=tmp_path
    )
    assert result.returncode == 2
    assert reason in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "b.db").exists()
