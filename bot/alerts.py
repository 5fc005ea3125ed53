"""Threshold alerts: rules over KPI values, evaluated hourly, posted when they change.

Each rule is a plain function from values to Findings (breaching or not). The clock claims each
rule once per hour; a finding then moves its (rule, subject) state with a conditional UPDATE:
OK → breaching posts the alert, breaching → OK posts the recovery, and a breach that lasts is
posted again at most once per BATON_ALERT_REPEAT. A post Slack refuses undoes its state change,
so the next hour tries again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

import pandas as pd

from bot.alerts_config import (
    BLOCKER_OVERDUE,
    ESCALATIONS_PER_SPRINT,
    LATENCY_ABOVE_SLA,
    NPS_BELOW,
    RULES,
    UNACKNOWLEDGED_ESCALATION,
    WITHIN_SLA_BELOW,
    duration_words,
)
from bot.blocks.common import slack_date
from bot.business_time import BusinessCalendar
from bot.durations import Duration
from bot.kpi.deadlines import deadlines
from bot.kpi.weekly import first_monday
from bot.scheduler import Work, run_once
from bot.services import Services
from bot.severity import Severity
from bot.slack_client import error_code
from storage import alerts as store
from storage import weekly as queries

log = logging.getLogger(__name__)

TEAM = "team"
JOB = "alert"

# What a finding's value is, for rendering: a count, seconds, a rate (0–1) or an NPS score.
COUNT, SECONDS, RATE, SCORE = "count", "seconds", "rate", "score"


@dataclass(frozen=True)
class Finding:
    """What one rule says about one subject now."""

    rule: str
    subject: str
    breaching: bool
    title: str
    value: float | None
    threshold: float
    unit: str
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
            unit=SCORE,
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
            unit=SECONDS,
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
            unit=RATE,
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
            unit=COUNT,
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
                threshold_text=duration_words(sla),
                value=(now - created).total_seconds(),
                threshold=(due - created).total_seconds(),
                unit=SECONDS,
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
                threshold_text=duration_words(timeout),
                value=(now - row["created_at"]).total_seconds(),
                threshold=(due - row["created_at"]).total_seconds(),
                unit=SECONDS,
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


# -- transitions ---------------------------------------------------------------------------

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


# -- evaluation ----------------------------------------------------------------------------


class _Context:
    """Values several rules share, computed once per evaluation."""

    def __init__(self, services: Services, now: datetime) -> None:
        self.services = services
        self.now = now
        self._baselines: dict[str, dict[str, float | None]] | None = None
        self._latency: dict[str, Any] | None = None
        self._start: date | None = None
        self._start_known = False

    @property
    def start(self) -> date | None:
        from bot.kpi.history import measurement_start

        if not self._start_known:
            self._start = measurement_start(self.services)
            self._start_known = True
        return self._start

    def baseline(self, family: str, key: str) -> float | None:
        from bot.kpi.history import baselines

        if self._baselines is None:
            self._baselines = baselines(
                self.services,
                ("escalations", "blockers", "latency", "nps"),
                now=self.now,
                start=self.start,
            )
        return self._baselines.get(family, {}).get(key)

    def latency(self) -> dict[str, Any]:
        from bot.kpi.history import latency_period

        if self._latency is None:
            self._latency = latency_period(
                self.services, start=self.now - timedelta(days=7), end=self.now
            )
        return self._latency


def _nps(ctx: _Context) -> list[Finding]:
    from bot.kpi.history import latest_closed_score

    rules = ctx.services.settings.alert_rules
    score = latest_closed_score(ctx.services, ctx.now)
    return nps_rule(score, threshold=rules.nps_below, baseline=ctx.baseline("nps", "score"))


def _latency(ctx: _Context) -> list[Finding]:
    settings = ctx.services.settings
    sla = settings.alert_rules.latency_above or settings.response_sla
    key = "median_business_seconds" if sla.is_business else "median_seconds"
    return latency_rule(
        ctx.latency().get(key),
        threshold_seconds=sla.business_seconds(settings.calendar),
        baseline=ctx.baseline("latency", key),
        business=sla.is_business,
    )


def _within_sla(ctx: _Context) -> list[Finding]:
    rules = ctx.services.settings.alert_rules
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


def _sprint(ctx: _Context) -> list[Finding]:
    from bot.digest_schedule import local_midnight

    settings = ctx.services.settings
    if ctx.start is None:
        return []
    anchor = first_monday(ctx.start)
    first_day = current_sprint(anchor, ctx.now, settings.sprint_days, settings.calendar)
    with ctx.services.db.reading() as session:
        count = queries.escalations_created(
            session, start=local_midnight(first_day, settings.calendar.tz), end=ctx.now
        )
    return sprint_rule(
        count,
        weekly_baseline=ctx.baseline("escalations", "opened"),
        sprint_days=settings.sprint_days,
        factor=settings.alert_rules.escalations_factor,
        sprint_start=first_day,
    )


def _blockers(ctx: _Context) -> list[Finding]:
    settings = ctx.services.settings
    with ctx.services.db.reading() as session:
        rows = queries.open_blockers(session)
    created = pd.Series([row["created_at"] for row in rows], dtype="datetime64[ns, UTC]")
    due = deadlines(created, settings.blocker_sla, settings.calendar)
    items = [
        {"id": row["id"], "created_at": row["created_at"], "due_at": moment.to_pydatetime()}
        for row, moment in zip(rows, due, strict=True)
    ]
    return blocker_rule(
        items,
        now=ctx.now,
        sla=settings.blocker_sla,
        baseline=ctx.baseline("blockers", "median_resolve_seconds"),
    )


def _unacknowledged(ctx: _Context) -> list[Finding]:
    settings = ctx.services.settings
    severities = settings.alert_rules.unacknowledged_severities
    with ctx.services.db.reading() as session:
        rows = queries.unacknowledged_escalations(
            session, severities=[severity.value for severity in severities]
        )
    return unacknowledged_rule(
        rows,
        now=ctx.now,
        timeouts=settings.escalation_timeouts,
        calendar=settings.calendar,
        severities=severities,
        baseline=ctx.baseline("escalations", "mtta_seconds"),
    )


EVALUATORS: dict[str, Callable[[_Context], list[Finding]]] = {
    NPS_BELOW: _nps,
    LATENCY_ABOVE_SLA: _latency,
    WITHIN_SLA_BELOW: _within_sla,
    BLOCKER_OVERDUE: _blockers,
    ESCALATIONS_PER_SPRINT: _sprint,
    UNACKNOWLEDGED_ESCALATION: _unacknowledged,
}
# Rules about single items: a subject that no longer shows up has recovered.
ITEM_RULES = frozenset({BLOCKER_OVERDUE, UNACKNOWLEDGED_ESCALATION})


def enabled_rules(services: Services) -> list[str]:
    rules = services.settings.alert_rules
    return [rule for rule in RULES if rules.enabled(rule)]


def evaluate(services: Services, now: datetime) -> dict[str, list[Finding]]:
    """Every enabled rule's findings at `now`, without changing any state."""
    ctx = _Context(services, now)
    return {rule: EVALUATORS[rule](ctx) for rule in enabled_rules(services)}


