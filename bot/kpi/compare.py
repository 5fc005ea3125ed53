"""`/kpi`: each number against the period before it and against the baseline."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from bot.kpi.answers import FAMILIES, check_subject
from bot.kpi.blockers import blocker_answers
from bot.kpi.blocks import build_kpi_message
from bot.kpi.escalations import escalation_answers
from bot.kpi.history import baselines
from bot.kpi.period import Period
from bot.kpi.weekly import scale_counts
from bot.runtime.services import Services

Answers = Callable[[Services, Sequence[Period], str | None], list[dict[str, Any]]]

# NPS compares rounds, not periods: its answer carries each round's change already. The other
# families figure both periods from one read of the rows since the earlier one's start.
_COMPARED: dict[str, Answers] = {
    "escalations": escalation_answers,
    "blockers": blocker_answers,
    "latency": lambda services, periods, channel: [
        FAMILIES["latency"](services, period, channel) for period in periods
    ],
}


def compared_answer(
    services: Services, subject: str, *, days: int, channel: str | None
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The /kpi answer, the figures of the `days` before it, and the baseline scaled to `days`.

    All three shaped like answer(): keyed by family for `summary`, else the family's own dict.
    The answer is the one `baton kpi --json` prints (the same functions, the same keys).
    """
    check_subject(subject)
    now = services.now()
    period = Period.ending(now, days)
    names = list(FAMILIES) if subject == "summary" else [subject]
    figures: dict[str, Any] = {}
    previous: dict[str, Any] = {}
    for name in names:
        if name in _COMPARED:
            figures[name], previous[name] = _COMPARED[name](
                services, [period, period.previous()], channel
            )
        else:
            figures[name] = FAMILIES[name](services, period, channel)
    compared = tuple(name for name in names if name in _COMPARED)
    usual = baselines(services, compared, now=now, channel=channel)
    scaled = {name: scale_counts(usual[name], days) for name in compared}
    if subject == "summary":
        return figures, previous, scaled
    return figures[subject], previous.get(subject, {}), scaled.get(subject, {})


def compared_message(
    services: Services, subject: str, *, days: int, channel: str | None
) -> dict[str, Any]:
    """The `/kpi` message: the figures, each with its change against last period and baseline."""
    figures, previous, usual = compared_answer(services, subject, days=days, channel=channel)
    return build_kpi_message(
        subject, figures, days=days, channel_id=channel, previous=previous, baseline=usual
    )
