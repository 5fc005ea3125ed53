"""The weekly digest, computed: headlines, weekly frames and charts, before any rendering.

The digest covers one full week, Monday to Sunday in BATON_TIMEZONE. Its cost is bounded: the
charts read a fixed window of recent weeks (BATON_DIGEST_WEEKS, 12) and the baselines a fixed set
of early weeks, kept in the database once final; nothing reads the whole history.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.alerts.evaluate import firing
from bot.alerts.rules import Finding
from bot.blockers.flows import card_of
from bot.blockers.rules import BlockerCard
from bot.core.formatting import Unit
from bot.core.lazy import lazy_module
from bot.digest.charts import Chart, activity_chart, latency_chart, nps_chart
from bot.escalations.flows import snapshot
from bot.escalations.rules import Snapshot
from bot.kpi import history
from bot.kpi.scorecard import Scorecard, scorecard
from bot.kpi.subjects import FAMILY_NAMES
from bot.kpi.weekly import Weeks, row, trend
from bot.runtime.services import Services
from storage import blockers as blocker_store
from storage import escalations as escalation_store

if TYPE_CHECKING:
    import pandas as pd
else:
    pd = lazy_module("pandas")

OLDEST_SHOWN = 5


@dataclass(frozen=True)
class Headline:
    """One number of the week, with what it is compared against."""

    key: str
    label: str
    unit: Unit
    value: float | None
    previous: float | None
    baseline: float | None
    trend: float | None = None


@dataclass
class Digest:
    """Everything one week's digest shows, computed; rendering and posting come after."""

    week: date
    timezone: str
    built_at: datetime
    start: date | None
    baseline_first: date | None
    baseline_weeks: int
    headlines: dict[str, list[Headline]]
    not_measured: list[str]
    alerts: list[Finding]
    oldest_escalations: list[Snapshot]
    open_escalations: int
    oldest_blockers: list[BlockerCard]
    open_blockers: int
    weekly: dict[str, pd.DataFrame]
    nps_rounds: pd.DataFrame
    baselines: dict[str, dict[str, float | None]]
    sla_seconds: float
    sla_text: str
    sla_business: bool
    within_threshold: float
    nps_threshold: float
    escalation_factor: float
    weeks: Weeks = field(repr=False)
    # The whole scorecard as of the digest; the channel is shown its public part.
    scorecard: Scorecard | None = field(default=None, repr=False)

    @property
    def week_end(self) -> date:
        """The Sunday that ends the week."""
        return self.week + timedelta(days=6)


def _latency_keys(business: bool) -> list[tuple[str, str, Unit]]:
    kind = "business time" if business else "wall clock"
    suffix = "_business" if business else ""
    return [
        (f"median{suffix}_seconds", f"Median wait ({kind})", Unit.SECONDS),
        (f"p90{suffix}_seconds", f"90th percentile wait ({kind})", Unit.SECONDS),
        ("within_sla_rate", "Answered within SLA", Unit.RATE),
        ("unanswered", "Unanswered", Unit.COUNT),
    ]


HEADLINES: dict[str, list[tuple[str, str, Unit]]] = {
    "escalations": [
        ("opened", "Opened", Unit.COUNT),
        ("open_now", "Open at the week's end", Unit.COUNT),
        ("mtta_seconds", "Mean time to acknowledge", Unit.SECONDS),
        ("mttr_seconds", "Mean time to resolve", Unit.SECONDS),
    ],
    "blockers": [
        ("opened", "Raised", Unit.COUNT),
        ("resolved", "Resolved", Unit.COUNT),
        ("resolution_rate", "Resolved within SLA", Unit.RATE),
        ("median_resolve_seconds", "Median time to resolve", Unit.SECONDS),
        ("overdue", "Past the SLA at the week's end", Unit.COUNT),
    ],
    "nps": [
        ("score", "NPS of the latest round", Unit.SCORE),
        ("response_rate", "Response rate", Unit.RATE),
    ],
}


