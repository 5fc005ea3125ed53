"""The migrations build exactly the schema the models describe, and undo it step by step."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from storage import installations, migrate
from storage.db import create_db_engine
from storage.models import Base


def _differences(database_url: str) -> list[object]:
    engine = create_db_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            metadata = [Base.metadata, installations.METADATA]
            return list(compare_metadata(context, metadata))  # type: ignore[arg-type]
    finally:
        engine.dispose()


def _unique_constraints(database_url: str, table: str) -> list[list[str]]:
    from sqlalchemy import inspect

    engine = create_db_engine(database_url)
    try:
        found = inspect(engine).get_unique_constraints(table)
        return sorted(list(constraint["column_names"]) for constraint in found)
    finally:
        engine.dispose()


def test_the_migrated_schema_is_the_models(database_url: str) -> None:
    assert _differences(database_url) == []
    # Two clocks post a digest once because of this key: it must survive SQLite's table copies.
    assert _unique_constraints(database_url, "digests") == [
        ["team_id", "kind", "channel_id", "period_start"]
    ]


def test_every_migration_undoes_and_redoes_cleanly(database_url: str) -> None:
    engine = create_db_engine(database_url)
    try:
        config = migrate._config(engine)
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, "base")
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "heads")
    finally:
        engine.dispose()
    assert _differences(database_url) == []
    assert _unique_constraints(database_url, "digests") == [
        ["team_id", "kind", "channel_id", "period_start"]
    ]


def _normal(condition: str) -> str:
    return " ".join(condition.replace("(", " ").replace(")", " ").lower().split())


def test_partial_indexes_cover_the_rows_the_models_say(database_url: str) -> None:
    from sqlalchemy import text

    declared = {
        index.name: index.info["where"]
        for table in Base.metadata.tables.values()
        for index in table.indexes
        if "where" in index.info
    }
    assert "ix_messages_waiting_week" in declared
    engine = create_db_engine(database_url)
    try:
        with engine.connect() as connection:
            if engine.dialect.name == "sqlite":
                query = "SELECT name, sql FROM sqlite_master WHERE type = 'index'"
            else:
                query = (
                    "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
                )
            made = {name: sql for name, sql in connection.execute(text(query)) if sql}
    finally:
        engine.dispose()
    for name, where in declared.items():
        assert _normal(made[name]).endswith("where " + _normal(where)), (name, made[name])


def _at_revision(database_url: str, revision: str) -> None:
    """Take the (fully migrated) database back down to `revision`."""
    engine = create_db_engine(database_url)
    try:
        config = migrate._config(engine)
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.downgrade(config, revision)
    finally:
        engine.dispose()


def _run(database_url: str, *statements: str) -> list[list[object]]:
    """Run the statements in one transaction; the rows of the last."""
    from sqlalchemy import text

    engine = create_db_engine(database_url)
    try:
        with engine.begin() as connection:
            for statement in statements[:-1]:
                connection.execute(text(statement))
            return [list(row) for row in connection.execute(text(statements[-1]))]
    finally:
        engine.dispose()


def _upgrade(database_url: str) -> None:
    engine = create_db_engine(database_url)
    try:
        migrate.upgrade(engine)
    finally:
        engine.dispose()


_AT = "'2026-11-23 14:00:00+00:00'"


def test_rows_without_a_workspace_take_their_owners_then_the_deployments(
    database_url: str,
) -> None:
    _at_revision(database_url, "0009")
    _run(
        database_url,
        # Two workspaces' messages, each mentioning someone; TONE has the most rows.
        "INSERT INTO messages (id, team_id, channel_id, ts, posted_at, is_question, deleted) "
        f"VALUES (1, 'TONE', 'C1', '1.1', {_AT}, false, false), "
        f"(2, 'TONE', 'C1', '1.2', {_AT}, false, false), "
        f"(3, 'TTWO', 'C2', '2.1', {_AT}, false, false)",
        "INSERT INTO message_mentions (channel_id, message_ts, user_id, posted_at) "
        f"VALUES ('C1', '1.1', 'UA', {_AT}), ('C2', '2.1', 'UB', {_AT})",
        # An escalation filed under no workspace: Slack's auth.test had failed.
        "INSERT INTO escalations (id, team_id, title, severity, status, reporter_id, level, "
        f"source_channel_id, created_at) VALUES (1, '', 'Down', 1, 'open', 'UA', 0, 'C1', {_AT})",
        f"INSERT INTO side_members (side, user_id, refreshed_at) VALUES ('partner', 'UA', {_AT})",
        "SELECT 1",
    )
    _upgrade(database_url)

    assert _run(
        database_url, "SELECT message_ts, team_id FROM message_mentions ORDER BY message_ts"
    ) == [["1.1", "TONE"], ["2.1", "TTWO"]]
    assert _run(database_url, "SELECT team_id FROM escalations") == [["TONE"]]
    assert _run(database_url, "SELECT team_id FROM side_members") == [["TONE"]]
    assert _differences(database_url) == []


def test_with_no_workspace_stored_rows_take_baton_team_id(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _at_revision(database_url, "0009")
    _run(
        database_url,
        f"INSERT INTO alert_states (rule, subject, updated_at) VALUES ('nps_below', 'team', {_AT})",
        "SELECT 1",
    )
    monkeypatch.setenv("BATON_TEAM_ID", "TFROMENV")
    _upgrade(database_url)

    assert _run(database_url, "SELECT team_id FROM alert_states") == [["TFROMENV"]]


def test_keys_gain_the_workspace_and_no_row_is_lost_on_the_way(database_url: str) -> None:
    _at_revision(database_url, "0010")
    _run(
        database_url,
        "INSERT INTO digests (id, kind, channel_id, period_start, created_at, team_id) "
        f"VALUES (1, 'digest', 'C1', '2026-11-16', {_AT}, 'TONE')",
        "INSERT INTO digest_parts (digest_id, name, slack_ref, posted_at, team_id) "
        f"VALUES (1, 'message', '1.1', {_AT}, 'TONE')",
        "INSERT INTO latency_weeks_kept (week_start, week_end, kept_at, unreadable, team_id) "
        f"VALUES ({_AT}, {_AT}, {_AT}, '{{}}', 'TONE')",
        "INSERT INTO latency_weeks (id, week_start, channel_id, waiting, answered, sla_ended, "
        "within_sla, unanswered, wall_seconds, business_seconds, team_id) "
        f"VALUES (1, {_AT}, 'C1', 1, 1, 1, 1, 0, '[60]', '[60]', 'TONE')",
        "INSERT INTO alert_states (rule, subject, updated_at, team_id) "
        f"VALUES ('nps_below', 'team', {_AT}, 'TONE')",
        "SELECT 1",
    )
    _upgrade(database_url)

    counts = "SELECT (SELECT COUNT(*) FROM digest_parts), (SELECT COUNT(*) FROM latency_weeks)"
    assert _run(database_url, counts) == [[1, 1]]
    # The same rule and subject, the same week, the same digest: another workspace's.
    _run(
        database_url,
        "INSERT INTO alert_states (rule, subject, updated_at, team_id) "
        f"VALUES ('nps_below', 'team', {_AT}, 'TTWO')",
        "INSERT INTO latency_weeks_kept (week_start, week_end, kept_at, unreadable, team_id) "
        f"VALUES ({_AT}, {_AT}, {_AT}, '{{}}', 'TTWO')",
        "INSERT INTO digests (id, kind, channel_id, period_start, created_at, team_id) "
        f"VALUES (2, 'digest', 'C1', '2026-11-16', {_AT}, 'TTWO')",
        "SELECT COUNT(*) FROM alert_states",
    )
    # A kept week still takes its groups with it.
    assert _run(
        database_url,
        "DELETE FROM latency_weeks_kept WHERE team_id = 'TONE'",
        "SELECT COUNT(*) FROM latency_weeks",
    ) == [[0]]
    assert _differences(database_url) == []
