"""Survey rounds as Baton's own flows leave them, for tests that need invitations or answers
stored."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from storage import nps


def sent_round(
    session: Session,
    *,
    team_id: str,
    people: Iterable[str],
    opened: datetime,
    min_responses: int,
) -> int:
    """An open round, opened at `opened` for a week, whose DM has been sent to each person."""
    round_id = nps.create_round(
        session,
        team_id=team_id,
        audience="CTEAM",
        question="Recommend us?",
        min_responses=min_responses,
        started_at=opened,
        ends_at=opened + timedelta(days=7),
        started_by="UADMIN",
        period=None,
    )
    assert round_id is not None
    people = list(people)
    nps.add_invitations(session, round_id, people)
    for person in people:
        invitation = nps.invitation_of(session, round_id, person)
        assert invitation is not None
        assert nps.claim_send(session, invitation.id, now=opened) is not None
        nps.mark_sent(session, invitation.id, now=opened, channel_id="DDM", message_ts="1.000")
    return round_id


def answered_round(
    session: Session,
    *,
    team_id: str,
    scores: Mapping[str, int],
    opened: datetime,
    min_responses: int,
    closed: bool = True,
) -> int:
    """A sent round in which each person answered with their score the next day; closed a
    week after it opened, unless not `closed`."""
    round_id = sent_round(
        session, team_id=team_id, people=scores, opened=opened, min_responses=min_responses
    )
    day = (opened + timedelta(days=1)).date()
    for person, score in scores.items():
        invitation = nps.invitation_of(session, round_id, person)
        assert invitation is not None
        assert nps.record_answer(session, invitation.id, user_id=person, score=score, day=day)
    if closed:
        nps.close_round(session, round_id, now=opened + timedelta(days=7), closed_by="UADMIN")
    return round_id
