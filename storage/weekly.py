"""What the weekly digest, the baselines and the alerts read: a window of weeks, never the history.

Each query is bounded by time through an index (escalations and blockers by creation, waiting
messages by posting time), so the work grows with the weeks asked for, not with the history.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from itertools import pairwise
from typing import Any

from sqlalchemy import ColumnElement, String, func, or_, select, type_coerce
from sqlalchemy.orm import Session

from storage.inserts import insert_once
from storage.kept_weeks import combined, first_kept, kept_figures, kept_until
from storage.latency import WAITING, WaitFigures, figures_of, wait_figures
from storage.models import Blocker, Escalation, KpiBaseline, Message, NpsRound


def _channel_filter(model: Any, channel_id: str | None) -> list[ColumnElement[bool]]:
    if channel_id is None:
        return []
    return [or_(model.channel_id == channel_id, model.source_channel_id == channel_id)]


def _times(session: Session, *columns: Any) -> list[Any]:
    """Time columns as the driver gives them: on SQLite the stored UTC text, which pandas
    parses a column at a time far faster than the ORM does a value at a time."""
    if session.get_bind().dialect.name != "sqlite":
        return list(columns)
    return [type_coerce(column, String).label(column.key) for column in columns]


def escalations_in_window(
    session: Session, *, start: datetime, end: datetime, channel_id: str | None = None
) -> list[dict[str, Any]]:
    """Escalations created before `end` and not resolved before `start`: all a week can count.

    Times are aware datetimes, or UTC text on SQLite (see _times): read them with pandas.
    """
    query = select(
        Escalation.id,
        Escalation.severity,
        Escalation.status,
        *_times(session, Escalation.created_at, Escalation.acknowledged_at, Escalation.resolved_at),
    ).where(
        Escalation.created_at < end,
        or_(Escalation.resolved_at.is_(None), Escalation.resolved_at >= start),
        *_channel_filter(Escalation, channel_id),
    )
    return [dict(row._mapping) for row in session.execute(query)]


def blockers_in_window(
    session: Session, *, start: datetime, end: datetime, channel_id: str | None = None
) -> list[dict[str, Any]]:
    """Blockers raised before `end` and not resolved before `start` (times as _times gives)."""
    query = select(
        Blocker.id, Blocker.status, *_times(session, Blocker.created_at, Blocker.resolved_at)
    ).where(
        Blocker.created_at < end,
        or_(Blocker.resolved_at.is_(None), Blocker.resolved_at >= start),
        *_channel_filter(Blocker, channel_id),
    )
    return [dict(row._mapping) for row in session.execute(query)]


@dataclass(frozen=True)
class LatencyWeek(WaitFigures):
    """The waiting messages posted in one week, as known at `as_of` (see latency_weeks)."""

    week: int


def latency_weeks(
    session: Session,
    *,
    edges: Sequence[datetime],
    as_of: datetime,
    channel_id: str | None = None,
) -> list[LatencyWeek]:
    """Each week's latency counts and waits, one indexed range query per week; a week before
    the last kept week's end is read from the kept weeks it touches (see storage.kept_weeks)."""
    figures = select(*wait_figures(session.get_bind().dialect.name, as_of)).where(*WAITING)
    if channel_id is not None:
        figures = figures.where(Message.channel_id == channel_id)
    until = kept_until(session)
    weeks = []
    for number, (start, end) in enumerate(pairwise(edges)):
        parts: list[WaitFigures] = []
        live_from = start
        if until is not None and start < until:
            parts += kept_figures(session, start=start, end=end, until=until, channel_id=channel_id)
            live_from = until
        if live_from < end:
            row = session.execute(
                figures.where(Message.posted_at >= live_from, Message.posted_at < end)
            ).one()
            parts.append(WaitFigures(**figures_of(row)))
        weeks.append(LatencyWeek(week=number, **combined(parts)))
    return weeks


def nps_rounds_between(session: Session, *, start: datetime, end: datetime) -> list[NpsRound]:
    """Rounds started in [start, end), newest first, detached from the session."""
    rows = list(
        session.scalars(
            select(NpsRound)
            .where(NpsRound.started_at >= start, NpsRound.started_at < end)
            .order_by(NpsRound.started_at.desc(), NpsRound.id.desc())
        )
    )
    session.expunge_all()
    return rows


def first_activity(session: Session) -> datetime | None:
    """When Baton first recorded anything: an escalation, a blocker, a waiting message, a round."""
    firsts = [
        session.scalar(select(func.min(Escalation.created_at))),
        session.scalar(select(func.min(Blocker.created_at))),
        # An index finds it without a scan: by time alone (ix_messages_posted), or by the
        # workspace's rows first while acting for one (ix_messages_team_posted).
        session.scalar(select(func.min(Message.posted_at))),
        session.scalar(select(func.min(NpsRound.started_at))),
        # Once old message timings are deleted, their kept weeks say when the messages began.
        first_kept(session),
    ]
    found = [moment for moment in firsts if moment is not None]
    return min(found) if found else None


# -- stored baselines ----------------------------------------------------------------------


def stored_baseline(
    session: Session, *, family: str, scope: str, first_week: date, weeks: int
) -> dict[str, float | None] | None:
    """A baseline kept earlier for exactly these weeks, or None."""
    figures = session.scalar(
        select(KpiBaseline.figures).where(
            KpiBaseline.family == family,
            KpiBaseline.scope == scope,
            KpiBaseline.first_week == first_week,
            KpiBaseline.weeks == weeks,
        )
    )
    if figures is None:
        return None
    loaded: dict[str, float | None] = json.loads(figures)
    return loaded


def store_baseline(
    session: Session,
    *,
    team_id: str,
    family: str,
    scope: str,
    first_week: date,
    weeks: int,
    figures: dict[str, float | None],
    now: datetime,
) -> bool:
    """Keep a baseline once its weeks are over; the first writer wins."""
    return insert_once(
        session,
        KpiBaseline.__table__,  # type: ignore[arg-type]
        {
            "team_id": team_id,
            "family": family,
            "scope": scope,
            "first_week": first_week,
            "weeks": weeks,
            "figures": json.dumps(figures, sort_keys=True),
            "computed_at": now,
        },
    )
