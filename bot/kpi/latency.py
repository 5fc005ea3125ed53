"""Response latency KPIs of a period (the README's definitions), from the database's groups.

The database adds up each (channel, author's side, answerer's side) group; here the groups are
combined overall, per channel and per direction. Counts add up; percentiles do not, so each
group also brings the waits of its answered messages, and the quantiles are taken over the
combined waits with linear interpolation, as pandas' default quantile does.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

from bot.core.lazy import lazy_module
from bot.kpi.period import Period
from bot.kpi.stats import ratio
from bot.latency.rules import direction
from bot.runtime.services import Services
from storage.kept_weeks import period_groups
from storage.latency import LatencyGroup

if TYPE_CHECKING:
    import numpy as np
else:
    np = lazy_module("numpy")


Floats: TypeAlias = "np.ndarray[Any, np.dtype[np.float64]]"


def quantile(values: Floats, q: float) -> float | None:
    """The q-quantile with linear interpolation (pandas' default), in seconds; None if empty."""
    if values.size == 0:
        return None
    return round(float(np.quantile(values, q, method="linear")), 3)


def _arrays(groups: Sequence[LatencyGroup]) -> list[tuple[Floats, Floats]]:
    return [
        (np.asarray(group.wall_seconds, dtype=np.float64),
         np.asarray(group.business_seconds, dtype=np.float64))
        for group in groups
    ]  # fmt: skip


def _figures(
    groups: Sequence[LatencyGroup], waits: Sequence[tuple[Floats, Floats]]
) -> dict[str, Any]:
    wall = np.concatenate([w for w, _ in waits]) if waits else np.empty(0)
    business = np.concatenate([b for _, b in waits]) if waits else np.empty(0)
    return {
        "waiting": sum(group.waiting for group in groups),
        "answered": sum(group.answered for group in groups),
        "unanswered": sum(group.unanswered for group in groups),
        "median_seconds": quantile(wall, 0.5),
        "p90_seconds": quantile(wall, 0.9),
        "median_business_seconds": quantile(business, 0.5),
        "p90_business_seconds": quantile(business, 0.9),
        "within_sla_rate": ratio(
            sum(group.within_sla for group in groups), sum(group.sla_ended for group in groups)
        ),
    }


def figures(groups: Sequence[LatencyGroup]) -> dict[str, Any]:
    """waiting, answered, unanswered, median and p90 (wall and business), within-SLA rate."""
    return _figures(groups, _arrays(groups))


def directions(sides: Sequence[str]) -> list[str]:
    """The directions reported between two sides: `client→partner`, `partner→client`."""
    return [f"{a}→{b}" for a in sides for b in sides if a != b]


def latency_kpis(groups: Sequence[LatencyGroup], sides: Sequence[str] = ()) -> dict[str, Any]:
    """The latency answer: overall figures, `by_channel` (busiest first) and `by_direction`.

    `by_direction` holds the two directions between the sides when sides are set, else nothing;
    a message counts in a direction when its author and its answerer (or, unanswered, the side
    expected to answer) are on different sides.
    """
    waits = _arrays(groups)

    def over(indexes: list[int]) -> dict[str, Any]:
        return _figures([groups[i] for i in indexes], [waits[i] for i in indexes])

    answer = over(list(range(len(groups))))
    channels: dict[str, list[int]] = {}
    for index, group in enumerate(groups):
        channels.setdefault(group.channel_id, []).append(index)
    by_channel = {channel: over(indexes) for channel, indexes in channels.items()}
    answer["by_channel"] = dict(
        sorted(by_channel.items(), key=lambda item: (-item[1]["waiting"], item[0]))
    )
    answer["by_direction"] = {
        name: over(
            [
                index
                for index, group in enumerate(groups)
                if direction(group.author_side, group.answer_side) == name
            ]
        )
        for name in directions(sides)
    }
    return answer


def latency_answer(services: Services, period: Period, channel: str | None) -> dict[str, Any]:
    """Response latency of the messages posted in `period` (in `channel`, if given)."""
    with services.db.reading() as session:
        found = period_groups(session, start=period.start, end=period.end, channel_id=channel)
    answer = latency_kpis(found.groups, [side.name for side in services.settings.latency.sides])
    # Messages that waited for nobody because they mention a group Baton cannot read.
    answer["unreadable_group_mentions"] = found.unreadable
    if found.kept is not None:
        # Their messages are deleted (BATON_RETENTION_DAYS): whole weeks, from [from, until).
        tz = services.settings.calendar.tz
        first, end = (moment.astimezone(tz).date().isoformat() for moment in found.kept)
        answer["kept_weeks"] = {"from": first, "until": end}
    return answer
