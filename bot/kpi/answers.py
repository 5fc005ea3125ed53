"""One engine, two renderings: the answer behind `/kpi SUBJECT` and `baton kpi SUBJECT --json`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.errors import InvalidInput
from bot.kpi.blockers import blocker_frame, blocker_kpis
from bot.kpi.deadlines import deadlines
from bot.kpi.escalations import escalation_frame, escalation_kpis
from bot.kpi.period import Period
from bot.latency.report import latency_answer
from bot.nps.report import nps_answer
from bot.services import Services
from storage import kpi as queries

Family = Callable[[Services, Period, str | None], dict[str, Any]]


def escalations(services: Services, period: Period, channel: str | None) -> dict[str, Any]:
    with services.db.reading() as session:
        rows = queries.escalation_rows(session, since=period.start, channel_id=channel)
    return escalation_kpis(escalation_frame(rows), period)


def blockers(services: Services, period: Period, channel: str | None) -> dict[str, Any]:
    settings = services.settings
    with services.db.reading() as session:
        rows = queries.blocker_rows(session, since=period.start, channel_id=channel)
    # Every deadline at once (bot.kpi.deadlines): the same moments as Duration.after() row by
    # row, a hundred times faster over the open blockers of a long history.
    frame = blocker_frame(rows, lambda created: created)
    frame["due_at"] = deadlines(frame["created_at"], settings.blocker_sla, settings.calendar)
    return blocker_kpis(frame, period)


# The families `summary` gathers, in the order they are shown.
FAMILIES: dict[str, Family] = {
    "escalations": escalations,
    "blockers": blockers,
    "latency": latency_answer,
    "nps": nps_answer,
}
SUBJECTS = ("summary", *FAMILIES)


def answer(
    services: Services, subject: str = "summary", *, days: int = 7, channel: str | None = None
) -> dict[str, Any]:
    """The figures of `subject` over the `days`×24 hours before now, as a JSON-ready dict."""
    period = Period.ending(services.now(), days)
    if subject == "summary":
        return {name: family(services, period, channel) for name, family in FAMILIES.items()}
    family = FAMILIES.get(subject)
    if family is None:
        raise InvalidInput(f"Unknown subject `{subject}`: use one of {', '.join(SUBJECTS)}.")
    return family(services, period, channel)
