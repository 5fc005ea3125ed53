"""INSERT … ON CONFLICT DO NOTHING on SQLite and PostgreSQL alike."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_once(session: Session, table: Table, values: Mapping[str, Any]) -> bool:
    """Insert a row unless one with the same unique key exists; True if this call inserted it."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        statement: Any = postgresql.insert(table).values(**values).on_conflict_do_nothing()
    elif dialect == "sqlite":
        statement = sqlite.insert(table).values(**values).on_conflict_do_nothing()
    else:  # pragma: no cover - only the two databases above are supported
        raise NotImplementedError(dialect)
    # RETURNING, not rowcount: an ORM session's INSERT does not report rowcount on psycopg.
    returned = session.execute(statement.returning(*table.primary_key.columns)).first()
    return returned is not None
