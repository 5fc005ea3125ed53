"""Each workspace's settings: the environment's with its stored values laid over them, read once
every couple of seconds per process, and at once after a change made in this process."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event

from bot.config.settings import Settings, load_settings
from bot.runtime.workspace_settings import WorkspaceSettings
from storage import workspace_settings as store
from storage.db import Database

NOW = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


@pytest.fixture
def defaults(database_url: str) -> Settings:
    return load_settings(
        {
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_SIGNING_SECRET": "secret",
            "DATABASE_URL": database_url,
            "BATON_ADMINS": "UADMIN",
            "BATON_DIGEST_CHANNELS": "C0DEFAULT",
        }
    )


def _store(db: Database, team: str, **values: str | None) -> None:
    with db.unit_of_work() as session:
        store.save_changes(session, team_id=team, changes=values, by="UADMIN", now=NOW)


def _statements(db: Database) -> list[str]:
    """The statements `db` sends from now on."""
    sent: list[str] = []

    def count(*args: Any) -> None:
        sent.append(str(args[2]))

    event.listen(db.engine, "before_cursor_execute", count)
    return sent


def test_stored_values_are_laid_over_the_environment_for_their_workspace_only(
    db: Database, defaults: Settings
) -> None:
    _store(db, "T0A", BATON_DIGEST_CHANNELS="C0OTHER")
    settings = WorkspaceSettings(defaults, db)

    mine = settings.for_team("T0A")
    assert mine.digest.channels == ("C0OTHER",)
    assert mine.alerts.channels == ("C0OTHER",)  # they follow the digest's
    # What is the process's, not the workspace's, stays the environment's.
    assert mine.admins == frozenset({"UADMIN"})
    assert (mine.slack_bot_token, mine.database_url) == ("xoxb-test", defaults.database_url)
    # A workspace that changed nothing gets the environment's own object.
    assert settings.for_team("T0B") is defaults
    assert settings.for_team("T0B").digest.channels == ("C0DEFAULT",)


def test_a_request_s_many_reads_cost_one_query_and_another_process_s_change_is_seen_in_seconds(
    db: Database, defaults: Settings
) -> None:
    _store(db, "T0A", BATON_DIGEST_CHANNELS="C0OTHER")
    clock = Clock()
    settings = WorkspaceSettings(defaults, db, clock=clock)
    sent = _statements(db)

    first = settings.for_team("T0A")
    for _ in range(50):
        assert settings.for_team("T0A") is first
    assert len([s for s in sent if "workspace_settings" in s]) == 1

    # Another process changes it: this one sees it once its memory is 2 seconds old.
    _store(db, "T0A", BATON_DIGEST_CHANNELS="C0THIRD")
    clock.now += 1.9
    assert settings.for_team("T0A").digest.channels == ("C0OTHER",)
    clock.now += 0.2
    assert settings.for_team("T0A").digest.channels == ("C0THIRD",)


def test_a_change_made_here_is_seen_at_once(db: Database, defaults: Settings) -> None:
    clock = Clock()
    settings = WorkspaceSettings(defaults, db, clock=clock)
    assert settings.for_team("T0A") is defaults

    _store(db, "T0A", BATON_TIMEZONE="America/Bogota")
    assert settings.for_team("T0A") is defaults  # still remembered
    settings.changed("T0A")
    assert str(settings.for_team("T0A").calendar.tz) == "America/Bogota"

    _store(db, "T0A", BATON_TIMEZONE=None)
    settings.changed("T0A")
    assert settings.for_team("T0A") is defaults


def test_a_stored_value_that_can_no_longer_be_read_is_left_out(
    db: Database, defaults: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    # As if the environment or the holidays tables changed under a value read well before.
    _store(db, "T0A", BATON_TIMEZONE="Mars/Olympus", BATON_SPRINT_DAYS="10")
    settings = WorkspaceSettings(defaults, db).for_team("T0A")
    assert str(settings.calendar.tz) == "UTC"
    assert settings.kpi.sprint_days == 10
    assert "T0A's BATON_TIMEZONE is left out" in caplog.text
