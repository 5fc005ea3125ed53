"""Threshold alert rules: plain functions from KPI values to findings, breaching or not.

What each finding then does (post an alert, a repeat, a recovery) is decided by `next_step`
from the state the database keeps for its rule and subject.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from bot.config.alerts import (
    BLOCKER_OVERDUE,
    ESCALATIONS_PER_SPRINT,
    LATENCY_ABOVE_SLA,
    NPS_BELOW,
    SCORECARD_RULE,
    UNACKNOWLEDGED_ESCALATION,
    WITHIN_SLA_BELOW,
)
from bot.config.scorecard import PEOPLE_KPIS
from bot.core.blocks import slack_date
from bot.core.business_time import BusinessCalendar
from bot.core.durations import Duration
from bot.core.formatting import Unit
from bot.core.severity import Severity
from bot.kpi.scorecard import RED, UNITS, Kpi
from bot.kpi.scorecard_blocks import TITLES, threshold_text

TEAM = "team"


@dataclass(frozen=True)
class Finding:
    """What one rule says about one subject now."""

    rule: str
    subject: str
    breaching: bool
    title: str
    value: float | None
    threshold: float
    unit: Unit
    baseline: float | None = None
    look_at: str = ""
    # The threshold as a reader knows it ("2 business days"), when the number alone misleads.
    threshold_text: str | None = None
    # Words a reader needs for an item (which blocker, whose escalation); never message text.
    detail: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)


# -- rules: plain values in, findings out ---------------------------------------------------


def nps_rule(score: float | None, *, threshold: float, baseline: float | None) -> list[Finding]:
    """Internal NPS of the latest closed round below the threshold (default 50)."""
    if score is None:
        return []
    return [
        Finding(
            rule=NPS_BELOW,
            subject=TEAM,
            breaching=score < threshold,
            title=f"Internal NPS below {threshold:g}",
            value=score,
            threshold=threshold,
            unit=Unit.SCORE,
            baseline=baseline,
            look_at="the latest round's comments (`/kpi nps`) and a conversation with the leads "
            "of both sides: NPS below 50 signals a communication breakdown.",
        )
    ]


def latency_rule(
    median_seconds: float | None,
    *,
    threshold_seconds: float,
    baseline: float | None,
    business: bool,
) -> list[Finding]:
    """Median response latency of the last 7 days above the response SLA."""
    if median_seconds is None:
        return []
    kind = "business " if business else ""
    return [
        Finding(
            rule=LATENCY_ABOVE_SLA,
            subject=TEAM,
            breaching=median_seconds > threshold_seconds,
            title=f"Median {kind}response time above the SLA",
            value=median_seconds,
            threshold=threshold_seconds,
            unit=Unit.SECONDS,
            baseline=baseline,
            look_at="`/kpi latency` by channel and by direction: which side waits, in which "
            "channels, and whether working hours overlap enough.",
        )
    ]


def within_sla_rule(
    rate: float | None, *, threshold: float, baseline: float | None
) -> list[Finding]:
    """Share of questions answered within the SLA, last 7 days, below the threshold (80%)."""
    if rate is None:
        return []
    return [
        Finding(
            rule=WITHIN_SLA_BELOW,
            subject=TEAM,
            breaching=rate < threshold,
            title=f"Fewer than {threshold * 100:.0f}% of questions answered within the SLA",
            value=rate,
            threshold=threshold,
            unit=Unit.RATE,
            baseline=baseline,
            look_at="`/kpi latency` by channel: the channels where questions wait past the SLA, "
            "and who is mentioned there.",
        )
    ]


def sprint_rule(
    count: int,
    *,
    weekly_baseline: float | None,
    sprint_days: int,
    factor: float,
    sprint_start: date,
) -> list[Finding]:
    """Escalations in the current sprint above factor × their baseline for a sprint."""
    if weekly_baseline is None:
        return []
    baseline = weekly_baseline * sprint_days / 7
    threshold = factor * baseline
    return [
        Finding(
            rule=ESCALATIONS_PER_SPRINT,
            subject=TEAM,
            breaching=count > threshold,
            title=f"Escalations this sprint above {factor:g}× the baseline",
            value=float(count),
            threshold=threshold,
            unit=Unit.COUNT,
            baseline=baseline,
            look_at=f"`/kpi escalations {sprint_days}d`: their severities and channels, for a "
            "common cause (a release, a dependency, a hand-over).",
            detail=f"sprint of {sprint_days} days started {sprint_start:%a %d %b}",
        )
    ]


def blocker_rule(
    blockers: Iterable[Mapping[str, Any]],
    *,
    now: datetime,
    sla: Duration,
    baseline: float | None,
) -> list[Finding]:
    """Every open blocker past its SLA; each blocker has id, created_at and due_at."""
    findings = []
    for row in sorted(blockers, key=lambda item: (item["created_at"], item["id"])):
        created, due = row["created_at"], row["due_at"]
        if due > now:
            continue
        findings.append(
            Finding(
                rule=BLOCKER_OVERDUE,
                subject=f"blocker:{row['id']}",
                breaching=True,
                title=f"Blocker #{row['id']} open past its SLA",
                threshold_text=sla.words,
                value=(now - created).total_seconds(),
                threshold=(due - created).total_seconds(),
                unit=Unit.SECONDS,
                baseline=baseline,
                look_at="`/blocker list` in its channel: who it waits on, and whether to "
                "escalate it (`/escalate`). Baseline: the median time to resolve a blocker.",
                detail=f"raised {slack_date(created)}",
                extra={"blocker_id": int(row["id"])},
            )
        )
    return findings


def unacknowledged_rule(
    escalations: Iterable[Mapping[str, Any]],
    *,
    now: datetime,
    timeouts: Mapping[Severity, Duration],
    calendar: BusinessCalendar,
    severities: frozenset[Severity],
    baseline: float | None,
) -> list[Finding]:
    """Every open sev1/sev2 (by default) escalation nobody acknowledged within its timeout."""
    findings = []
    for row in sorted(escalations, key=lambda item: item["created_at"]):
        severity = Severity(row["severity"])
        if severity not in severities:
            continue
        timeout = timeouts[severity]
        due = timeout.after(row["created_at"], calendar)
        if due > now:
            continue
        findings.append(
            Finding(
                rule=UNACKNOWLEDGED_ESCALATION,
                subject=f"escalation:{row['id']}",
                breaching=True,
                title=f"{severity.label} escalation #{row['id']} unacknowledged past its timeout",
                threshold_text=timeout.words,
                value=(now - row["created_at"]).total_seconds(),
                threshold=(due - row["created_at"]).total_seconds(),
                unit=Unit.SECONDS,
                baseline=baseline,
                look_at="the escalation's message: acknowledge it, or hand it to someone who "
                "can. Baseline: the mean time to acknowledge.",
                detail=f"waiting on {_user(row.get('assignee_id'))}",
                extra={"escalation_id": int(row["id"]), "title": row.get("title") or ""},
            )
        )
    return findings


def _user(user_id: str | None) -> str:
    return f"<@{user_id}>" if user_id else "nobody"


START, REPEAT, RECOVER = "breach", "repeat", "recover"


def next_step(
    *,
    breaching_since: datetime | None,
    breaching: bool,
    repeat_due: datetime | None,
    now: datetime,
) -> str | None:
    """What to post for a finding given its state: a breach, a repeat, a recovery, or nothing.

    `repeat_due` is when a lasting breach may be posted again (None: never).
    """
    if breaching and breaching_since is None:
        return START
    if not breaching and breaching_since is not None:
        return RECOVER
    if breaching and repeat_due is not None and now >= repeat_due:
        return REPEAT
    return None


def scorecard_rule(kpi: Kpi, *, masked: bool) -> list[Finding]:
    """A scorecard KPI that is red. `masked`: a finance or people KPI, which a channel is told
    only by its kind (the leads and admins see it with `/kpi scorecard`)."""
    if not kpi.known:
        return []
    kind = "people" if kpi.name in PEOPLE_KPIS else "finance"
    title = (
        f"A {kind} KPI of the transfer-readiness scorecard is red"
        if masked
        else f"Scorecard: {TITLES[kpi.name]} is red"
    )
    unit = {"rate": Unit.RATE, "rate_per_year": Unit.RATE, "score": Unit.SCORE}.get(
        UNITS[kpi.name], Unit.COUNT
    )
    return [
        Finding(
            rule=SCORECARD_RULE + kpi.name,
            subject=TEAM,
            breaching=kpi.status == RED,
            title=title,
            value=None if masked else kpi.value,
            threshold=kpi.band.amber if kpi.band.amber is not None else kpi.band.green or 0.0,
            unit=unit,
            threshold_text="shown to the leads and admins" if masked else threshold_text(kpi),
            look_at="`/kpi scorecard`: the KPI's line says what its value rests on"
            + (" (shown to the leads and admins)." if masked else "."),
        )
    ]
