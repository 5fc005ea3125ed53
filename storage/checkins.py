"""Check-ins (one row per sprint), the DMs that ask leads for them, and scorecard snapshots.

A check-in's numbers are columns named as the fields are; None is a number nobody gave. While
Baton serves one workspace, `team_id` None reads and writes the one row per sprint whatever
workspace id it was stored with.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from storage.inserts import insert_once
from storage.models import Checkin, CheckinPrompt, Escalation, ScorecardSnapshot
from storage.results import rows_changed
from storage.statuses import PostKind

FIELD_COLUMNS = (
    "points_planned",
    "points_delivered",
    "milestones_due",
    "milestones_on_schedule",
    "kt_items_total",
    "kt_items_validated",
    "spend",
    "forecast",
    "budget_consumed_pct",
    "milestones_completed_pct",
    "tickets_resolved",
    "tickets_first_time_fixed",
    "headcount",
    "key_roles",
    "leavers",
    "key_role_leavers",
    "deployments",
    "failed_changes",
    "lead_time_hours",
    "restore_hours",
)


def _team(model: Any, team_id: str | None) -> list[ColumnElement[bool]]:
    return [] if team_id is None else [model.team_id == team_id]


def get(session: Session, *, sprint: int, team_id: str | None = None) -> Checkin | None:
    """The check-in of `sprint`, or None when nothing was entered for it."""
    query = select(Checkin).where(Checkin.sprint == sprint, *_team(Checkin, team_id))
    return session.scalars(query).first()


def save(
    session: Session,
    *,
    team_id: str,
    sprint: int,
    sprint_start: date,
    sprint_end: date,
    values: Mapping[str, float | None],
    by: str | None,
    now: datetime,
    any_team: bool = True,
) -> Checkin:
    """Set `values` (field → number, None clears it) on the sprint's check-in, adding it if
    need be; the fields not in `values` keep what they hold."""
    unknown = set(values) - set(FIELD_COLUMNS)
    if unknown:
        raise ValueError(f"not check-in fields: {', '.join(sorted(unknown))}")
    row = get(session, sprint=sprint, team_id=None if any_team else team_id)
    if row is None:
        row = Checkin(
            team_id=team_id, sprint=sprint, sprint_start=sprint_start, sprint_end=sprint_end
        )
        session.add(row)
    for name, value in values.items():
        setattr(row, name, value)
    row.updated_at = now
    row.updated_by = by
    session.flush()
    return row


def ended(session: Session, *, through: int, team_id: str | None = None) -> list[Checkin]:
    """The check-ins of sprints 1 to `through`, newest first, detached from the session."""
    query = (
        select(Checkin)
        .where(Checkin.sprint <= through, *_team(Checkin, team_id))
        .order_by(Checkin.sprint.desc())
    )
    rows = list(session.scalars(query))
    session.expunge_all()
    return rows


def stored_team(session: Session) -> str | None:
    """The workspace id Baton's records already carry, if any (a check-in's, else an
    escalation's): what a check-in imported from a file is filed under."""
    for model in (Checkin, Escalation):
        found = session.scalar(select(model.team_id).where(model.team_id != "").limit(1))
        if found:
            return str(found)
    return None


# -- the DMs that ask for check-ins ------------------------------------------------------------


def record_prompt(
    session: Session,
    *,
    team_id: str,
    sprint: int,
    lead_id: str,
    channel_id: str,
    message_ts: str,
    now: datetime,
) -> None:
    """Remember where the DM asking `lead_id` for the sprint's check-in is."""
    values = {"channel_id": channel_id, "message_ts": message_ts, "sent_at": now}
    key = {"team_id": team_id, "sprint": sprint, "lead_id": lead_id}
    if not insert_once(session, CheckinPrompt.__table__, key | values):  # type: ignore[arg-type]
        session.execute(update(CheckinPrompt).where(*_prompt(sprint, lead_id)).values(**values))


