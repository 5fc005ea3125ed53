"""The migrations build exactly the schema the models describe, and undo it step by step."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from storage import migrate
from storage.db import create_db_engine
from storage.models import Base


def _differences(database_url: str) -> list[object]:
    engine = create_db_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, Base.metadata))
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
    assert _unique_constraints(database_url, "digests") == [["kind", "channel_id", "period_start"]]


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
    assert _unique_constraints(database_url, "digests") == [["kind", "channel_id", "period_start"]]


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
