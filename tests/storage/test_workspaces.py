"""Every row names its workspace, and forgetting a workspace deletes its rows, table by table,
and no other workspace's."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete, func, inspect, select, update

from storage import (
    alerts,
    blockers,
    checkins,
    claims,
    digests,
    escalations,
    kept_weeks,
    messages,
    outbox,
    unsure_posts,
    usergroups,
    weekly,
    workspace_settings,
)
from storage.db import Database
from storage.events import Delivery, record_delivery
from storage.latency import LatencyGroup
from storage.models import Base, Blocker, Escalation
from storage.results import rows_changed
from storage.scope import acting_for, owner_elsewhere
from storage.statuses import PostKind
from storage.workspaces import forget_workspace, has_rows, stored_teams, workspace_tables
from tests.support.surveys import answered_round

NOW = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
A, B = "TALPHA", "TBRAVO"


def _fill(db: Database, team: str, n: int) -> None:
    """One row or more in every table for `team`, each through the store function Baton's
    own flows call, with the same keys whatever the workspace: the workspaces' rows never
    collide. Messages alone are told apart by their channel (see storage.messages)."""
    at = NOW + timedelta(hours=n)
    channel, ts = "CSHARED", "1795960800.000100"
    # As Baton's own work does: acting for the workspace (storage.scope).
    with acting_for(team), db.unit_of_work() as session:
        record_delivery(session, Delivery(f"Ev{team}", team, "message", at))
        escalations.create_escalation(
            session,
            team_id=team,
            title="Prod down",
            severity=1,
            reporter_id="UREPORTER",
            owner_id="UOWNER",
            source_channel_id=channel,
            now=at,
        )
        blockers.create_blocker(
            session,
            team_id=team,
            text="Waiting on access",
            reporter_id="UREPORTER",
            source_channel_id=channel,
            now=at,
            waits_on_users=["UOWNER"],
            waits_on_channels=[],
        )
        messages.store_message(
            session,
            messages.NewMessage(
                team_id=team,
                channel_id=f"C{team}",
                ts=ts,
                thread_ts=None,
                user_id="UASKER",
                posted_at=at,
                is_question=False,
                wait_kind="mention",
                mentions=("UANSWERER",),
                author_side=None,
                expected_side=None,
                sla_due_at=at + timedelta(hours=4),
                unanswered_due_at=at + timedelta(days=1),
                groups=((f"S{team}", "expanded"),),
            ),
        )
        usergroups.add_reading(
            session, team_id=team, group_id=f"S{team}", read_at=at, readable=True, members=["U1"]
        )
        messages.replace_side_members(
            session, team_id=team, side="partner", user_ids=["UANSWERER"], now=at
        )
        answered_round(
            session, team_id=team, scores={"UZOE": 9}, opened=at, min_responses=1, closed=False
        )
        held = digests.claim(
            session,
            team_id=team,
            channel_id=channel,
            period_start=date(2026, 11, 16),
            now=at,
            lease_until=at + timedelta(minutes=5),
        )
        assert held is not None
        digests.mark_part(session, held.id, name="message", slack_ref=ts, now=at)
        unsure_posts.remember(
            session, team_id=team, ref="alert:x", channel_id=channel, since=at, stale_before=at
        )
        assert alerts.start_breach(
            session, team_id=team, rule="nps_below", subject="team", value=5.0, now=at
        )
        group = LatencyGroup(1, 1, 1, 1, 0, [60.0], [60.0], channel, None, None)
        assert kept_weeks.keep_week(
            session,
            team_id=team,
            start=NOW - timedelta(weeks=60),
            end=NOW - timedelta(weeks=59),
            now=at,
            figures=kept_weeks.WeekFigures([group], {}),
        )
        assert weekly.store_baseline(
            session,
            team_id=team,
            family="latency",
            scope=channel,
            first_week=date(2026, 10, 5),
            weeks=4,
            figures={"median_wall": 60.0},
            now=at,
        )
        assert claims.claim(
            session, team_id=team, job="digest", subject=channel, period="2026-W47", now=at
        )
        outbox.enqueue(session, team_id=team, kind="home.publish", payload={}, now=at)
        checkins.save(
            session,
            team_id=team,
            sprint=3,
            sprint_start=date(2026, 11, 9),
            sprint_end=date(2026, 11, 22),
            values={"points_planned": 20.0},
            by="ULEAD",
            now=at,
            any_team=False,
        )
        checkins.record_prompt(
            session,
            team_id=team,
            sprint=3,
            lead_id="ULEAD",
            channel_id="DLEAD",
            message_ts=ts,
            now=at,
        )
        assert checkins.save_snapshot(
            session,
            team_id=team,
            kind=PostKind.DIGEST,
            taken_on=at.date(),
            readiness=0.5,
            scorecard={},
            now=at,
        )
        workspace_settings.save_changes(
            session,
            team_id=team,
            changes={"BATON_TIMEZONE": "America/Bogota"},
            by="UADMIN",
            now=at,
        )


def _counts(db: Database, team: str) -> dict[str, int]:
    with db.reading() as session:
        return {
            table.name: int(
                session.scalar(
                    select(func.count()).select_from(table).where(table.c.team_id == team)
                )
                or 0
            )
            for table in workspace_tables()
        }


def test_every_table_names_the_workspace_of_each_row(database_url: str) -> None:
    db = Database(database_url)
    try:
        found = inspect(db.engine)
        for table in workspace_tables():
            columns = {column["name"]: column for column in found.get_columns(table.name)}
            assert "team_id" in columns, table.name
            assert columns["team_id"]["nullable"] is False, table.name
    finally:
        db.dispose()


@pytest.fixture
def two_workspaces(database_url: str) -> Iterator[Database]:
    """A database holding rows of A and B in every table."""
    db = Database(database_url)
    _fill(db, A, 1)
    _fill(db, B, 2)
    yield db
    db.dispose()


def test_forgetting_a_workspace_deletes_its_rows_in_every_table_and_no_other(
    two_workspaces: Database,
) -> None:
    db = two_workspaces
    before_a, before_b = _counts(db, A), _counts(db, B)
    # Each workspace has rows in every table, so the deletion is checked in each.
    assert [name for name, count in before_a.items() if count == 0] == []
    assert before_a == before_b
    with db.reading() as session:
        assert stored_teams(session) == [A, B]
        assert has_rows(session, A)
        assert not has_rows(session, "TCHARLIE")

    with db.unit_of_work() as session:
        deleted = forget_workspace(session, A)

    assert deleted == before_a
    assert set(_counts(db, A).values()) == {0}
    assert _counts(db, B) == before_b
    with db.reading() as session:
        assert stored_teams(session) == [B]
    with db.unit_of_work() as session:
        assert forget_workspace(session, A) == {}


def test_a_session_acting_for_a_workspace_sees_and_changes_only_its_rows(
    two_workspaces: Database,
) -> None:
    db = two_workspaces
    mappers = {mapper.local_table.name: mapper.class_ for mapper in Base.registry.mappers}
    own = _counts(db, A)
    with acting_for(A), db.reading() as session:
        seen = {
            name: int(session.scalar(select(func.count()).select_from(model)) or 0)
            for name, model in mappers.items()
        }
        teams = {
            name: set(session.scalars(select(model.team_id))) for name, model in mappers.items()
        }
    assert seen == own
    assert set(map(frozenset, teams.values())) == {frozenset({A})}

    # Changes too: B's open escalation and its blocker are out of A's reach.
    with acting_for(A), db.unit_of_work() as session:
        assert rows_changed(session.execute(update(Escalation).values(status="resolved"))) == 1
        assert rows_changed(session.execute(delete(Blocker))) == 1
    with db.reading() as session:
        assert dict(session.execute(select(Escalation.team_id, Escalation.status)).all()) == {
            A: "resolved",
            B: "open",
        }
        assert list(session.scalars(select(Blocker.team_id))) == [B]


def test_a_row_out_of_sight_tells_its_owner_and_stays_out_of_sight(
    two_workspaces: Database,
) -> None:
    db = two_workspaces
    with db.reading() as session:
        ids = dict(session.execute(select(Escalation.team_id, Escalation.id)).all())
    with acting_for(A), db.reading() as session:
        assert owner_elsewhere(session, Escalation, ids[B]) == B
        assert owner_elsewhere(session, Escalation, ids[A]) == A
        assert owner_elsewhere(session, Escalation, 999) is None
        assert session.get(Escalation, ids[B]) is None
    with db.reading() as session:
        assert owner_elsewhere(session, Escalation, ids[B]) is None  # no workspace acted for
