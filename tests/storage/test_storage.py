"""Storage on SQLite and PostgreSQL: the unit of work, claims, events, time zones."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from storage import claims, escalations, events, migrate
from storage.db import Database
from storage.models import Escalation, JobClaim

NOW = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)


@pytest.fixture
def db(database_url: str) -> Database:
    database = Database(database_url)
    yield database
    database.dispose()


def _new_escalation(db: Database, title: str = "Payments down") -> int:
    with db.unit_of_work() as session:
        number = escalations.create_escalation(
            session,
            team_id="T1",
            title=title,
            severity=2,
            reporter_id="UREPORTER",
            owner_id="UOWNER",
            source_channel_id="CGENERAL",
            now=NOW,
        )
        return number


def test_the_database_is_built_by_the_migrations(db: Database) -> None:
    assert migrate.is_up_to_date(db.engine)


def test_a_failed_unit_of_work_leaves_no_partial_row(db: Database) -> None:
    with pytest.raises(RuntimeError), db.unit_of_work() as session:
        escalations.create_escalation(
            session,
            team_id="T1",
            title="half",
            severity=1,
            reporter_id="U1",
            owner_id=None,
            source_channel_id="C1",
            now=NOW,
        )
        raise RuntimeError("Slack failed half-way")
    with db.reading() as session:
        assert session.scalar(select(func.count()).select_from(Escalation)) == 0


def test_times_come_back_aware_and_in_utc(db: Database) -> None:
    bogota = timezone(timedelta(hours=-5))
    with db.unit_of_work() as session:
        number = escalations.create_escalation(
            session,
            team_id="T1",
            title="tz",
            severity=3,
            reporter_id="U1",
            owner_id=None,
            source_channel_id="C1",
            now=datetime(2026, 11, 23, 9, 0, tzinfo=bogota),
        )
        escalation_id = number
    with db.reading() as session:
        stored = session.get(Escalation, escalation_id)
        assert stored is not None
        assert stored.created_at == datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
        assert stored.created_at.tzinfo is not None


def test_text_is_stored_exactly_as_typed(db: Database) -> None:
    typed = "Robert'); DROP TABLE escalations;-- 🚨 שלום مرحبا"
    escalation_id = _new_escalation(db, typed)
    with db.reading() as session:
        stored = session.get(Escalation, escalation_id)
        assert stored is not None and stored.title == typed


def test_an_event_is_recorded_once(db: Database) -> None:
    with db.unit_of_work() as session:
        delivery = events.Delivery("Ev1", "T1", "message", NOW)
        first = events.record_delivery(session, delivery)
        second = events.record_delivery(session, delivery)
    assert (first, second) == (True, False)


def test_old_event_records_are_forgotten(db: Database) -> None:
    with db.unit_of_work() as session:
        events.record_delivery(
            session, events.Delivery("EvOld", "T1", "message", NOW - timedelta(days=2))
        )
        events.record_delivery(session, events.Delivery("EvNew", "T1", "message", NOW))
    with db.unit_of_work() as session:
        assert events.forget_events_before(session, before=NOW - timedelta(days=1)) == 1


def test_a_claim_is_taken_once_even_by_racing_threads(db: Database) -> None:
    results: list[bool] = []
    barrier = threading.Barrier(4)

    def take() -> None:
        barrier.wait()
        with db.unit_of_work() as session:
            results.append(
                claims.claim(
                    session, team_id="T1", job="digest", subject="C1", period="2026-W47", now=NOW
                )
            )

    threads = [threading.Thread(target=take) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, False, False, True]
    with db.reading() as session:
        assert session.scalar(select(func.count()).select_from(JobClaim)) == 1


def test_acknowledging_twice_at_once_changes_once(db: Database) -> None:
    escalation_id = _new_escalation(db)
    results: list[bool] = []
    barrier = threading.Barrier(2)

    def click(user: str) -> None:
        barrier.wait()
        with db.unit_of_work() as session:
            results.append(escalations.acknowledge(session, escalation_id, user_id=user, now=NOW))

    threads = [threading.Thread(target=click, args=(u,)) for u in ("UOWNER", "UADMIN")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, True]
    with db.reading() as session:
        row = session.get(Escalation, escalation_id)
        assert row is not None and row.status == "acknowledged"
        assert row.acknowledged_at == NOW