def build_digest(services: Services, week: date, *, now: datetime | None = None) -> Digest:
    """Compute the digest of the week starting on the Monday `week`."""
    settings = services.settings
    now = now or services.now()
    tz = settings.calendar.tz
    weeks = Weeks.ending(week, settings.digest.weeks, tz)
    start = history.measurement_start(services)
    measured = [family for family in FAMILY_NAMES if history.measured(family)]
    weekly = {
        family: history.weekly(services, family, weeks, as_of=now, start=start)
        for family in measured
        if family in history.WEEK_ROWS
    }
    rounds = (
        history.weekly(services, "nps", weeks, as_of=now, start=start)
        if "nps" in measured
        else pd.DataFrame(columns=["score", "response_rate", "responses", "invited", "round"])
    )
    baselines = history.baselines(services, tuple(measured), now=now, start=start)
    sla = settings.alerts.rules.latency_above or settings.latency.response_sla
    headlines: dict[str, list[Headline]] = {}
    for family in measured:
        if family == "nps":
            headlines[family] = _nps_headlines(rounds, weeks, baselines.get("nps", {}))
        else:
            keys = _latency_keys(sla.is_business) if family == "latency" else HEADLINES[family]
            headlines[family] = _week_headlines(weekly[family], week, keys, baselines[family])
    not_measured = [family for family in FAMILY_NAMES if family not in measured]
    if start is None:
        not_measured = list(FAMILY_NAMES)
    elif "latency" in weekly and weekly["latency"]["waiting"].isna().all():
        not_measured.append("latency")
    if "nps" in measured and rounds.empty and "nps" not in not_measured:
        not_measured.append("nps")
    with services.db.reading() as session:
        oldest_escalations = [
            snapshot(row) for row in escalation_store.open_escalations(session, limit=OLDEST_SHOWN)
        ]
        oldest_blockers = [
            card_of(row) for row in blocker_store.open_blockers(session, limit=OLDEST_SHOWN)
        ]
        open_escalations = escalation_store.count_open(session)
        open_blockers = blocker_store.count_open(session)
    window = history.baseline_weeks(services, start)
    return Digest(
        week=week,
        timezone=tz.key,
        built_at=now,
        start=start,
        baseline_first=window.first if window else None,
        baseline_weeks=settings.kpi.baseline_weeks,
        headlines=headlines,
        not_measured=[family for family in FAMILY_NAMES if family in not_measured],
        alerts=firing(services, now),
        oldest_escalations=oldest_escalations,
        open_escalations=open_escalations,
        oldest_blockers=oldest_blockers,
        open_blockers=open_blockers,
        weekly=weekly,
        nps_rounds=rounds,
        baselines=baselines,
        sla_seconds=sla.business_seconds(settings.calendar),
        sla_text=sla.words,
        sla_business=sla.is_business,
        within_threshold=settings.alerts.rules.within_sla_below,
        nps_threshold=settings.alerts.rules.nps_below,
        escalation_factor=settings.alerts.rules.escalations_factor,
        weeks=weeks,
        scorecard=scorecard(services, now),
    )


def _week_headlines(
    frame: pd.DataFrame,
    week: date,
    keys: list[tuple[str, str, Unit]],
    baseline: dict[str, float | None],
) -> list[Headline]:
    this, before = row(frame, week), row(frame, week - timedelta(weeks=1))
    end = week + timedelta(weeks=1)
    return [
        Headline(
            key=key,
            label=label,
            unit=unit,
            value=this.get(key),
            previous=before.get(key),
            baseline=baseline.get(key),
            trend=trend(frame[key], end),
        )
        for key, label, unit in keys
    ]


def _nps_headlines(
    rounds: pd.DataFrame, weeks: Weeks, baseline: dict[str, float | None]
) -> list[Headline]:
    """The latest round started by the week's end, against the round before it."""
    shown = rounds[rounds.index < pd.Timestamp(weeks.last + timedelta(weeks=1))]
    latest = shown.iloc[-1] if len(shown) else None
    before = shown.iloc[-2] if len(shown) > 1 else None
    end = weeks.last + timedelta(weeks=1)
    result = []
    for key, label, unit in HEADLINES["nps"]:
        result.append(
            Headline(
                key=key,
                label=label,
                unit=unit,
                value=_float(latest[key]) if latest is not None else None,
                previous=_float(before[key]) if before is not None else None,
                baseline=baseline.get(key),
                trend=trend(shown[key], end) if len(shown) else None,
            )
        )
    return result


def _float(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def subtitle(digest: Digest) -> str:
    """`12 weeks to Sun 22 Nov 2026 · America/New_York`."""
    return f"{digest.weeks.count} weeks to {digest.week_end:%a %d %b %Y} · {digest.timezone}"


def build_charts(digest: Digest) -> list[Chart]:
    """The digest's charts; a chart of families all not measured yet is not drawn (the message
    says so)."""
    charts = []
    label = subtitle(digest)
    if "latency" not in digest.not_measured and "latency" in digest.weekly:
        charts.append(
            latency_chart(
                digest.weekly["latency"],
                sla_seconds=digest.sla_seconds,
                sla_text=digest.sla_text,
                within_threshold=digest.within_threshold,
                business=digest.sla_business,
                subtitle=label,
            )
        )
    nothing_recorded = {"escalations", "blockers"} <= set(digest.not_measured)
    if "escalations" in digest.weekly and "blockers" in digest.weekly and not nothing_recorded:
        charts.append(
            activity_chart(
                digest.weekly["escalations"],
                digest.weekly["blockers"],
                escalation_baseline=digest.baselines.get("escalations", {}).get("opened"),
                alert_factor=digest.escalation_factor,
                blocker_baseline=digest.baselines.get("blockers", {}).get("opened"),
                subtitle=label,
            )
        )
    if "nps" not in digest.not_measured:
        charts.append(
            nps_chart(
                digest.nps_rounds,
                threshold=digest.nps_threshold,
                mondays=digest.weeks.mondays,
                subtitle=label,
            )
        )
    return charts
