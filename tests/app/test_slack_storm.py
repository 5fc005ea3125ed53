"""Slack in a storm while the real processes work: `baton serve` (gunicorn and its outbox
drainer) and `baton scheduler` (the clock, ticking every second), on one SQLite file.

For the first seconds Slack answers every third call of each method with, by turns, a 429 with
Retry-After 1, a 500 or a dropped connection (none of them done), while a digest with its
charts, a survey round of 500 DMs, an escalation reminder and check-in DMs are due. When Slack
recovers, each person, channel and thread has what it should, exactly once; the database says
the work is done; no process logged a traceback; and no call came again before the Retry-After
of the 429 that answered it.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update

from bot.config.settings import load_settings
from bot.core.weeks import DAY_NAMES, monday_of
from bot.latency.ingest import ingest, new_message
from bot.latency.rules import MessageFacts, read_message_event
from bot.latency.timing import Timing
from storage import blockers, escalations, migrate
from storage import nps as nps_store
from storage.db import Database, create_db_engine
from storage.models import (
    CheckinPrompt,
    Digest,
    DigestPart,
    Escalation,
    JobClaim,
    NpsInvitation,
    NpsRound,
    OutboxTask,
)
from storage.statuses import InvitationStatus
from tests.app.test_cli import BATON, ENV, _wait_healthy, free_port
from tests.support.fake_slack import BOT_ID, BOT_USER_ID, STORM_KINDS, Call, FakeSlack
from tests.support.signing import TEAM_ID

# Everything the digest, the survey, the reminder and the check-ins ask of Slack.
STORMY = (
    "chat.postMessage",
    "chat.update",
    "conversations.open",
    "conversations.history",
    "conversations.replies",
    "conversations.members",
    "users.info",
    "files.getUploadURLExternal",
    "files.completeUploadExternal",
)
STORM_SECONDS = 8.0
DONE_WITHIN = 90.0
RETRY_AFTER = 1.0
CLOCK_SLACK = 0.05

DIGEST_CHANNEL = "CDIGEST"
ALERT_CHANNEL = "CALERTS"
ESCALATION_CHANNEL = "CESCALATE"
GENERAL = "CGENERAL"
SURVEY_CHANNEL = "CSURVEY"
PEOPLE = [f"USURVEY{n:03d}" for n in range(500)]
LEADS = ("ULEAD1", "ULEAD2", "ULEAD3")
CLIENT, PARTNER = "UCLIENT", "UPARTNER"


def dm_of(user_id: str) -> str:
    """The DM channel the fake files a user's DMs under."""
    return "D" + user_id[1:]


def settings_env(now: datetime) -> dict[str, str]:
    """Every job due at `now`, in any week, on any day, at any hour."""
    nps_due = now - timedelta(minutes=10)
    return {
        "BATON_TIMEZONE": "UTC",
        # Working time all around now, every day: check-in DMs go at once.
        "BATON_WORKDAYS": "mon-sun",
        "BATON_WORKHOURS": f"{now - timedelta(hours=3):%H:%M}-{now + timedelta(hours=3):%H:%M}",
        "BATON_SCHEDULER_INTERVAL": "1",
        # The digest of the latest week due, with its charts; no monthly review beside it.
        "BATON_DIGEST_CHANNELS": DIGEST_CHANNEL,
        "BATON_REVIEW_TIME": "off",
        # Alerts (whichever fire) beside the digest, not in its channel.
        "BATON_ALERT_CHANNEL": ALERT_CHANNEL,
        # A weekly round whose start was ten minutes ago; DMs as fast as the drainer goes.
        "BATON_NPS_AUDIENCE": SURVEY_CHANNEL,
        "BATON_NPS_CADENCE": "weekly",
        "BATON_NPS_DAY": DAY_NAMES[nps_due.weekday()],
        "BATON_NPS_TIME": f"{nps_due:%H:%M}",
        "BATON_NPS_SEND_PER_MINUTE": "60000",
        "BATON_NPS_REMINDER_DAYS": "off",
        # Four weeks of operation in two-week sprints: sprint 2 has ended.
        "BATON_OPERATE_START": (monday_of(now, ZoneInfo("UTC")) - timedelta(weeks=4)).isoformat(),
        "BATON_SPRINT_DAYS": "14",
        "BATON_CHECKIN_LEADS": f"delivery:{LEADS[0]},finance:{LEADS[1]},{LEADS[2]}",
    }


# -- the history, in the database and in Slack, before the processes start -----------------


