"""Engine and unit of work: one engine per process, a session per unit of work."""

from __future__ import annotations

import errno
import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from storage import write_gate
from storage.scope import scope_sessions

# Where a pooled SQLite connection keeps its hold on the write gate while it writes.
_HOLD = "baton_write_gate"


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


# A commit that finds SQLite's write-ahead log this long (in 4 KB pages) copies it into the
# database file itself, with every other writer queued behind it. The web process's drainer
# does it twice a second instead (Database.checkpoint), so a web worker's commit does it only
# when no drainer runs (SQLite's default is 1,000 pages).
AUTOCHECKPOINT_PAGES = 10_000


def create_db_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url`; SQLite gets WAL, foreign keys and write transactions that queue
    (in the write gate, see storage.write_gate)."""
    if not is_sqlite(url):
        return create_engine(url, pool_pre_ping=True, **kwargs)

    engine = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below choose how each transaction starts.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # A deferred transaction that reads and then writes fails at once with SQLITE_BUSY when
        # another process wrote in between; IMMEDIATE takes the write lock up front and waits.
        if connection.get_execution_options().get("baton_read_only"):
            connection.exec_driver_sql("BEGIN")
            return
        hold_write_gate(engine, connection.info)
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    if write_gate.gate_for(engine.url.database) is not None:
        # Back in the pool means committed or rolled back: the next writer may go.
        @event.listens_for(engine, "checkin")
        def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
            hold = record.info.pop(_HOLD, None)
            if hold is not None:
                hold.release()

    return engine


def error_reason(error: BaseException, url: str) -> str:
    """The database driver's own reason for `error`, on one line, the URL's password masked."""
    cause = getattr(error, "orig", None) or error
    lines = [line.strip() for line in str(cause).splitlines() if line.strip()]
    reason = lines[0] if lines else cause.__class__.__name__
    parsed = make_url(url)
    if parsed.password:
        reason = reason.replace(str(parsed.password), "***")
    if parsed.get_backend_name() == "sqlite":
        where = parsed.database
        reason += f" (the SQLite file {where}: does its folder exist, may Baton write it?)"
    return reason


_DISK_ERRORS = frozenset({errno.EROFS, errno.ENOSPC, errno.EDQUOT})
# Less free space than this beside a SQLite file and the next write may fail.
FULL_BELOW_BYTES = 256 * 1024


def sqlite_write_problem(url: str) -> str | None:
    """Why a SQLite file cannot take writes now: "read-only" (its file system, or the file),
    "disk full"; None when it can, and for any other database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    path = os.path.abspath(parsed.database)
    folder = os.path.dirname(path)
    try:
        stats = os.statvfs(folder)
    except OSError:
        return None
    if stats.f_flag & os.ST_RDONLY or not os.access(folder, os.W_OK):
        return "read-only"
    if os.path.exists(path) and not os.access(path, os.W_OK):
        return "read-only"
    if stats.f_bavail * stats.f_frsize < FULL_BELOW_BYTES:
        return "disk full"
    return None


def is_unreachable(error: BaseException) -> bool:
    """The database could not be reached, dropped the connection or cannot be used (an
    OperationalError, in the DB-API's words), as opposed to a bad statement or bad data.

    The driver's own errors count too: statements run before Slack's answer go straight to it.
    """
    if isinstance(error, DBAPIError):
        if error.connection_invalidated:
            return True
        error = error.orig or error
    if isinstance(error, OSError) and error.errno in _DISK_ERRORS:
        return True  # the write gate's file, beside a SQLite file on that disk
    return any(kind.__name__ == "OperationalError" for kind in type(error).__mro__)


def hold_write_gate(engine: Engine, info: dict[Any, Any]) -> None:
    """Wait in the write gate of `engine`'s SQLite file (see storage.write_gate), once per
    pooled connection (`info` is the connection's); the pool lets the next writer go when the
    connection is checked in. Nothing on PostgreSQL or in memory."""
    gate = write_gate.gate_for(engine.url.database) if engine.dialect.name == "sqlite" else None
    if gate is not None and _HOLD not in info:
        info[_HOLD] = gate.acquire()


class Database:
    """The process's engine and its session factories."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = create_db_engine(url, **engine_kwargs)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._read_sessions = sessionmaker(
            self.engine.execution_options(baton_read_only=True), expire_on_commit=False
        )
        scope_sessions(self._sessions)
        scope_sessions(self._read_sessions)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def checkpoint(self) -> None:
        """On SQLite, copy the write-ahead log into the database file as far as no reader
        needs it, waiting for no one (PASSIVE). A process that writes much calls it, so that
        the log stays short and the web process's commits seldom have to do it instead.
        Nothing on PostgreSQL."""
        if self.dialect != "sqlite":
            return
        raw = self.engine.raw_connection()
        try:
            raw.cursor().execute("PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            raw.close()

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """A session whose work commits as a whole when the block ends, or rolls back."""
        with self._sessions() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for queries only; nothing it does is committed."""
        with self._read_sessions() as session:
            try:
                yield session
            finally:
                session.rollback()

    @contextmanager
    def alone(self, name: str) -> Iterator[bool]:
        """Whether no other process works on `name` while the block runs, holding it so: on
        PostgreSQL a session advisory lock, taken without waiting and freed when the block ends
        (or the process dies); on SQLite, or when the lock cannot be asked for, True. Claims
        still make work happen once; this keeps a second process from going over the same
        ground meanwhile."""
        if self.dialect != "postgresql":
            yield True
            return
        digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
        key = {"key": int.from_bytes(digest, "big", signed=True)}
        connection = None
        held = False
        try:
            connection = self.engine.connect()
            held = bool(connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), key))
            # The lock belongs to the session, not the transaction: none stays open meanwhile.
            connection.commit()
        except SQLAlchemyError:
            if connection is not None:
                connection.close()
            # The work itself meets the database's trouble and reports it.
            yield True
            return
        try:
            yield held
        finally:
            try:
                if held:
                    connection.scalar(text("SELECT pg_advisory_unlock(:key)"), key)
                    connection.commit()
            except SQLAlchemyError:
                # Closing the session frees its locks: the connection is not pooled again.
                connection.invalidate()
            finally:
                connection.close()

    def is_reachable(self) -> bool:
        """Whether a trivial query succeeds now."""
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return True
        except SQLAlchemyError:
            return False

    def health(self) -> str:
        """ "ok", or what keeps the database from storing anything: "database unreachable",
        and for a SQLite file "database read-only" or "database disk full"."""
        # The disk first: a SQLite file in WAL mode on a read-only disk cannot even be read.
        problem = sqlite_write_problem(self.url)
        if problem:
            return f"database {problem}"
        return "ok" if self.is_reachable() else "database unreachable"

    def dispose(self) -> None:
        self.engine.dispose()
