"""INSERT … ON CONFLICT DO NOTHING on SQLite and PostgreSQL alike."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Table
from sqlalchemy.orm import Session

DIALECTS = ("postgresql", "sqlite")


def dialect_insert(session: Session, table: Table) -> Any:
    """INSERT into `table` in the dialect of the session's database, which has ON CONFLICT."""
    dialect = session.get_bind().dialect.name
    if dialect not in DIALECTS:  # pragma: no cover - only these databases are supported
        raise NotImplementedError(dialect)
    # The dialect of the database in use, which its engine loaded: naming both here would load
    # PostgreSQL's into every process of a SQLite deployment.
    return importlib.import_module(f"sqlalchemy.dialects.{dialect}").insert(table)


def insert_once(session: Session, table: Table, values: Mapping[str, Any]) -> bool:
    """Insert a row unless one with the same unique key exists; True if this call inserted it."""
    statement = dialect_insert(session, table).values(**values).on_conflict_do_nothing()
    # RETURNING, not rowcount: an ORM session's INSERT does not report rowcount on psycopg.
    returned = session.execute(statement.returning(*table.primary_key.columns)).first()
    return returned is not None