def _prompt(sprint: int, lead_id: str) -> list[ColumnElement[bool]]:
    return [CheckinPrompt.sprint == sprint, CheckinPrompt.lead_id == lead_id]


def prompt(session: Session, *, sprint: int, lead_id: str) -> CheckinPrompt | None:
    """The DM asking `lead_id` for the sprint's check-in, if one was sent."""
    return session.scalars(select(CheckinPrompt).where(*_prompt(sprint, lead_id))).first()


def mark_reminded(session: Session, *, sprint: int, lead_id: str, now: datetime) -> None:
    session.execute(update(CheckinPrompt).where(*_prompt(sprint, lead_id)).values(reminded_at=now))


def mark_done(
    session: Session, *, team_id: str, sprint: int, lead_id: str, now: datetime
) -> CheckinPrompt | None:
    """The lead saved the sprint's check-in. Returns the prompt of the DM that asked them, now
    done, if one was sent and was not done yet; else None. A lead who saved it before any DM is
    remembered as done, so the clock does not ask them."""
    existing = prompt(session, sprint=sprint, lead_id=lead_id)
    if existing is None:
        key = {"team_id": team_id, "sprint": sprint, "lead_id": lead_id}
        insert_once(session, CheckinPrompt.__table__, key | {"done_at": now})  # type: ignore[arg-type]
        return None
    changed = session.execute(
        update(CheckinPrompt)
        .where(CheckinPrompt.id == existing.id, CheckinPrompt.done_at.is_(None))
        .values(done_at=now)
    )
    return existing if rows_changed(changed) and existing.message_ts else None


# -- scorecard snapshots -------------------------------------------------------------------------


def save_snapshot(
    session: Session,
    *,
    team_id: str,
    kind: PostKind,
    taken_on: date,
    readiness: float | None,
    scorecard: Mapping[str, Any],
    now: datetime,
) -> bool:
    """Keep the scorecard of a digest or a review; the first one of the day is kept."""
    return insert_once(
        session,
        ScorecardSnapshot.__table__,  # type: ignore[arg-type]
        {
            "team_id": team_id,
            "kind": kind,
            "taken_on": taken_on,
            "readiness": readiness,
            "scorecard": json.dumps(scorecard, sort_keys=True),
            "taken_at": now,
        },
    )


def readiness_history(
    session: Session, *, since: date, until: date, team_id: str | None = None
) -> list[tuple[date, float | None]]:
    """(day, readiness) of every snapshot taken from `since` to `until`, oldest first; one a day."""
    query = (
        select(ScorecardSnapshot.taken_on, ScorecardSnapshot.readiness)
        .where(
            ScorecardSnapshot.taken_on >= since,
            ScorecardSnapshot.taken_on <= until,
            *_team(ScorecardSnapshot, team_id),
        )
        .order_by(ScorecardSnapshot.taken_on, ScorecardSnapshot.kind)
    )
    days: dict[date, float | None] = {}
    for taken_on, readiness in session.execute(query):
        days.setdefault(taken_on, readiness)
    return sorted(days.items())


def last_review(
    session: Session, *, before: date, team_id: str | None = None
) -> tuple[date, dict[str, Any]] | None:
    """The day and scorecard of the latest review before `before`, if there was one."""
    query = (
        select(ScorecardSnapshot.taken_on, ScorecardSnapshot.scorecard)
        .where(
            ScorecardSnapshot.kind == PostKind.REVIEW,
            ScorecardSnapshot.taken_on < before,
            *_team(ScorecardSnapshot, team_id),
        )
        .order_by(ScorecardSnapshot.taken_on.desc())
        .limit(1)
    )
    found = session.execute(query).first()
    if found is None:
        return None
    loaded: dict[str, Any] = json.loads(found.scorecard)
    return found.taken_on, loaded


def prompts_of(session: Session, *, sprint: int) -> Sequence[CheckinPrompt]:
    """Every DM sent for the sprint's check-in."""
    return session.scalars(select(CheckinPrompt).where(CheckinPrompt.sprint == sprint)).all()
