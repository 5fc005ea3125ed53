"""Forgetting a person: nothing names them afterwards, nobody else changes, counts stay."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.privacy.flows import forget
from storage.db import Database
from storage.forget import ID_COLUMNS, INNER_COLUMNS, REMOVED_COLUMNS, TEXT_COLUMNS
from storage.models import (
    Base,
    Blocker,
    BlockerWait,
    Checkin,
    CheckinPrompt,
    Escalation,
    JobClaim,
    Message,
    MessageMention,
    NpsInvitation,
    NpsRound,
    OutboxTask,
    SideMember,
    UsergroupReading,
)
from tests.app.test_cli import run_baton

NOW = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
DANA, ERIK = "U0DANA", "U0ERIK"


@pytest.fixture
def db(database_url: str) -> Database:
    database = Database(database_url)
    yield database  # type: ignore[misc]
    database.dispose()


def _fill(db: Database) -> None:
    """One of everything that can name a person: Dana in every place, Erik beside her."""
    with db.unit_of_work() as session:
        session.add_all(
            [
                Escalation(
                    team_id="T1",
                    title=f"Checkout down, <@{DANA}|dana> is on it with <@{ERIK}>",
                    description=f"<@{DANA}> saw it first",
                    severity=1,
                    reporter_id=DANA,
                    owner_id=ERIK,
                    assignee_id=DANA,
                    acknowledged_by=DANA,
                    resolved_by=ERIK,
                    resolution_note=f"fixed by <@{DANA}>",
                    source_channel_id="CGENERAL",
                    created_at=NOW,
                ),
                Escalation(
                    team_id="T1",
                    title="Unrelated",
                    severity=3,
                    reporter_id=ERIK,
                    source_channel_id="CGENERAL",
                    created_at=NOW,
                ),
                Blocker(
                    team_id="T1",
                    text=f"Waiting on <@{DANA}> for the VPN",
                    reporter_id=DANA,
                    resolved_by=DANA,
                    source_channel_id="CGENERAL",
                    created_at=NOW,
                ),
                Message(
                    team_id="T1",
                    channel_id="CGENERAL",
                    ts="1700000000.000100",
                    user_id=DANA,
                    answer_user=ERIK,
                    posted_at=NOW,
                ),
                Message(
                    team_id="T1",
                    channel_id="CGENERAL",
                    ts="1700000000.000200",
                    user_id=ERIK,
                    answer_user=DANA,
                    posted_at=NOW,
                ),
                MessageMention(
                    team_id="T1",
                    channel_id="CGENERAL",
                    message_ts="1700000000.000200",
                    user_id=DANA,
                    posted_at=NOW,
                ),
                MessageMention(
                    team_id="T1",
                    channel_id="CGENERAL",
                    message_ts="1700000000.000100",
                    user_id=ERIK,
                    posted_at=NOW,
                ),
                Checkin(
                    team_id="T1",
                    sprint=1,
                    sprint_start=date(2026, 11, 9),
                    sprint_end=date(2026, 11, 20),
                    updated_at=NOW,
                    updated_by=DANA,
                ),
                CheckinPrompt(team_id="T1", sprint=1, lead_id=DANA),
                SideMember(team_id="T1", side="partner", user_id=DANA, refreshed_at=NOW),
                SideMember(team_id="T1", side="partner", user_id=ERIK, refreshed_at=NOW),
                UsergroupReading(
                    team_id="T1",
                    group_id="S0LEADS",
                    read_at=NOW,
                    readable=True,
                    members=f"{ERIK},{DANA}",
                ),
                OutboxTask(
                    team_id="T1",
                    kind="kpi.reply",
                    payload=json.dumps({"user_id": DANA, "days": 90}),
                    created_at=NOW,
                    available_at=NOW,
                ),
                JobClaim(
                    team_id="T1",
                    job="checkin_dm",
                    subject=f"lead:{DANA}",
                    period="1",
                    claimed_at=NOW,
                ),
            ]
        )
        session.flush()
        blocker_id = session.scalar(select(Blocker.id))
        session.add(BlockerWait(team_id="T1", blocker_id=blocker_id, kind="user", target_id=DANA))
        nps = NpsRound(
            team_id="T1",
            audience="partner",
            question="How likely…?",
            min_responses=3,
            started_at=NOW,
            ends_at=NOW,
            started_by=DANA,
            closed_by=ERIK,
        )
        session.add(nps)
        session.flush()
        session.add_all(
            [
                NpsInvitation(team_id="T1", round_id=nps.id, user_id=DANA),
                NpsInvitation(team_id="T1", round_id=nps.id, user_id=ERIK),
            ]
        )


def _counts(db: Database) -> dict[str, int]:
    with db.reading() as session:
        return {
            table.name: int(session.scalar(select(func.count()).select_from(table)) or 0)
            for table in Base.metadata.sorted_tables
        }


def _naming(db: Database, user_id: str) -> list[str]:
    """Every column, of every table, that still holds `user_id` anywhere in its value."""
    found = []
    with db.reading() as session:
        for table in Base.metadata.sorted_tables:
            for column in table.columns:
                if not hasattr(column.type, "length") and column.type.python_type is not str:
                    continue
                hits = session.scalar(
                    select(func.count()).select_from(table).where(column.like(f"%{user_id}%"))
                )
                if hits:
                    found.append(f"{table.name}.{column.name}")
    return found


def test_forgetting_leaves_nothing_that_names_the_person_and_nobody_else_changes(
    db: Database,
) -> None:
    _fill(db)
    before = _counts(db)
    assert len(_naming(db, DANA)) == 21  # every place that can name a person does

    done = forget(db, DANA)

    assert _naming(db, DANA) == []
    # Counted by hand from _fill: each row that named Dana, once per column.
    assert done.changed == {
        "escalations.reporter_id": 1,
        "escalations.assignee_id": 1,
        "escalations.acknowledged_by": 1,
        "escalations.title": 1,
        "escalations.description": 1,
        "escalations.resolution_note": 1,
        "blockers.reporter_id": 1,
        "blockers.resolved_by": 1,
        "blockers.text": 1,
        "blocker_waits.target_id": 1,
        "messages.user_id": 1,
        "messages.answer_user": 1,
        "message_mentions.user_id": 1,
        "nps_rounds.started_by": 1,
        "nps_invitations.user_id": 1,
        "checkins.updated_by": 1,
        "checkin_prompts.lead_id": 1,
        "outbox.payload": 1,
        "job_claims.subject": 1,
        "usergroup_readings.members": 1,
        "side_members.user_id": 1,
    }
    # Rows stay, so every count stays; only Slack's copy of the sides loses her.
    assert _counts(db) == before | {"side_members": before["side_members"] - 1}
    pseudonym = done.pseudonym
    with db.reading() as session:
        first = session.scalars(select(Escalation).order_by(Escalation.id)).first()
        assert first is not None
        assert (first.reporter_id, first.owner_id, first.resolved_by) == (pseudonym, ERIK, ERIK)
        assert first.title == f"Checkout down, {pseudonym} is on it with <@{ERIK}>"
        assert session.scalar(select(UsergroupReading.members)) == ERIK
        assert sorted(session.scalars(select(NpsInvitation.user_id))) == sorted([ERIK, pseudonym])
    # Erik is named exactly where he was.
    assert sorted(_naming(db, ERIK)) == [
        "escalations.owner_id",
        "escalations.reporter_id",
        "escalations.resolved_by",
        "escalations.title",
        "message_mentions.user_id",
        "messages.answer_user",
        "messages.user_id",
        "nps_invitations.user_id",
        "nps_rounds.closed_by",
        "side_members.user_id",
        "usergroup_readings.members",
    ]

    again = forget(db, DANA)
    assert again.changed == {}


def test_the_pseudonym_is_new_each_time_and_says_nothing(db: Database) -> None:
    _fill(db)
    first = forget(db, DANA)
    second = forget(db, ERIK)
    assert first.pseudonym != second.pseudonym
    for done in (first, second):
        assert done.pseudonym.startswith("forgotten-")
        assert "DANA" not in done.pseudonym and "ERIK" not in done.pseudonym


def test_every_column_that_can_name_a_person_is_covered() -> None:
    # A new column holding a user id must be added to storage.forget: these are all there are.
    covered = {
        f"{c.class_.__tablename__}.{c.key}"
        for c in ID_COLUMNS + TEXT_COLUMNS + INNER_COLUMNS + REMOVED_COLUMNS
    }
    named = {
        f"{table.name}.{column.name}"
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if column.name.endswith(
            ("user_id", "_by", "reporter_id", "owner_id", "assignee_id", "lead_id", "answer_user")
        )
    }
    assert named - covered == set()


def test_baton_forget_user_prints_what_it_changed_and_refuses_a_non_id(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/forget.db"
    assert run_baton("db", "upgrade", env={"DATABASE_URL": url}, cwd=tmp_path).returncode == 0
    db = Database(url)
    _fill(db)
    db.dispose()
    done = run_baton("forget-user", DANA, env={"DATABASE_URL": url}, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith(f"{DANA} is now forgotten-") and lines[0].endswith(" in 21 rows:")
    assert "  escalations.reporter_id  1" in lines
    again = run_baton("forget-user", DANA, env={"DATABASE_URL": url}, cwd=tmp_path)
    assert again.stdout.strip() == f"Nothing names {DANA}: nothing changed."
    refused = run_baton("forget-user", "dana", env={"DATABASE_URL": url}, cwd=tmp_path)
    assert refused.returncode == 2
    assert refused.stderr.strip() == "baton: 'dana' is not a Slack user id such as U012AB3CD."
