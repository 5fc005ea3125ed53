"""One engine, two renderings: the answer behind `/kpi SUBJECT` and `baton kpi SUBJECT --json`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.core.errors import InvalidInput
from bot.kpi.blockers import blocker_answer
from bot.kpi.escalations import escalation_answer
from bot.kpi.latency import latency_answer
from bot.kpi.nps_rounds import nps_answer
from bot.kpi.period import Period
from bot.kpi.subjects import SUBJECTS
from bot.runtime.services import Services

Family = Callable[[Services, Period, str | None], dict[str, Any]]

# The families `summary` gathers, in the order they are shown.
FAMILIES: dict[str, Family] = {
    "escalations": escalation_answer,
    "blockers": blocker_answer,
    "latency": latency_answer,
    "nps": nps_answer,
}


def check_subject(subject: str) -> None:
    """InvalidInput unless `subject` is one /kpi answers."""
    if subject not in SUBJECTS:
        raise InvalidInput(f"Unknown subject `{subject}`: use one of {', '.join(SUBJECTS)}.")


def answer(
    services: Services, subject: str = "summary", *, days: int = 7, channel: str | None = None
) -> dict[str, Any]:
    """The figures of `subject` over the `days`×24 hours before now, as a JSON-ready dict."""
    check_subject(subject)
    period = Period.ending(services.now(), days)
    if subject == "summary":
        return {name: family(services, period, channel) for name, family in FAMILIES.items()}
    return FAMILIES[subject](services, period, channel)
