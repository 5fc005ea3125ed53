"""The outbox: Slack work written with the change it announces, done later, at least once."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from storage.driver import Writer, transaction_of
from storage.models import OutboxTask
from storage.results import rows_changed


@dataclass(frozen=True)
class Claimed:
    """A task this process now holds."""

    id: int
    team_id: str
    kind: str
    payload: dict[str, Any]
    attempts: int
    created_at: datetime
    # An earlier try failed or its drainer died: it may have reached Slack.
    tried_before: bool = False


_ENQUEUE = """
INSERT INTO outbox (team_id, kind, payload, created_at, available_at, attempts, key)
VALUES (?, ?, ?, ?, ?, 0, ?)
"""
# A task with a key is added only if no task with that key is waiting (ix_outbox_waiting_key).
_ENQUEUE_ONCE = _ENQUEUE + "ON CONFLICT DO NOTHING RETURNING id"


def enqueue(
    writer: Writer,
    *,
    team_id: str,
    kind: str,
    payload: dict[str, Any],
    now: datetime,
    key: str | None = None,
) -> bool:
    """Promise `kind` work; it commits (or not) with the caller's transaction.

    With a `key`, nothing is added while a task with that key is waiting: False then.
    """
    # Straight on the driver: this runs before Slack gets its answer (see storage.driver).
    tx = transaction_of(writer)
    at = tx.time(now)
    values = (team_id, kind, json.dumps(payload, separators=(",", ":")), at, at, key)
    if key is None:
        tx.execute(_ENQUEUE, values)
        return True
    return tx.execute(_ENQUEUE_ONCE, values).fetchone() is not None


def _claimable(stale_before: datetime) -> Any:
    return or_(OutboxTask.claimed_at.is_(None), OutboxTask.claimed_at < stale_before)


def _due(now: datetime, stale_before: datetime) -> Any:
    return select(OutboxTask.id).where(
        OutboxTask.done_at.is_(None), OutboxTask.available_at <= now, _claimable(stale_before)
    )


def any_due(session: Session, *, now: datetime, stale_before: datetime) -> bool:
    """Whether a task could be claimed now; a read, so it takes no write lock."""
    return session.scalar(_due(now, stale_before).limit(1)) is not None


def claim(session: Session, *, now: datetime, stale_before: datetime, limit: int) -> list[Claimed]:
    """Take up to `limit` due tasks, oldest first: unclaimed ones, or ones whose claimer died."""
    claimable = _claimable(stale_before)
    due = _due(now, stale_before).add_columns(OutboxTask.claimed_at)
    found = session.execute(due.order_by(OutboxTask.id).limit(limit)).all()
    if not found:
        return []
    taken_over = {row.id for row in found if row.claimed_at is not None}
    # Conditional: a concurrent drainer that took a row first keeps it.
    taken = session.execute(
        update(OutboxTask)
        .where(OutboxTask.id.in_([row.id for row in found]), claimable)
        .values(claimed_at=now)
        .returning(
            OutboxTask.id,
            OutboxTask.team_id,
            OutboxTask.kind,
            OutboxTask.payload,
            OutboxTask.attempts,
            OutboxTask.created_at,
        )
    )
    claimed = [
        Claimed(
            row.id,
            row.team_id,
            row.kind,
            json.loads(row.payload),
            row.attempts,
            row.created_at,
            tried_before=row.attempts > 0 or row.id in taken_over,
        )
        for row in taken
    ]
    return sorted(claimed, key=lambda task: task.id)


def keep_claims(session: Session, task_ids: list[int], *, now: datetime) -> None:
    """Renew the claims of tasks still in hand, so that nobody takes them over as stale."""
    session.execute(
        update(OutboxTask)
        .where(
            OutboxTask.id.in_(task_ids),
            OutboxTask.done_at.is_(None),
            OutboxTask.claimed_at.is_not(None),
        )
        .values(claimed_at=now)
    )


def complete(session: Session, task_id: int, *, now: datetime) -> None:
    session.execute(update(OutboxTask).where(OutboxTask.id == task_id).values(done_at=now))


def retry_later(session: Session, task_id: int, *, available_at: datetime, error: str) -> None:
    """Give the task back, to be tried again from `available_at`."""
    session.execute(
        update(OutboxTask)
        .where(OutboxTask.id == task_id)
        .values(
            claimed_at=None,
            available_at=available_at,
            attempts=OutboxTask.attempts + 1,
            last_error=error[:200],
        )
    )


def reschedule(session: Session, task_id: int, *, available_at: datetime) -> None:
    """Give the task back, asked to run again from `available_at` (not a failure)."""
    session.execute(
        update(OutboxTask)
        .where(OutboxTask.id == task_id)
        .values(claimed_at=None, available_at=available_at)
    )


def give_up(session: Session, task_id: int, *, now: datetime, error: str) -> None:
    """Stop trying: the task is done, with the error that ended it."""
    session.execute(
        update(OutboxTask)
        .where(OutboxTask.id == task_id)
        .values(done_at=now, attempts=OutboxTask.attempts + 1, last_error=error[:200])
    )


def give_up_workspace(session: Session, team_id: str, *, now: datetime, error: str) -> int:
    """Stop trying every task of `team_id` not done yet, claimed or not; how many."""
    result = session.execute(
        update(OutboxTask)
        .where(OutboxTask.team_id == team_id, OutboxTask.done_at.is_(None))
        .values(done_at=now, last_error=error[:200])
    )
    return rows_changed(result)


def undone(session: Session) -> int:
    """Tasks not done yet, due or not."""
    count = session.scalar(
        select(func.count()).select_from(OutboxTask).where(OutboxTask.done_at.is_(None))
    )
    return int(count or 0)


def forget_done_before(session: Session, *, before: datetime) -> int:
    """Drop finished tasks older than `before`; returns how many."""
    result = session.execute(
        delete(OutboxTask).where(OutboxTask.done_at.is_not(None), OutboxTask.done_at < before)
    )
    return rows_changed(result)
