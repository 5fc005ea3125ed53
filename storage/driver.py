"""Write transactions straight on the database driver, for work done before Slack's answer.

A message event, or a slash command that records something, writes a few rows in the request
that Slack times. Through SQLAlchemy's session and execution layers each statement costs
several times what it costs on the driver, so these few statements are plain SQL, with `?`
placeholders, that SQLite and PostgreSQL both read. Everything else goes through sessions.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session

from storage.db import Database, hold_write_gate


class Transaction:
    """A write transaction on one driver connection, with the dialect's placeholders and types.

    Each statement's result is read before the next one runs (they share one cursor).
    """

    def __init__(self, connection: Any, *, postgres: bool) -> None:
        self.connection = connection
        self.postgres = postgres
        self.cursor: Any = connection.cursor()

    def sql(self, statement: str) -> str:
        return statement.replace("?", "%s") if self.postgres else statement

    def time(self, moment: datetime | None) -> Any:
        """A time as the column stores it: aware on PostgreSQL, UTCDateTime's text on SQLite."""
        if moment is None or self.postgres:
            return moment
        return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")

    @staticmethod
    def read_time(value: Any) -> datetime:
        if isinstance(value, datetime):
            return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
        return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)

    def flag(self, value: bool) -> Any:
        return value if self.postgres else int(value)

    def execute(self, statement: str, params: Sequence[Any]) -> Any:
        self.cursor.execute(self.sql(statement), params)
        return self.cursor


Writer = Session | Transaction


def transaction_of(writer: Writer) -> Transaction:
    """The transaction of `writer`; a session's is its connection's driver connection."""
    if isinstance(writer, Transaction):
        return writer
    found = writer.info.get("baton_transaction")
    if found is None:
        connection = writer.connection()
        found = writer.info["baton_transaction"] = Transaction(
            connection.connection.driver_connection,
            postgres=connection.dialect.name == "postgresql",
        )
    return cast(Transaction, found)


_UNPINGED: dict[int, tuple[weakref.ref[Engine], Engine]] = {}
_UNPINGED_LOCK = threading.Lock()


def _unpinged_engine(db: Database) -> Engine:
    """On PostgreSQL, a second small pool without pre-ping, disposed of with `db`'s engine.

    Pinging costs a round trip per transaction, a third of a message event's. A connection
    found broken is thrown away and the transaction fails.
    """
    key = id(db.engine)
    with _UNPINGED_LOCK:
        found = _UNPINGED.get(key)
        if found is not None and found[0]() is db.engine:
            return found[1]
        engine = create_engine(db.engine.url, pool_pre_ping=False, pool_size=2)
        _UNPINGED[key] = (weakref.ref(db.engine), engine)

    @event.listens_for(db.engine, "engine_disposed")
    def _dispose(_disposed: Engine) -> None:
        with _UNPINGED_LOCK:
            gone = _UNPINGED.pop(key, None)
        if gone is not None:
            gone[1].dispose()

    return engine


@contextmanager
def transaction(db: Database, *, redelivered_on_failure: bool = False) -> Iterator[Transaction]:
    """A write transaction straight on a pooled connection: committed at the end, or rolled back.

    SQLite's transaction waits in the write gate, then starts with BEGIN IMMEDIATE, as
    storage.db's sessions do; PostgreSQL's starts with the first statement. With
    `redelivered_on_failure` (Slack delivers a failed event again), PostgreSQL connections are
    not pinged first: a broken one fails this transaction instead of costing every one a round
    trip.
    """
    postgres = db.dialect == "postgresql"
    engine = _unpinged_engine(db) if postgres and redelivered_on_failure else db.engine
    pooled = engine.raw_connection()
    try:
        tx = Transaction(pooled.driver_connection, postgres=postgres)
        if not postgres:
            hold_write_gate(db.engine, pooled.info)
            tx.connection.execute("BEGIN IMMEDIATE")
        try:
            yield tx
        except BaseException:
            if getattr(tx.connection, "broken", False) or getattr(tx.connection, "closed", False):
                pooled.invalidate()
            else:
                tx.connection.rollback()
            raise
        tx.connection.commit()
    finally:
        pooled.close()  # back in the pool, where storage.db lets the next writer go