def seed(url: str, env: dict[str, str], fake: FakeSlack, now: datetime) -> int:
    """Three weeks of escalations, blockers, conversations and a closed survey round (so the
    digest draws its three charts); an unacknowledged sev1 posted 20 minutes ago (its reminder
    is due). Returns that escalation's number."""
    engine = create_db_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    settings = load_settings({**ENV, "DATABASE_URL": url, **env})
    db = Database(url)
    days = [now - timedelta(days=back) for back in range(1, 22)]
    with db.unit_of_work() as session:
        for day in days:
            for hour in (10, 14):
                created = day.replace(hour=hour, minute=0, second=0, microsecond=0)
                number = escalations.create_escalation(
                    session,
                    team_id=TEAM_ID,
                    title=f"Checkout slow {created:%d %H}h",
                    severity=3,
                    reporter_id=PARTNER,
                    owner_id=CLIENT,
                    source_channel_id=GENERAL,
                    now=created,
                )
                escalations.acknowledge(
                    session, number, user_id=CLIENT, now=created + timedelta(minutes=20)
                )
                escalations.resolve(
                    session, number, user_id=CLIENT, note=None, now=created + timedelta(hours=2)
                )
            raised = day.replace(hour=11, minute=0, second=0, microsecond=0)
            blocker = blockers.create_blocker(
                session,
                team_id=TEAM_ID,
                text="Waiting on VPN access",
                reporter_id=PARTNER,
                source_channel_id=GENERAL,
                now=raised,
                waits_on_users=[CLIENT],
            )
            blockers.resolve(
                session, blocker.id, user_id=CLIENT, note=None, now=raised + timedelta(hours=5)
            )
    _seed_conversations(db, Timing.from_settings(settings), days)
    _seed_closed_round(db, now)

    created = now - timedelta(minutes=20)
    ts = f"{created.timestamp():.6f}"
    with db.unit_of_work() as session:
        number = escalations.create_escalation(
            session,
            team_id=TEAM_ID,
            title="Payments API returns 500",
            severity=1,
            reporter_id="UREPORTER",
            owner_id="UOWNER",
            source_channel_id=ESCALATION_CHANNEL,
            now=created,
        )
        escalations.set_posted(session, number, channel_id=ESCALATION_CHANNEL, message_ts=ts)
    db.dispose()
    fake.history.setdefault(ESCALATION_CHANNEL, []).append(
        {"type": "message", "user": BOT_USER_ID, "bot_id": BOT_ID, "ts": ts, "text": f"#{number}"}
    )
    fake.add_channel_members(DIGEST_CHANNEL, ["UOWNER"])
    fake.add_channel_members(ALERT_CHANNEL, ["UOWNER"])
    for person in PEOPLE:
        fake.add_user(person)
    fake.add_channel_members(SURVEY_CHANNEL, PEOPLE)
    for lead in LEADS:
        fake.add_user(lead)
    return number


def _seed_conversations(db: Database, timing: Timing, days: list[datetime]) -> None:
    """Each day, three questions from the client to the partner, answered within the hour."""
    serial = 0
    with db.unit_of_work() as session:
        for day in days:
            for hour in (9, 12, 15):
                asked = day.replace(hour=hour, minute=0, second=0, microsecond=0)
                for user, text, moment in (
                    (CLIENT, f"<@{PARTNER}> can you look at the deploy?", asked),
                    (PARTNER, "On it.", asked + timedelta(minutes=10 * (1 + serial % 5))),
                ):
                    serial += 1
                    event = {
                        "type": "message",
                        "channel": GENERAL,
                        "user": user,
                        "text": text,
                        "ts": f"{int(moment.timestamp())}.{serial:06d}",
                    }
                    facts = read_message_event(event, TEAM_ID)
                    assert isinstance(facts, MessageFacts)
                    ingest(session, new_message(facts, facts.mentions, {}, (), timing), {}, timing)


def _seed_closed_round(db: Database, now: datetime) -> None:
    """A survey round of ten people, eight answers, over a fortnight ago."""
    started = now - timedelta(days=20)
    people = [f"UOLD{n}" for n in range(10)]
    with db.unit_of_work() as session:
        round_id = nps_store.create_round(
            session,
            team_id=TEAM_ID,
            audience=SURVEY_CHANNEL,
            question="How likely are you to recommend working with this team to a colleague?",
            min_responses=5,
            started_at=started,
            ends_at=started + timedelta(days=5),
            started_by=None,
            period="seeded",
        )
        assert round_id is not None
        nps_store.add_invitations(session, round_id, people)
        session.execute(
            update(NpsInvitation)
            .where(NpsInvitation.round_id == round_id)
            .values(status=InvitationStatus.SENT, sent_at=started)
        )
        invitations = session.scalars(
            select(NpsInvitation).where(NpsInvitation.round_id == round_id)
        ).all()
        for invitation, score in zip(invitations, (10, 9, 9, 8, 7, 10, 6, 9), strict=False):
            nps_store.record_answer(
                session,
                invitation.id,
                user_id=invitation.user_id,
                score=score,
                day=(started + timedelta(days=1)).date(),
            )
        nps_store.close_round(session, round_id, now=started + timedelta(days=5), closed_by=None)


