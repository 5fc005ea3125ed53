"""The NPS tables on SQLite and PostgreSQL: built by the migration, one answer per invitation."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from storage import nps as store
from storage.db import Database
from storage.models import Base, NpsAnswer, NpsInvitation

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
NPS_TABLES = {"nps_rounds", "nps_invitations", "nps_answers"}


@pytest.fixture
def db(database_url: str):
    database = Database(database_url)
    yield database
    database.dispose()


def new_round(db: Database, people: list[str], team: str = "T1") -> int | None:
    with db.unit_of_work() as session:
        round_id = store.create_round(
            session,
            team_id=team,
            audience="CTEAM",
            question="Recommend us?",
            min_responses=3,
            started_at=NOW,
            ends_at=NOW + timedelta(days=7),
            started_by="UADMIN",
            period=None,
        )
        if round_id is not None:
            store.add_invitations(session, round_id, people)
        return round_id


def _nps_only(
    obj: object, name: str | None, type_: str, reflected: bool, compare_to: object
) -> bool:
    table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
    return table in NPS_TABLES


def test_the_migration_matches_the_models(db: Database) -> None:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": _nps_only}
        )
        assert compare_metadata(context, Base.metadata) == []


def test_one_open_round_per_workspace(db: Database) -> None:
    first = new_round(db, ["UA", "UB"])
    assert first is not None
    assert new_round(db, ["UC"]) is None
    assert new_round(db, ["UC"], team="T2") is not None
    with db.unit_of_work() as session:
        assert store.close_round(session, first, now=NOW, closed_by=None)
        assert not store.close_round(session, first, now=NOW, closed_by=None)
    assert new_round(db, ["UD"]) is not None


def test_people_are_invited_once_per_round(db: Database) -> None:
    round_id = new_round(db, ["UA", "UB", "UA"])
    with db.reading() as session:
        assert (
            session.scalar(
                select(func.count())
                .select_from(NpsInvitation)
                .where(NpsInvitation.round_id == round_id)
            )
            == 2
        )


def test_two_clicks_at_once_store_one_answer(db: Database) -> None:
    round_id = new_round(db, ["UA"])
    with db.reading() as session:
        invitation = store.invitation_of(session, round_id, "UA")
        assert invitation is not None
        invitation_id = invitation.id
    results: list[str | None] = []
    barrier = threading.Barrier(4)

    def click(score: int) -> None:
        barrier.wait()
        with db.unit_of_work() as session:
            results.append(
                store.record_answer(
                    session, invitation_id, user_id="UA", score=score, day=date(2026, 3, 2)
                )
            )

    threads = [threading.Thread(target=click, args=(score,)) for score in (1, 5, 9, 10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len([r for r in results if r is not None]) == 1
    with db.reading() as session:
        assert session.scalar(select(func.count()).select_from(NpsAnswer)) == 1


def test_a_comment_is_set_once_and_answers_refuse_strangers_and_closed_rounds(
    db: Database,
) -> None:
    round_id = new_round(db, ["UA", "UB"])
    assert round_id is not None
    with db.unit_of_work() as session:
        invitation_a = store.invitation_of(session, round_id, "UA")
        invitation_b = store.invitation_of(session, round_id, "UB")
        assert invitation_a is not None and invitation_b is not None
        ids = invitation_a.id, invitation_b.id
    with db.unit_of_work() as session:
        # Someone else's invitation: nothing.
        assert store.record_answer(session, ids[0], user_id="UB", score=3, day=NOW.date()) is None
        answer_id = store.record_answer(session, ids[0], user_id="UA", score=8, day=NOW.date())
        assert answer_id is not None
        assert store.set_comment(session, answer_id, "first")
        assert not store.set_comment(session, answer_id, "second")
        assert store.close_round(session, round_id, now=NOW, closed_by=None)
    with db.unit_of_work() as session:
        assert store.record_answer(session, ids[1], user_id="UB", score=3, day=NOW.date()) is None
    with db.reading() as session:
        assert store.comments(session, round_id) == ["first"]
        assert store.score_counts(session, [round_id]) == {round_id: {8: 1}}
