"""Escalation KPIs: opened, acknowledged, resolved, open now, MTTA and MTTR."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from bot.core.lazy import lazy_module
from bot.core.severity import Severity
from bot.kpi.period import Period
from bot.kpi.stats import mean_seconds, within
from bot.runtime.services import Services
from storage import kpi as queries

if TYPE_CHECKING:
    import pandas as pd
else:
    pd = lazy_module("pandas")


COLUMNS = ("id", "severity", "status", "created_at", "acknowledged_at", "resolved_at")


def escalation_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """A frame with one row per escalation and UTC timestamps."""
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    for column in ("created_at", "acknowledged_at", "resolved_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


def _figures(frame: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> dict[str, Any]:
    created = within(frame["created_at"], start, end)
    acknowledged = within(frame["acknowledged_at"], start, end)
    resolved = within(frame["resolved_at"], start, end)
    unresolved_at_end = frame["resolved_at"].isna() | (frame["resolved_at"] >= end)
    open_at_end = (frame["created_at"] < end) & unresolved_at_end
    ack = frame[acknowledged]
    res = frame[resolved]
    return {
        "opened": int(created.sum()),
        "acknowledged": int(acknowledged.sum()),
        "resolved": int(resolved.sum()),
        "open_now": int(open_at_end.sum()),
        "mtta_seconds": mean_seconds(ack["acknowledged_at"] - ack["created_at"]),
        "mttr_seconds": mean_seconds(res["resolved_at"] - res["created_at"]),
    }


def escalation_kpis(frame: pd.DataFrame, period: Period) -> dict[str, Any]:
    """The escalation figures of `period`, overall and per severity.

    MTTA = mean(acknowledged − created) over escalations acknowledged in the period; MTTR the
    same over those resolved in it; `open_now` counts those not resolved at the period's end.
    """
    start, end = pd.Timestamp(period.start), pd.Timestamp(period.end)
    figures = _figures(frame, start, end)
    figures["by_severity"] = {
        severity.label: _figures(frame[frame["severity"] == severity.value], start, end)
        for severity in Severity
    }
    return figures


def escalation_answers(
    services: Services, periods: Sequence[Period], channel: str | None
) -> list[dict[str, Any]]:
    """The escalation figures of each period, from one read of the rows they need."""
    since = min(period.start for period in periods)
    with services.db.reading() as session:
        rows = queries.escalation_rows(session, since=since, channel_id=channel)
    frame = escalation_frame(rows)
    return [escalation_kpis(frame, period) for period in periods]


def escalation_answer(services: Services, period: Period, channel: str | None) -> dict[str, Any]:
    """`/kpi escalations` over `period` (in `channel`, if given)."""
    return escalation_answers(services, [period], channel)[0]
