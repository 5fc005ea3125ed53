"""Evaluating the alert rules: the KPI values each rule needs, read once per evaluation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.alerts.rules import (
    Finding,
    blocker_rule,
    latency_rule,
    nps_rule,
    scorecard_rule,
    sprint_rule,
    unacknowledged_rule,
    within_sla_rule,
)
from bot.config.alerts import (
    BLOCKER_OVERDUE,
    ESCALATIONS_PER_SPRINT,
    LATENCY_ABOVE_SLA,
    NPS_BELOW,
    RULES,
    SCORECARD_RULE,
    UNACKNOWLEDGED_ESCALATION,
    WITHIN_SLA_BELOW,
)
from bot.config.scorecard import KPI_NAMES
from bot.core.business_time import BusinessCalendar
from bot.core.lazy import lazy_module
from bot.core.weeks import local_midnight
from bot.kpi.deadlines import deadlines
from bot.kpi.history import baselines, latency_period, latest_closed_score, measurement_start
from bot.kpi.scorecard import SENSITIVE, Scorecard, scorecard
from bot.kpi.subjects import FAMILY_NAMES
from bot.kpi.weekly import first_monday
from bot.runtime.services import Services
from storage import blockers as blocker_store
from storage import escalations as escalation_store

if TYPE_CHECKING:
    import pandas as pd
else:
    pd = lazy_module("pandas")


class Context:
    """Values several rules share, computed once per evaluation."""

    def __init__(self, services: Services, now: datetime) -> None:
        self.services = services
        self.now = now
        self._baselines: dict[str, dict[str, float | None]] | None = None
        self._latency: dict[str, Any] | None = None
        self._start: date | None = None
        self._start_known = False
        self._scorecard: Scorecard | None = None

    @property
    def start(self) -> date | None:
        if not self._start_known:
            self._start = measurement_start(self.services)
            self._start_known = True
        return self._start

    def baseline(self, family: str, key: str) -> float | None:
        if self._baselines is None:
            self._baselines = baselines(
                self.services,
                FAMILY_NAMES,
                now=self.now,
                start=self.start,
            )
        return self._baselines.get(family, {}).get(key)

    def scorecard(self) -> Scorecard:
        if self._scorecard is None:
            self._scorecard = scorecard(self.services, self.now)
        return self._scorecard

    def latency(self) -> dict[str, Any]:
        if self._latency is None:
            self._latency = latency_period(
                self.services, start=self.now - timedelta(days=7), end=self.now
            )
        return self._latency


def _nps(ctx: Context) -> list[Finding]:
    rules = ctx.services.settings.alerts.rules
    score = latest_closed_score(ctx.services, ctx.now)
    return nps_rule(score, threshold=rules.nps_below, baseline=ctx.baseline("nps", "score"))


def _latency(ctx: Context) -> list[Finding]:
    settings = ctx.services.settings
    sla = settings.alerts.rules.latency_above or settings.latency.response_sla
    key = "median_business_seconds" if sla.is_business else "median_seconds"
    return latency_rule(
        ctx.latency().get(key),
        threshold_seconds=sla.business_seconds(settings.calendar),
        baseline=ctx.baseline("latency", key),
        business=sla.is_business,
    )


def _within_sla(ctx: Context) -> list[Finding]:
    rules = ctx.services.settings.alerts.rules
    return within_sla_rule(
        ctx.latency().get("within_sla_rate"),
        threshold=rules.within_sla_below,
        baseline=ctx.baseline("latency", "within_sla_rate"),
    )


def current_sprint(anchor: date, now: datetime, days: int, calendar: BusinessCalendar) -> date:
    """The first day of the sprint holding `now`, sprints of `days` days from `anchor`."""
    today = now.astimezone(calendar.tz).date()
    if today < anchor:
        return anchor
    return anchor + timedelta(days=(today - anchor).days // days * days)


def _sprint(ctx: Context) -> list[Finding]:
    settings = ctx.services.settings
    if ctx.start is None:
        return []
    anchor = first_monday(ctx.start)
    first_day = current_sprint(anchor, ctx.now, settings.kpi.sprint_days, settings.calendar)
    with ctx.services.db.reading() as session:
        count = escalation_store.count_created(
            session, start=local_midnight(first_day, settings.calendar.tz), end=ctx.now
        )
    return sprint_rule(
        count,
        weekly_baseline=ctx.baseline("escalations", "opened"),
        sprint_days=settings.kpi.sprint_days,
        factor=settings.alerts.rules.escalations_factor,
        sprint_start=first_day,
    )


def _blockers(ctx: Context) -> list[Finding]:
    settings = ctx.services.settings
    with ctx.services.db.reading() as session:
        opened = [(row.id, row.created_at) for row in blocker_store.open_blockers(session)]
    created = pd.Series([moment for _, moment in opened], dtype="datetime64[ns, UTC]")
    due = deadlines(created, settings.blockers.sla, settings.calendar)
    items = [
        {"id": number, "created_at": moment, "due_at": deadline.to_pydatetime()}
        for (number, moment), deadline in zip(opened, due, strict=True)
    ]
    return blocker_rule(
        items,
        now=ctx.now,
        sla=settings.blockers.sla,
        baseline=ctx.baseline("blockers", "median_resolve_seconds"),
    )


def _unacknowledged(ctx: Context) -> list[Finding]:
    settings = ctx.services.settings
    severities = settings.alerts.rules.unacknowledged_severities
    with ctx.services.db.reading() as session:
        rows = [
            {
                "id": row.id,
                "severity": row.severity,
                "title": row.title,
                "assignee_id": row.assignee_id,
                "created_at": row.created_at,
            }
            for row in escalation_store.unacknowledged(
                session, severities=[severity.value for severity in severities]
            )
        ]
    return unacknowledged_rule(
        rows,
        now=ctx.now,
        timeouts=settings.escalations.timeouts,
        calendar=settings.calendar,
        severities=severities,
        baseline=ctx.baseline("escalations", "mtta_seconds"),
    )


EVALUATORS: dict[str, Callable[[Context], list[Finding]]] = {
    NPS_BELOW: _nps,
    LATENCY_ABOVE_SLA: _latency,
    WITHIN_SLA_BELOW: _within_sla,
    BLOCKER_OVERDUE: _blockers,
    ESCALATIONS_PER_SPRINT: _sprint,
    UNACKNOWLEDGED_ESCALATION: _unacknowledged,
}


def _scorecard_rule(kpi: str) -> Callable[[Context], list[Finding]]:
    def evaluate(ctx: Context) -> list[Finding]:
        return scorecard_rule(ctx.scorecard().kpis[kpi], masked=kpi in SENSITIVE)

    return evaluate


EVALUATORS.update({SCORECARD_RULE + kpi: _scorecard_rule(kpi) for kpi in KPI_NAMES})
# Rules about single items: a subject that no longer shows up has recovered.
ITEM_RULES = frozenset({BLOCKER_OVERDUE, UNACKNOWLEDGED_ESCALATION})


def enabled_rules(services: Services) -> list[str]:
    rules = services.settings.alerts.rules
    return [rule for rule in RULES if rules.enabled(rule)]


def evaluate(services: Services, now: datetime) -> dict[str, list[Finding]]:
    """Every enabled rule's findings at `now`, without changing any state."""
    ctx = Context(services, now)
    return {rule: EVALUATORS[rule](ctx) for rule in enabled_rules(services)}


def firing(services: Services, now: datetime) -> list[Finding]:
    """The findings breaching at `now`, rule by rule."""
    return [
        finding
        for findings in evaluate(services, now).values()
        for finding in findings
        if finding.breaching
    ]