def firing(services: Services, now: datetime) -> list[Finding]:
    """The findings breaching at `now`, rule by rule."""
    return [
        finding
        for findings in evaluate(services, now).values()
        for finding in findings
        if finding.breaching
    ]


# -- the hourly job ------------------------------------------------------------------------


def hour_of(now: datetime) -> str:
    return now.strftime("%Y-%m-%dT%H")


def run_alerts(services: Services, now: datetime) -> None:
    """Evaluate each enabled rule once this hour (claimed per rule and hour) and post changes."""
    settings = services.settings
    if not settings.alert_channels:
        return
    ctx = _Context(services, now)
    for rule in enabled_rules(services):
        work = Work(JOB, rule, hour_of(now))
        try:
            run_once(services, work, partial(_apply_rule, ctx, rule))
        except Exception:
            log.exception("alert rule %s failed; it runs again next tick", rule)


# At most this many alerts about single items go out per rule and evaluation; the rest are
# counted in one more message, so years of forgotten blockers never flood the channel.
MAX_ITEM_POSTS = 5


@dataclass(frozen=True)
class _Move:
    """A state change to make and post: a breach, a repeat or a recovery."""

    finding: Finding
    step: str
    state: Any  # the AlertState as read, or None for a subject never seen
    since: datetime


def _moves(ctx: _Context, rule: str) -> list[_Move]:
    """What the rule's findings change; values of unchanged states are noted on the way."""
    services, now = ctx.services, ctx.now
    settings = services.settings
    findings = EVALUATORS[rule](ctx)
    with services.db.reading() as session:
        known = store.states(session, rule)
    moves = []
    seen = set()
    for finding in findings:
        seen.add(finding.subject)
        state = known.get(finding.subject)
        repeat_due = None
        if state is not None and state.last_posted_at and settings.alert_repeat is not None:
            repeat_due = settings.alert_repeat.after(state.last_posted_at, settings.calendar)
        step = next_step(
            breaching_since=state.breaching_since if state else None,
            breaching=finding.breaching,
            repeat_due=repeat_due,
            now=now,
        )
        if step is None:
            if state is not None:
                with services.db.unit_of_work() as session:
                    store.note_value(
                        session, rule=rule, subject=finding.subject, value=finding.value, now=now
                    )
            continue
        since = (state.breaching_since if state and step == REPEAT else None) or now
        moves.append(_Move(finding, step, state, since))
    if rule in ITEM_RULES:
        gone = sorted(
            (state for subject, state in known.items() if subject not in seen),
            key=lambda state: _number(state.subject),
        )
        for state in gone:
            if state.breaching_since is not None:
                recovered = _recovered_item(rule, state.subject, state.last_value)
                moves.append(_Move(recovered, RECOVER, state, now))
    return moves