# -- the processes ---------------------------------------------------------------------------


def _launch(args: list[str], env: dict[str, str], cwd: Path, log: Path) -> subprocess.Popen[str]:
    """Start `baton ARGS`, its output in `log` (a pipe nobody reads would fill and stall it)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "BATON_"))}
    base.pop("DATABASE_URL", None)
    with log.open("w") as out:
        return subprocess.Popen(
            [str(BATON), *args],
            env=base | env,
            cwd=cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )


def _halt(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# -- what the database says ------------------------------------------------------------------


def _progress(db: Database, number: int) -> dict[str, Any]:
    with db.reading() as session:
        open_round = session.scalar(select(NpsRound.id).where(NpsRound.period != "seeded"))
        statuses = dict(
            session.execute(
                select(NpsInvitation.status, func.count())
                .where(NpsInvitation.round_id == open_round)
                .group_by(NpsInvitation.status)
            ).all()
        )
        completed = session.scalars(
            select(Digest.completed_at).where(Digest.channel_id == DIGEST_CHANNEL)
        ).all()
        stage = session.scalar(
            select(JobClaim.finished_at).where(
                JobClaim.job == "escalation_stage", JobClaim.subject == f"escalation:{number}"
            )
        )
        prompted = session.scalars(
            select(CheckinPrompt.lead_id).where(CheckinPrompt.sent_at.is_not(None))
        ).all()
        waiting = session.scalar(
            select(func.count()).select_from(OutboxTask).where(OutboxTask.done_at.is_(None))
        )
    return {
        "survey": statuses,
        "digests completed": [at is not None for at in completed],
        "reminder done": stage is not None,
        "leads asked": sorted(prompted),
        "outbox waiting": waiting,
    }


def _all_done(progress: dict[str, Any]) -> bool:
    return bool(
        progress["survey"] == {InvitationStatus.SENT: len(PEOPLE)}
        and progress["digests completed"] == [True]
        and progress["reminder done"]
        and progress["leads asked"] == sorted(LEADS)
        and progress["outbox waiting"] == 0
    )


# -- the test --------------------------------------------------------------------------------


def test_a_slack_storm_delays_everything_and_repeats_nothing(
    tmp_path: Path, fake_slack: FakeSlack
) -> None:
    started = time.monotonic()
    now = datetime.now(UTC)
    url_db = f"sqlite:///{tmp_path}/storm.db"
    env = settings_env(now)
    number = seed(url_db, env, fake_slack, now)
    port = free_port()
    process_env = {
        **ENV,
        **env,
        "DATABASE_URL": url_db,
        "SLACK_API_URL": fake_slack.url,
        "PORT": str(port),
        "WEB_CONCURRENCY": "1",
    }
    fake_slack.storm(STORMY, until=time.monotonic() + STORM_SECONDS)
    server_log, clock_log = tmp_path / "serve.log", tmp_path / "scheduler.log"
    server = _launch(["serve"], process_env, tmp_path, server_log)
    clock = _launch(["scheduler"], process_env, tmp_path, clock_log)
    db = Database(url_db)
    try:
        assert _wait_healthy(f"http://127.0.0.1:{port}", server).status_code == 200
        deadline = time.monotonic() + DONE_WITHIN
        progress = _progress(db, number)
        while not _all_done(progress):
            assert time.monotonic() < deadline, (
                f"not done within {DONE_WITHIN:.0f} s: {progress}; logs in {tmp_path}"
            )
            time.sleep(0.25)
            progress = _progress(db, number)
        # A moment more: anything sent twice would show now.
        time.sleep(1.0)
        assert server.poll() is None and clock.poll() is None
    finally:
        _halt(clock)
        _halt(server)
    elapsed = time.monotonic() - started
    logged = server_log.read_text() + clock_log.read_text()
    fake = fake_slack

    # The storm happened: each kind of failure, on the calls that matter.
    hits = fake.storm_hits
    assert {hit.kind for hit in hits} == set(STORM_KINDS), hits
    hit_methods = {hit.call.method for hit in hits}
    assert {"chat.postMessage", "users.info"} <= hit_methods, hit_methods

    # Each of the 500 people has one survey DM.
    for person in PEOPLE:
        dms = fake.posts_in(dm_of(person))
        assert len(dms) == 1, (person, dms)
        assert all("blocks" in dm for dm in dms)

    # The digest: one message in its channel, each chart once in its thread.
    with db.reading() as session:
        digest_id, digest_ts = session.execute(
            select(Digest.id, Digest.message_ts).where(Digest.channel_id == DIGEST_CHANNEL)
        ).one()
        parts = dict(
            session.execute(
                select(DigestPart.name, DigestPart.slack_ref).where(
                    DigestPart.digest_id == digest_id
                )
            ).all()
        )
    assert set(parts) == {"message", "latency", "activity", "nps"}
    in_channel = fake.posts_in(DIGEST_CHANNEL)
    [message] = [m for m in in_channel if not m.get("files")]
    assert message["ts"] == digest_ts == parts["message"]
    assert message["text"].startswith("Weekly digest, ")
    shares = [m for m in in_channel if m.get("files")]
    assert {m.get("thread_ts") for m in shares} == {message["ts"]}
    shared = [f for m in shares for f in m["files"]]
    names = [f["name"] for f in shared]
    assert len(names) == 3 and len(set(names)) == 3, names
    assert {f["id"] for f in shared} == {parts["latency"], parts["activity"], parts["nps"]}

    # The escalation reminder: once, in the escalation's thread; no DM instead.
    with db.reading() as session:
        thread_ts = session.scalar(select(Escalation.message_ts).where(Escalation.id == number))
    db.dispose()
    thread = [m for m in fake.posts_in(ESCALATION_CHANNEL) if m.get("thread_ts") == thread_ts]
    assert len(thread) == 1, thread
    assert thread[0]["text"].startswith(f"<@UOWNER> reminder: escalation #{number} ")
    assert fake.posts_in(dm_of("UOWNER")) == []

    # Each lead: one check-in DM.
    for lead in LEADS:
        assert len(fake.posts_in(dm_of(lead))) == 1, lead

    # Alerts, if any fired: each once.
    alerts = [m["metadata"]["event_payload"]["ref"] for m in fake.posts_in(ALERT_CHANNEL)]
    assert len(alerts) == len(set(alerts)), alerts

    # Nothing else was posted anywhere.
    where = {channel for channel, kept in fake.history.items() if kept}
    expected = {DIGEST_CHANNEL, ESCALATION_CHANNEL, ALERT_CHANNEL}
    expected |= {dm_of(u) for u in [*PEOPLE, *LEADS]}
    assert where == expected, where - expected

    # Every 429 was waited out: the same call came again, and not before Retry-After.
    calls = list(fake.calls)
    for hit in hits:
        if hit.kind != "429":
            continue
        again = _next_try(fake, calls, hit.call)
        assert again is not None, f"never tried again: {fake.identity(hit.call)[:200]}"
        gap = again.at - hit.call.at
        assert gap >= RETRY_AFTER - CLOCK_SLACK, (
            f"tried again {gap:.3f} s after a 429 asking {RETRY_AFTER:.0f} s: "
            f"{fake.identity(hit.call)[:200]}"
        )

    failed = Counter(f"{hit.call.method} {hit.kind}" for hit in hits)
    print(f"\nstorm: {len(calls)} calls, {len(hits)} failed: {dict(sorted(failed.items()))}")
    print(f"alerts: {alerts}; all done {elapsed:.1f} s after the start")

    # A storm is no bug of Baton's: no process logs a traceback for it.
    assert _tracebacks(logged) == [], f"logs in {tmp_path}"


def _tracebacks(logged: str) -> list[str]:
    """Each traceback in `logged`: the line that logged it and the exception it ends with."""
    lines = logged.splitlines()
    found = []
    for at, line in enumerate(lines):
        if line.startswith("Traceback"):
            end = at + 1
            while end < len(lines) and lines[end].startswith(" "):
                end += 1
            raised = lines[end] if end < len(lines) else ""
            found.append(f"{lines[at - 1] if at else ''} / {raised}"[:400])
    return found


def _next_try(fake: FakeSlack, calls: list[Call], first: Call) -> Call | None:
    """The next call after `first` that is the same call."""
    same = fake.identity(first)
    after = False
    for call in calls:
        if call is first:
            after = True
        elif after and call.method == first.method and fake.identity(call) == same:
            return call
    return None
