"""A workspace's own settings and the record of their changes, on SQLite and PostgreSQL: saved,
read and listed per workspace, two workspaces never mixed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from storage import workspace_settings as store
from storage.db import Database
from storage.models import WorkspaceSettingChange
from storage.scope import acting_for

T1 = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
T2 = T1 + timedelta(hours=1)
A, B = "TALPHA", "TBRAVO"


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


def _listed(rows: list[WorkspaceSettingChange]) -> list[tuple[str, str | None, str | None, str]]:
    return [(row.name, row.old_value, row.new_value, row.changed_by) for row in rows]


def test_changes_are_saved_read_and_listed_latest_first(db: Database) -> None:
    with db.unit_of_work() as session:
        made = store.save_changes(
            session,
            team_id=A,
            changes={"BATON_TIMEZONE": "America/Bogota", "BATON_DIGEST_CHANNELS": "C0OTHER"},
            by="UADMIN",
            now=T1,
        )
        assert len(made) == 2
    with db.unit_of_work() as session:
        made = store.save_changes(
            session,
            team_id=A,
            changes={
                "BATON_TIMEZONE": None,  # back to the environment's
                "BATON_DIGEST_CHANNELS": "C0OTHER",  # as stored: no change recorded
                "BATON_SPRINT_DAYS": "10",
                "BATON_WORKDAYS": None,  # nothing stored, nothing to remove
            },
            by="UOWNER",
            now=T2,
        )
        assert _listed(made) == [
            ("BATON_TIMEZONE", "America/Bogota", None, "UOWNER"),
            ("BATON_SPRINT_DAYS", None, "10", "UOWNER"),
        ]

    with db.reading() as session:
        assert store.stored_values(session, team_id=A) == {
            "BATON_DIGEST_CHANNELS": "C0OTHER",
            "BATON_SPRINT_DAYS": "10",
        }
        last = store.last_changes(session, team_id=A)
        assert _listed(last) == [
            ("BATON_SPRINT_DAYS", None, "10", "UOWNER"),
            ("BATON_TIMEZONE", "America/Bogota", None, "UOWNER"),
            ("BATON_DIGEST_CHANNELS", None, "C0OTHER", "UADMIN"),
            ("BATON_TIMEZONE", None, "America/Bogota", "UADMIN"),
        ]
        assert [row.changed_at for row in last] == [T2, T2, T1, T1]
        assert _listed(store.last_changes(session, team_id=A, limit=1)) == [
            ("BATON_SPRINT_DAYS", None, "10", "UOWNER")
        ]


def test_two_workspaces_settings_do_not_mix(db: Database) -> None:
    with db.unit_of_work() as session:
        store.save_changes(
            session, team_id=A, changes={"BATON_TIMEZONE": "America/Bogota"}, by="UADMIN", now=T1
        )
        store.save_changes(
            session, team_id=B, changes={"BATON_TIMEZONE": "Europe/Madrid"}, by="UOTHER", now=T2
        )
    # B removes its time zone: A's stays.
    with db.unit_of_work() as session:
        store.save_changes(
            session, team_id=B, changes={"BATON_TIMEZONE": None}, by="UOTHER", now=T2
        )

    with db.reading() as session:
        assert store.stored_values(session, team_id=A) == {"BATON_TIMEZONE": "America/Bogota"}
        assert store.stored_values(session, team_id=B) == {}
        assert _listed(store.last_changes(session, team_id=A)) == [
            ("BATON_TIMEZONE", None, "America/Bogota", "UADMIN")
        ]
        assert _listed(store.last_changes(session, team_id=B)) == [
            ("BATON_TIMEZONE", "Europe/Madrid", None, "UOTHER"),
            ("BATON_TIMEZONE", None, "Europe/Madrid", "UOTHER"),
        ]
    # Acting for B, A's rows are out of sight even when asked for by name.
    with acting_for(B), db.reading() as session:
        assert store.stored_values(session, team_id=A) == {}
        assert store.last_changes(session, team_id=A) == []
