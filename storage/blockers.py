"""Blocker rows and the queries over them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import String, cast, exists, func, literal, or_, select, update
from sqlalchemy.orm import Session

from storage.models import Blocker, BlockerWait, JobClaim
from storage.results import rows_changed
from storage.statuses import BlockerStatus, WaitTarget


def create_blocker(
    session: Session,
    *,
    team_id: str,
    text: str,
    reporter_id: str,
    source_channel_id: str,
    now: datetime,
    waits_on_users: Iterable[str] = (),
    waits_on_channels: Iterable[str] = (),
) -> Blocker:
    """Add an open blocker, with whom it waits on, and give it its number."""
    blocker = Blocker(
        team_id=team_id,
        text=text,
        status=BlockerStatus.OPEN,
        reporter_id=reporter_id,
        source_channel_id=source_channel_id,
        created_at=now,
    )
    waits = [(WaitTarget.USER, user) for user in dict.fromkeys(waits_on_users)] + [
        (WaitTarget.CHANNEL, channel) for channel in dict.fromkeys(waits_on_channels)
    ]
    blocker.waits_on = [
        BlockerWait(team_id=team_id, kind=kind, target_id=target) for kind, target in waits
    ]
    session.add(blocker)
    session.flush()
    return blocker


def get_blocker(session: Session, blocker_id: int) -> Blocker | None:
    return session.get(Blocker, blocker_id)


def set_posted(session: Session, blocker_id: int, *, channel_id: str, message_ts: str) -> None:
    """Remember where the blocker's message is, to edit it in place later."""
    session.execute(
        update(Blocker)
        .where(Blocker.id == blocker_id)
        .values(channel_id=channel_id, message_ts=message_ts)
    )


def resolve(
    session: Session, blocker_id: int, *, user_id: str, note: str | None, now: datetime
) -> bool:
    """Open → resolved; False if it was resolved already (a second click changes nothing)."""
    result = session.execute(
        update(Blocker)
        .where(Blocker.id == blocker_id, Blocker.status == BlockerStatus.OPEN)
        .values(
            status=BlockerStatus.RESOLVED,
            resolved_at=now,
            resolved_by=user_id,
            resolution_note=note,
        )
    )
    return rows_changed(result) > 0


def open_blockers(session: Session, *, limit: int | None = None) -> Sequence[Blocker]:
    """Open blockers, oldest first (the `limit` oldest)."""
    query = select(Blocker).where(Blocker.status == BlockerStatus.OPEN)
    return session.scalars(query.order_by(Blocker.created_at, Blocker.id).limit(limit)).all()


def count_open(session: Session) -> int:
    """How many blockers are open."""
    query = select(func.count()).where(Blocker.status == BlockerStatus.OPEN)
    return int(session.scalar(query) or 0)


def open_in_channel(session: Session, channel_id: str) -> Sequence[Blocker]:
    """Open blockers raised in, or posted to, a channel, oldest first."""
    query = select(Blocker).where(
        Blocker.status == BlockerStatus.OPEN,
        or_(Blocker.source_channel_id == channel_id, Blocker.channel_id == channel_id),
    )
    return session.scalars(query.order_by(Blocker.created_at, Blocker.id)).all()


def open_for_user(session: Session, user_id: str) -> Sequence[Blocker]:
    """Open blockers the user raised or that wait on the user, oldest first."""
    waiting_on_user = select(BlockerWait.blocker_id).where(
        BlockerWait.kind == WaitTarget.USER, BlockerWait.target_id == user_id
    )
    query = select(Blocker).where(
        Blocker.status == BlockerStatus.OPEN,
        or_(Blocker.reporter_id == user_id, Blocker.id.in_(waiting_on_user)),
    )
    return session.scalars(query.order_by(Blocker.created_at, Blocker.id)).all()


def open_unclaimed_before(
    session: Session, *, created_before: datetime, job: str, subject_prefix: str
) -> Sequence[Blocker]:
    """Open blockers raised by `created_before` with no `job` claim on prefix+id, oldest first."""
    subject = literal(subject_prefix, String) + cast(Blocker.id, String)
    claimed = exists().where(JobClaim.job == job, JobClaim.subject == subject)
    query = select(Blocker).where(
        Blocker.status == BlockerStatus.OPEN, Blocker.created_at <= created_before, ~claimed
    )
    return session.scalars(query.order_by(Blocker.created_at, Blocker.id)).all()
