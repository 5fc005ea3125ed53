"""Weeks whose latency figures are kept, so that their message timings can be deleted.

A week is kept whole, in one transaction, before any of its messages is deleted: its groups
(channel, author's side, answerer's side) with their counts and the waits of their answered
messages. From then on every reading takes that week from here, never from its messages,
whether they are deleted yet or not; so a reading is the same before, during and after the
deletion. Readings of a period combine the kept weeks it touches (whole weeks) with the
messages after the last kept week.

Kept figures are the week's as they stood when it was kept, weeks after it ended: an answer
that came after a period's end counts as answered in them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from storage.inserts import insert_once
from storage.latency import LatencyGroup, WaitFigures, latency_groups
from storage.models import KeptLatencyWeek, LatencyWeekGroup
from storage.usergroups import unreadable_by_channel, unreadable_messages


@dataclass(frozen=True)
class PeriodGroups:
    """What a period's latency is computed from: its groups, the messages among them that
    mention a group Baton cannot read, and the span of kept weeks read (None if none)."""

    groups: list[LatencyGroup]
    unreadable: int
    kept: tuple[datetime, datetime] | None


def kept_until(session: Session) -> datetime | None:
    """The end of the last kept week: messages posted before it are read from kept figures."""
    return session.scalar(select(func.max(KeptLatencyWeek.week_end)))


@dataclass(frozen=True)
class WeekFigures:
    """A week's groups, and per channel its messages that mention an unreadable user group."""

    groups: list[LatencyGroup]
    unreadable: dict[str, int]


def is_kept(session: Session, start: datetime) -> bool:
    """Whether the week starting at `start` is kept."""
    kept = select(KeptLatencyWeek.week_start).where(KeptLatencyWeek.week_start == start)
    return session.scalar(kept) is not None


def week_figures(session: Session, *, start: datetime, end: datetime, now: datetime) -> WeekFigures:
    """The figures of the messages posted in [start, end), as known `now`: a read, so that on
    SQLite the web process's writers never wait for it."""
    return WeekFigures(
        latency_groups(session, start=start, end=end, as_of=now),
        unreadable_by_channel(session, start=start, end=end),
    )


def keep_week(
    session: Session,
    *,
    team_id: str,
    start: datetime,
    end: datetime,
    now: datetime,
    figures: WeekFigures,
) -> bool:
    """Keep the figures of the week [start, end) unless it is kept already; True if this call
    kept it. The first writer wins, so two clocks keep it once."""
    kept = insert_once(
        session,
        KeptLatencyWeek.__table__,  # type: ignore[arg-type]
        {
            "team_id": team_id,
            "week_start": start,
            "week_end": end,
            "kept_at": now,
            "unreadable": json.dumps(figures.unreadable, sort_keys=True),
        },
    )
    if kept and figures.groups:
        session.execute(
            insert(LatencyWeekGroup),
            [
                {
                    "team_id": team_id,
                    "week_start": start,
                    "channel_id": group.channel_id,
                    "author_side": group.author_side,
                    "answer_side": group.answer_side,
                    "waiting": group.waiting,
                    "answered": group.answered,
                    "sla_ended": group.sla_ended,
                    "within_sla": group.within_sla,
                    "unanswered": group.unanswered,
                    "wall_seconds": json.dumps(group.wall_seconds),
                    "business_seconds": json.dumps(group.business_seconds),
                }
                for group in figures.groups
            ],
        )
    return kept


def _kept_weeks(session: Session, start: datetime, end: datetime) -> list[KeptLatencyWeek]:
    return list(
        session.scalars(
            select(KeptLatencyWeek)
            .where(KeptLatencyWeek.week_start < end, KeptLatencyWeek.week_end > start)
            .order_by(KeptLatencyWeek.week_start)
        )
    )


def _kept_groups(
    session: Session, weeks: Sequence[KeptLatencyWeek], channel_id: str | None
) -> list[LatencyGroup]:
    if not weeks:
        return []
    query = select(LatencyWeekGroup).where(
        LatencyWeekGroup.week_start.in_([week.week_start for week in weeks])
    )
    if channel_id is not None:
        query = query.where(LatencyWeekGroup.channel_id == channel_id)
    return [
        LatencyGroup(
            channel_id=row.channel_id,
            author_side=row.author_side,
            answer_side=row.answer_side,
            waiting=row.waiting,
            answered=row.answered,
            sla_ended=row.sla_ended,
            within_sla=row.within_sla,
            unanswered=row.unanswered,
            wall_seconds=json.loads(row.wall_seconds),
            business_seconds=json.loads(row.business_seconds),
        )
        for row in session.scalars(query)
    ]


def _kept_unreadable(weeks: Sequence[KeptLatencyWeek], channel_id: str | None) -> int:
    total = 0
    for week in weeks:
        counts: dict[str, int] = json.loads(week.unreadable)
        total += counts.get(channel_id, 0) if channel_id else sum(counts.values())
    return total


def period_groups(
    session: Session, *, start: datetime, end: datetime, channel_id: str | None = None
) -> PeriodGroups:
    """The groups of the messages posted in [start, end), as known at `end`; the part before
    the last kept week's end is read from the kept weeks it touches, whole."""
    until = kept_until(session)
    if until is None or start >= until:
        return PeriodGroups(
            latency_groups(session, start=start, end=end, channel_id=channel_id),
            unreadable_messages(session, start=start, end=end, channel_id=channel_id),
            None,
        )
    weeks = _kept_weeks(session, start, min(end, until))
    groups = _kept_groups(session, weeks, channel_id)
    unreadable = _kept_unreadable(weeks, channel_id)
    if end > until:
        groups += latency_groups(session, start=until, end=end, channel_id=channel_id)
        unreadable += unreadable_messages(session, start=until, end=end, channel_id=channel_id)
    span = (weeks[0].week_start, weeks[-1].week_end) if weeks else None
    return PeriodGroups(groups, unreadable, span)


def kept_figures(
    session: Session,
    *,
    start: datetime,
    end: datetime,
    until: datetime,
    channel_id: str | None = None,
) -> list[WaitFigures]:
    """The kept figures of the weeks touching [start, min(end, until)), one per group."""
    return list(_kept_groups(session, _kept_weeks(session, start, min(end, until)), channel_id))


def first_kept(session: Session) -> datetime | None:
    """The start of the first kept week, the oldest history whose messages may be gone."""
    return session.scalar(select(func.min(KeptLatencyWeek.week_start)))


def combined(parts: Sequence[WaitFigures]) -> dict[str, Any]:
    """WaitFigures' fields of several parts taken together: counts add, waits join."""
    return {
        "waiting": sum(part.waiting for part in parts),
        "answered": sum(part.answered for part in parts),
        "sla_ended": sum(part.sla_ended for part in parts),
        "within_sla": sum(part.within_sla for part in parts),
        "unanswered": sum(part.unanswered for part in parts),
        "wall_seconds": [wait for part in parts for wait in part.wall_seconds],
        "business_seconds": [wait for part in parts for wait in part.business_seconds],
    }