def _number(subject: str) -> int:
    tail = subject.partition(":")[2]
    return int(tail) if tail.isdigit() else 0


def _apply_rule(ctx: _Context, rule: str) -> None:
    failures = 0
    groups: dict[str, list[_Move]] = {}
    for move in _moves(ctx, rule):
        groups.setdefault(move.step, []).append(move)
    for step, moves in groups.items():
        alone = moves[:MAX_ITEM_POSTS] if rule in ITEM_RULES else moves
        for move in alone:
            if not _transition(ctx, move):
                failures += 1
        rest = moves[len(alone) :]
        if rest and not _summarize(ctx, rule, step, rest):
            failures += 1
    if failures:
        # The claim is given back: the next tick tries the posts that did not go out.
        raise RuntimeError(f"{failures} alert post(s) for {rule} failed")


def _recovered_item(rule: str, subject: str, value: float | None) -> Finding:
    kind, _, number = subject.partition(":")
    what = "Blocker" if kind == "blocker" else "Escalation"
    verb = "resolved" if kind == "blocker" else "acknowledged or resolved"
    return Finding(
        rule=rule,
        subject=subject,
        breaching=False,
        title=f"{what} #{number} {verb}",
        value=None,
        threshold=0.0,
        unit=SECONDS,
        extra={"previous": value},
    )


def _move_state(ctx: _Context, move: _Move) -> bool:
    """Make the state change; False when another clock made it first (and posts it)."""
    now = ctx.now
    finding = move.finding
    rule, subject, value = finding.rule, finding.subject, finding.value
    with ctx.services.db.unit_of_work() as session:
        if move.step == START:
            return store.start_breach(session, rule=rule, subject=subject, value=value, now=now)
        if move.step == RECOVER:
            return store.recover(session, rule=rule, subject=subject, value=value, now=now)
        return store.repeat_breach(
            session,
            rule=rule,
            subject=subject,
            value=value,
            now=now,
            last_posted_at=move.state.last_posted_at,
        )


def _undo(ctx: _Context, move: _Move) -> None:
    with ctx.services.db.unit_of_work() as session:
        store.restore(
            session,
            rule=move.finding.rule,
            subject=move.finding.subject,
            breaching_since=move.state.breaching_since if move.state else None,
            last_posted_at=move.state.last_posted_at if move.state else None,
            changed_at=ctx.now,
        )


def _transition(ctx: _Context, move: _Move) -> bool:
    """Move the state, post, and undo the move when no channel got the post; False then."""
    if not _move_state(ctx, move):
        return True
    if post_alert(ctx.services, move.finding, move.step, move.since):
        return True
    _undo(ctx, move)
    return False


def _summarize(ctx: _Context, rule: str, step: str, moves: list[_Move]) -> bool:
    """Move many item states at once and post one message counting them."""
    from bot.blocks.alerts import build_summary_message

    moved = [move for move in moves if _move_state(ctx, move)]
    if not moved:
        return True
    message = build_summary_message(rule, step, [move.finding for move in moved])
    if _post(ctx.services, message, f"{rule}/{step} summary"):
        return True
    for move in moved:
        _undo(ctx, move)
    return False


def post_alert(services: Services, finding: Finding, step: str, since: datetime) -> bool:
    """Post to every alert channel; True if at least one took it."""
    from bot.blocks.alerts import build_alert_message

    message = build_alert_message(finding, step=step, since=since)
    return _post(services, message, f"{finding.rule}/{finding.subject}")


def _post(services: Services, message: dict[str, Any], what: str) -> bool:
    delivered = False
    for channel in services.settings.alert_channels:
        try:
            services.client.chat_postMessage(channel=channel, **message)
            delivered = True
        except Exception as exc:
            log.warning("alert %s not posted to %s: %s", what, channel, error_code(exc))
    return delivered
