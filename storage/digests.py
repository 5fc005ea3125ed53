"""Periodic posts (the weekly digest, the monthly review): a row per (kind, channel, period)
claimed before posting, a part row per posted piece.

A run holds a post through its lease; a run that dies keeps it until the lease ends, then the
next run completes what is missing. Every change is a conditional statement, so two clocks
never hold one digest at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, delete, select, update
from sqlalchemy.orm import Session

from storage.inserts import insert_once
from storage.models import Digest, DigestPart
from storage.results import rows_changed
from storage.statuses import PostKind


def _post(kind: PostKind, channel_id: str, period_start: date) -> list[ColumnElement[bool]]:
    return [
        Digest.kind == kind,
        Digest.channel_id == channel_id,
        Digest.period_start == period_start,
    ]


@dataclass(frozen=True)
class Claim:
    """A post this run now holds, since when it exists, and whether a run held it before (which
    may have posted parts that it never marked)."""

    id: int
    created_at: datetime
    tried_before: bool


def claim(
    session: Session,
    *,
    team_id: str,
    channel_id: str,
    period_start: date,
    now: datetime,
    lease_until: datetime,
    kind: PostKind = PostKind.DIGEST,
    force: bool = False,
) -> Claim | None:
    """Take the post of (kind, channel, period) until `lease_until`; None when it is complete
    (unless `force`, which starts it over) or another run holds it."""
    values = {
        "team_id": team_id,
        "kind": kind,
        "channel_id": channel_id,
        "period_start": period_start,
        "created_at": now,
        "lease_until": lease_until,
    }
    if insert_once(session, Digest.__table__, values):  # type: ignore[arg-type]
        return Claim(_id(session, kind, channel_id, period_start), now, tried_before=False)
    free = (Digest.lease_until.is_(None)) | (Digest.lease_until < now)
    query = update(Digest).where(*_post(kind, channel_id, period_start), free)
    if not force:
        query = query.where(Digest.completed_at.is_(None))
    if not rows_changed(session.execute(query.values(lease_until=lease_until))):
        return None
    digest_id = _id(session, kind, channel_id, period_start)
    if force:
        session.execute(delete(DigestPart).where(DigestPart.digest_id == digest_id))
        session.execute(
            update(Digest)
            .where(Digest.id == digest_id)
            .values(message_ts=None, completed_at=None, created_at=now)
        )
        return Claim(digest_id, now, tried_before=False)
    created_at = session.scalar(select(Digest.created_at).where(Digest.id == digest_id))
    assert created_at is not None
    return Claim(digest_id, created_at, tried_before=True)


def _id(session: Session, kind: PostKind, channel_id: str, period_start: date) -> int:
    found = session.scalar(select(Digest.id).where(*_post(kind, channel_id, period_start)))
    assert found is not None
    return int(found)


def parts(session: Session, digest_id: int) -> dict[str, str | None]:
    """The parts Slack has: name → ts or file id."""
    rows = session.execute(
        select(DigestPart.name, DigestPart.slack_ref).where(DigestPart.digest_id == digest_id)
    )
    return {name: ref for name, ref in rows}


def mark_part(
    session: Session, digest_id: int, *, name: str, slack_ref: str | None, now: datetime
) -> bool:
    """Record that Slack has a part; False if it was recorded already."""
    team_id = session.scalar(select(Digest.team_id).where(Digest.id == digest_id))
    part = {"digest_id": digest_id, "name": name, "slack_ref": slack_ref, "posted_at": now}
    inserted = insert_once(
        session,
        DigestPart.__table__,  # type: ignore[arg-type]
        {"team_id": team_id, **part},
    )
    if inserted and name == "message":
        session.execute(update(Digest).where(Digest.id == digest_id).values(message_ts=slack_ref))
    return inserted


def complete(session: Session, digest_id: int, *, now: datetime) -> None:
    """Every part is posted: the digest is done and its lease let go."""
    session.execute(
        update(Digest).where(Digest.id == digest_id).values(completed_at=now, lease_until=None)
    )


def release(session: Session, digest_id: int) -> None:
    """Let go of the lease so the next run can carry on at once."""
    session.execute(update(Digest).where(Digest.id == digest_id).values(lease_until=None))


def is_complete(
    session: Session, *, channel_id: str, period_start: date, kind: PostKind = PostKind.DIGEST
) -> bool:
    """Whether the post of (kind, channel, period) was posted in full."""
    query = select(Digest.completed_at).where(*_post(kind, channel_id, period_start))
    return session.scalar(query) is not None


def get(
    session: Session, *, channel_id: str, period_start: date, kind: PostKind = PostKind.DIGEST
) -> Digest | None:
    return session.scalars(select(Digest).where(*_post(kind, channel_id, period_start))).first()
