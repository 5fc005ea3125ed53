"""The `nps` answer of `/kpi` and `baton kpi nps --json`: rounds newest first, with the trend."""

from __future__ import annotations

import random
from typing import Any

from bot.kpi import nps as kpi
from bot.kpi.period import Period
from bot.runtime.services import Services
from storage import nps as store
from storage.models import NpsRound
from storage.statuses import InvitationStatus

# However short the period, the answer shows this many of the latest rounds: a trend needs them.
TREND_ROUNDS = 6
_MAX_ROUNDS = 500
_shuffle = random.SystemRandom().shuffle


def _iso(moment: Any) -> str | None:
    return None if moment is None else str(moment.isoformat())


def _choose(rows: list[NpsRound], period: Period) -> list[NpsRound]:
    """Rounds started in the period, or the latest few when fewer started in it."""
    return [
        row
        for index, row in enumerate(rows)
        if index < TREND_ROUNDS or row.started_at >= period.start
    ]


def round_json(
    row: NpsRound, statuses: dict[str, int], scores: dict[int, int], comments: list[str] | None
) -> dict[str, Any]:
    """One round's documented keys, and the ones Baton adds."""
    invited = sum(
        count for status, count in statuses.items() if status != InvitationStatus.EXCLUDED
    )
    reached = statuses.get(InvitationStatus.SENT, 0) + statuses.get(InvitationStatus.ANSWERED, 0)
    figures = kpi.round_figures(
        scores, invited=invited, reached=reached, min_responses=row.min_responses
    )
    if comments is not None:
        _shuffle(comments)
    return {
        "round": row.id,
        "started": _iso(row.started_at),
        **kpi.as_json(figures),
        "undeliverable": statuses.get(InvitationStatus.UNDELIVERABLE, 0),
        "ends": _iso(row.ends_at),
        "closed": _iso(row.closed_at),
        "comments": comments if figures.shown else None,
    }


def rounds_json(services: Services, rows: list[NpsRound]) -> list[dict[str, Any]]:
    """The JSON of `rows` (newest first), each with its score change since the previous one."""
    ids = [row.id for row in rows]
    with services.db.reading() as session:
        statuses = store.status_counts(session, ids)
        scores = store.score_counts(session, ids)
        result = []
        for row in rows:
            enough = sum(scores[row.id].values()) >= row.min_responses
            comments = store.comments(session, row.id) if enough else None
            result.append(round_json(row, statuses[row.id], scores[row.id], comments))
    for entry, change in zip(result, kpi.changes([r["score"] for r in result]), strict=True):
        entry["change"] = change
    return result


def nps_answer(services: Services, period: Period, channel: str | None) -> dict[str, Any]:
    """NPS rounds started in the period (at least the latest six), newest first.

    NPS is asked of the whole audience, so a channel narrows nothing here.
    """
    with services.db.reading() as session:
        rows = list(store.recent_rounds(session, until=period.end, limit=_MAX_ROUNDS))
        session.expunge_all()
    return {"rounds": rounds_json(services, _choose(rows, period))}


def one_round(services: Services, round_id: int) -> dict[str, Any]:
    """The JSON of one round."""
    with services.db.reading() as session:
        row = store.get_round(session, round_id)
        assert row is not None
        session.expunge(row)
    return rounds_json(services, [row])[0]
