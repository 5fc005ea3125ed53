"""Queries of the NPS tables. Changes are conditional UPDATEs that return True iff they changed
the row, so two clocks, two clicks or a restart never do one thing twice."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from sqlalchemy import Update, case, exists, func, insert, select, update
from sqlalchemy.orm import Session

from storage.inserts import insert_once
from storage.models import NpsAnswer, NpsInvitation, NpsRound
from storage.results import rows_changed
from storage.statuses import InvitationStatus


def _update(model: type[NpsRound | NpsInvitation | NpsAnswer]) -> Update:
    # The sessions here are short and reload what they use: no need to sync loaded objects.
    return update(model).execution_options(synchronize_session=False)


_OPEN_ROUND_IDS = select(NpsRound.id).where(NpsRound.closed_at.is_(None))


# -- rounds --------------------------------------------------------------------------------


def create_round(
    session: Session,
    *,
    team_id: str,
    audience: str,
    question: str,
    min_responses: int,
    started_at: datetime,
    ends_at: datetime,
    started_by: str | None,
    period: str | None,
) -> int | None:
    """Open a round; None when the workspace already has an open one."""
    inserted = insert_once(
        session,
        NpsRound.__table__,  # type: ignore[arg-type]
        {
            "team_id": team_id,
            "audience": audience,
            "question": question,
            "min_responses": min_responses,
            "started_at": started_at,
            "ends_at": ends_at,
            "started_by": started_by,
            "period": period,
            "open_team": team_id,
        },
    )
    if not inserted:
        return None
    return session.scalar(select(NpsRound.id).where(NpsRound.open_team == team_id))


def add_invitations(session: Session, round_id: int, user_ids: Iterable[str]) -> int:
    """One pending invitation per person; returns how many were added."""
    team_id = session.scalar(select(NpsRound.team_id).where(NpsRound.id == round_id))
    rows = [
        {
            "team_id": team_id,
            "round_id": round_id,
            "user_id": user_id,
            "status": InvitationStatus.PENDING,
            "attempts": 0,
            "reminders_sent": 0,
        }
        for user_id in dict.fromkeys(user_ids)
    ]
    if rows:
        session.execute(insert(NpsInvitation), rows)
    return len(rows)


def get_round(session: Session, round_id: int) -> NpsRound | None:
    return session.get(NpsRound, round_id)


def open_round(session: Session) -> NpsRound | None:
    """The round open now, if any."""
    return session.scalars(
        select(NpsRound).where(NpsRound.closed_at.is_(None)).order_by(NpsRound.id.desc())
    ).first()


def open_rounds(session: Session) -> Sequence[NpsRound]:
    return session.scalars(select(NpsRound).where(NpsRound.closed_at.is_(None))).all()


def rounds_ending_by(session: Session, now: datetime) -> list[int]:
    """Open rounds whose time is up."""
    return list(
        session.scalars(
            select(NpsRound.id).where(NpsRound.closed_at.is_(None), NpsRound.ends_at <= now)
        )
    )


def close_round(session: Session, round_id: int, *, now: datetime, closed_by: str | None) -> bool:
    """Close the round once; invitations never sent are counted as undeliverable."""
    result = session.execute(
        _update(NpsRound)
        .where(NpsRound.id == round_id, NpsRound.closed_at.is_(None))
        .values(closed_at=now, closed_by=closed_by, open_team=None)
    )
    if not rows_changed(result):
        return False
    session.execute(
        _update(NpsInvitation)
        .where(NpsInvitation.round_id == round_id, NpsInvitation.status == InvitationStatus.PENDING)
        .values(status=InvitationStatus.UNDELIVERABLE, last_error="round_closed")
    )
    return True


def recent_rounds(session: Session, *, until: datetime, limit: int) -> Sequence[NpsRound]:
    """Rounds started at or before `until`, newest first."""
    return session.scalars(
        select(NpsRound)
        .where(NpsRound.started_at <= until)
        .order_by(NpsRound.started_at.desc(), NpsRound.id.desc())
        .limit(limit)
    ).all()


# -- invitations ---------------------------------------------------------------------------


def get_invitation(session: Session, invitation_id: int) -> NpsInvitation | None:
    return session.get(NpsInvitation, invitation_id)


def invitation_of(session: Session, round_id: int, user_id: str) -> NpsInvitation | None:
    return session.scalars(
        select(NpsInvitation).where(
            NpsInvitation.round_id == round_id, NpsInvitation.user_id == user_id
        )
    ).first()


def settle_stale_sends(session: Session, *, claimed_before: datetime) -> int:
    """Sends whose process died mid-call count as sent: a DM is never risked twice."""
    result = session.execute(
        _update(NpsInvitation)
        .where(
            NpsInvitation.status == InvitationStatus.SENDING,
            NpsInvitation.claimed_at < claimed_before,
        )
        .values(
            status=InvitationStatus.SENT, sent_at=NpsInvitation.claimed_at, last_error="unconfirmed"
        )
    )
    return rows_changed(result)


def due_to_send(session: Session, *, now: datetime, limit: int) -> list[int]:
    """Pending invitations of open rounds whose time to send has come, oldest first."""
    query = (
        select(NpsInvitation.id)
        .where(
            NpsInvitation.status == InvitationStatus.PENDING,
            NpsInvitation.round_id.in_(_OPEN_ROUND_IDS),
            (NpsInvitation.next_attempt_at.is_(None)) | (NpsInvitation.next_attempt_at <= now),
        )
        .order_by(NpsInvitation.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def claim_send(session: Session, invitation_id: int, *, now: datetime) -> tuple[str, int] | None:
    """pending → sending, committed before the DM goes: one sender wins, the others skip.

    Returns the person and the round of the invitation claimed, None when it was not.
    """
    row = session.execute(
        _update(NpsInvitation)
        .where(
            NpsInvitation.id == invitation_id,
            NpsInvitation.status == InvitationStatus.PENDING,
            NpsInvitation.round_id.in_(_OPEN_ROUND_IDS),
        )
        .values(status=InvitationStatus.SENDING, claimed_at=now)
        .returning(NpsInvitation.user_id, NpsInvitation.round_id)
    ).first()
    return (str(row[0]), int(row[1])) if row is not None else None


def mark_sent(
    session: Session, invitation_id: int, *, now: datetime, channel_id: str, message_ts: str
) -> None:
    """Remember where the DM is; an answer that came in from it first stays answered."""
    sending = NpsInvitation.status == InvitationStatus.SENDING
    session.execute(
        _update(NpsInvitation)
        .where(NpsInvitation.id == invitation_id)
        .values(
            status=case((sending, InvitationStatus.SENT), else_=NpsInvitation.status),
            sent_at=case((sending, now), else_=NpsInvitation.sent_at),
            channel_id=channel_id,
            message_ts=message_ts,
            last_error=None,
        )
    )


def mark_excluded(session: Session, invitation_id: int, *, reason: str) -> None:
    """Not a person (a bot, an app, a deactivated account): never asked, never counted."""
    session.execute(
        _update(NpsInvitation)
        .where(NpsInvitation.id == invitation_id, NpsInvitation.status == InvitationStatus.SENDING)
        .values(status=InvitationStatus.EXCLUDED, last_error=reason)
    )


def mark_refused(
    session: Session,
    invitation_id: int,
    *,
    error: str,
    retry_at: datetime,
    max_attempts: int,
) -> bool:
    """Slack refused the DM: try again at `retry_at`, or give up after `max_attempts`.

    True when the invitation is now undeliverable.
    """
    row = session.get(NpsInvitation, invitation_id)
    if row is None or row.status != InvitationStatus.SENDING:
        return False
    attempts = row.attempts + 1
    give_up = attempts >= max_attempts
    session.execute(
        _update(NpsInvitation)
        .where(NpsInvitation.id == invitation_id, NpsInvitation.status == InvitationStatus.SENDING)
        .values(
            status=InvitationStatus.UNDELIVERABLE if give_up else InvitationStatus.PENDING,
            attempts=attempts,
            next_attempt_at=None if give_up else retry_at,
            last_error=error[:64],
        )
    )
    return give_up


def release_for_later(
    session: Session, invitation_id: int, *, retry_at: datetime, error: str
) -> None:
    """Slack said slow down, or was unwell: back to pending, not counted as an attempt."""
    session.execute(
        _update(NpsInvitation)
        .where(NpsInvitation.id == invitation_id, NpsInvitation.status == InvitationStatus.SENDING)
        .values(status=InvitationStatus.PENDING, next_attempt_at=retry_at, last_error=error[:64])
    )


def due_to_remind(session: Session, round_id: int, *, due: int, limit: int) -> list[int]:
    """Invitations of the round that were sent, are not answered, and lack the `due`th reminder."""
    return list(
        session.scalars(
            select(NpsInvitation.id)
            .where(
                NpsInvitation.round_id == round_id,
                NpsInvitation.status == InvitationStatus.SENT,
                NpsInvitation.reminders_sent < due,
            )
            .order_by(NpsInvitation.id)
            .limit(limit)
        )
    )


def claim_reminder(session: Session, invitation_id: int, *, due: int) -> int | None:
    """Take the reminder number `due` of an invitation once; returns the count it had before."""
    before = session.scalar(
        select(NpsInvitation.reminders_sent).where(NpsInvitation.id == invitation_id)
    )
    if before is None or before >= due:
        return None
    result = session.execute(
        _update(NpsInvitation)
        .where(
            NpsInvitation.id == invitation_id,
            NpsInvitation.status == InvitationStatus.SENT,
            NpsInvitation.reminders_sent == before,
        )
        .values(reminders_sent=due)
    )
    return int(before) if rows_changed(result) else None


def release_reminder(session: Session, invitation_id: int, *, due: int, before: int) -> None:
    """Give a reminder claim back (Slack asked to slow down) so it goes out later."""
    session.execute(
        _update(NpsInvitation)
        .where(NpsInvitation.id == invitation_id, NpsInvitation.reminders_sent == due)
        .values(reminders_sent=before)
    )


def anything_to_send(session: Session, *, now: datetime) -> bool:
    """Whether a pending invitation of an open round is due."""
    return bool(due_to_send(session, now=now, limit=1))


def anyone_to_remind(session: Session, round_id: int, *, due: int) -> bool:
    return bool(
        session.scalar(
            select(
                exists().where(
                    NpsInvitation.round_id == round_id,
                    NpsInvitation.status == InvitationStatus.SENT,
                    NpsInvitation.reminders_sent < due,
                )
            )
        )
    )


# -- answers -------------------------------------------------------------------------------


def record_answer(
    session: Session, invitation_id: int, *, user_id: str, score: int, day: date
) -> str | None:
    """Mark the invitation answered and store the anonymous answer, in the caller's transaction.

    The UPDATE only matches the person's own invitation, not answered yet, in an open round, so
    a second click (or two at once) stores nothing. Returns the answer's random id, or None.
    """
    result = session.execute(
        _update(NpsInvitation)
        .where(
            NpsInvitation.id == invitation_id,
            NpsInvitation.user_id == user_id,
            NpsInvitation.status.notin_((InvitationStatus.ANSWERED, InvitationStatus.EXCLUDED)),
            NpsInvitation.round_id.in_(_OPEN_ROUND_IDS),
        )
        .values(status=InvitationStatus.ANSWERED)
    )
    if not rows_changed(result):
        return None
    round_id, team_id = session.execute(
        select(NpsInvitation.round_id, NpsInvitation.team_id).where(
            NpsInvitation.id == invitation_id
        )
    ).one()
    answer_id = str(uuid.uuid4())
    session.execute(
        insert(NpsAnswer).values(
            id=answer_id,
            team_id=team_id,
            round_id=round_id,
            score=score,
            comment=None,
            answered_on=day,
        )
    )
    return answer_id


def answer_round(session: Session, answer_id: str) -> int | None:
    return session.scalar(select(NpsAnswer.round_id).where(NpsAnswer.id == answer_id))


def set_comment(session: Session, answer_id: str, comment: str) -> bool:
    """Attach a comment to an answer, once: only while it has none."""
    result = session.execute(
        _update(NpsAnswer)
        .where(NpsAnswer.id == answer_id, NpsAnswer.comment.is_(None))
        .values(comment=comment)
    )
    return rows_changed(result) > 0


# -- figures -------------------------------------------------------------------------------


def status_counts(session: Session, round_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """Invitations per round and status."""
    counts: dict[int, dict[str, int]] = {round_id: {} for round_id in round_ids}
    if not round_ids:
        return counts
    query = (
        select(NpsInvitation.round_id, NpsInvitation.status, func.count())
        .where(NpsInvitation.round_id.in_(round_ids))
        .group_by(NpsInvitation.round_id, NpsInvitation.status)
    )
    for round_id, status, count in session.execute(query):
        counts[round_id][status] = int(count)
    return counts


def score_counts(session: Session, round_ids: Sequence[int]) -> dict[int, dict[int, int]]:
    """Answers per round and score."""
    counts: dict[int, dict[int, int]] = {round_id: {} for round_id in round_ids}
    if not round_ids:
        return counts
    query = (
        select(NpsAnswer.round_id, NpsAnswer.score, func.count())
        .where(NpsAnswer.round_id.in_(round_ids))
        .group_by(NpsAnswer.round_id, NpsAnswer.score)
    )
    for round_id, score, count in session.execute(query):
        counts[round_id][int(score)] = int(count)
    return counts


def comments(session: Session, round_id: int) -> list[str]:
    """The round's comments, without their scores, in the order of their random keys."""
    return list(
        session.scalars(
            select(NpsAnswer.comment)
            .where(NpsAnswer.round_id == round_id, NpsAnswer.comment.is_not(None))
            .order_by(NpsAnswer.id)
        )
    )
