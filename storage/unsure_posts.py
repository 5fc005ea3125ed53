"""Posts whose every try ended without Baton learning whether Slack took them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.inserts import insert_once
from storage.models import UnsurePost


def unsure_since(
    session: Session, *, ref: str, channel_id: str, after: datetime
) -> datetime | None:
    """When the first unsure try of `ref` in the channel began, if after `after`; else None."""
    since = session.scalar(
        select(UnsurePost.since).where(UnsurePost.ref == ref, UnsurePost.channel_id == channel_id)
    )
    return since if since is not None and since >= after else None


def remember(
    session: Session,
    *,
    team_id: str,
    ref: str,
    channel_id: str,
    since: datetime,
    stale_before: datetime,
) -> None:
    """Note an unsure try; an earlier one noted already is kept, unless from before
    `stale_before` (an older episode's, no longer looked for)."""
    session.execute(
        delete(UnsurePost).where(
            UnsurePost.ref == ref,
            UnsurePost.channel_id == channel_id,
            UnsurePost.since < stale_before,
        )
    )
    insert_once(
        session,
        UnsurePost.__table__,  # type: ignore[arg-type]
        {"team_id": team_id, "ref": ref, "channel_id": channel_id, "since": since},
    )


def forget(session: Session, *, ref: str, channel_id: str) -> None:
    """The post is in Slack, posted or found: nothing to look for any more."""
    session.execute(
        delete(UnsurePost).where(UnsurePost.ref == ref, UnsurePost.channel_id == channel_id)
    )
