"""The transfer-readiness scorecard: every KPI green, amber, red or unknown, and readiness.

The rules first, as plain functions over check-ins and figures (each KPI's formula and colour as
the README states them), then the one function that reads what they need from the database.

"The last k sprints" are the ended sprints, newest first, skipping those whose check-in lacks a
number the formula uses, until k are found (fewer when fewer exist). With none, or a zero
denominator, the KPI is unknown and says what data would make it known.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from bot.checkins.flows import values_of
from bot.checkins.rules import Sprints
from bot.config.scorecard import FINANCE_KPIS, KPI_NAMES, PEOPLE_KPIS, Band, Better
from bot.core.weeks import local_midnight
from bot.kpi.blockers import blocker_answer
from bot.kpi.history import baselines, measurement_start
from bot.kpi.latency import latency_answer
from bot.kpi.nps_rounds import nps_answer
from bot.kpi.period import Period
from bot.runtime.services import Services
from storage import checkins as checkin_store
from storage import escalations as escalation_store

GREEN, AMBER, RED, UNKNOWN = "green", "amber", "red", "unknown"
# Knowledge transfer below its line this close to the Transfer (or past it) is red.
KT_RED_WITHIN_DAYS = 92
# A flat or falling velocity is a warning only once operation is this old.
VELOCITY_GRACE_DAYS = 90
PROJECTION_MIN_SPRINTS = 3
VELOCITY_MIN_SPRINTS = 3
NPS_ROUNDS_WINDOW_DAYS = 365

UNITS = {
    "nps": "score",
    "response_latency": "rate",
    "blocker_resolution_rate": "rate",
    "escalations_per_sprint": "ratio",
    "velocity_trend": "points_per_sprint",
    "milestones_on_schedule": "rate",
    "kt_completion": "rate",
    "first_time_fix_rate": "rate",
    "burn_vs_forecast": "ratio",
    "budget_vs_milestones": "points",
    "key_role_attrition": "rate_per_year",
    "deployment_frequency": "per_week",
    "lead_time_for_changes": "hours",
    "change_failure_rate": "rate",
    "time_to_restore": "hours",
}
SENSITIVE = frozenset(FINANCE_KPIS + PEOPLE_KPIS)


@dataclass(frozen=True)
class Sprinted:
    """One ended sprint's check-in: its number, its length in days, its numbers."""

    sprint: int
    end: date
    days: int
    values: Mapping[str, float | None]


@dataclass(frozen=True)
class Projection:
    """Where a KPI's least-squares line is at the Transfer date, and the sprints it rests on."""

    at: date
    value: float
    sprints: tuple[int, ...]


@dataclass(frozen=True)
class Kpi:
    """One KPI of the scorecard."""

    name: str
    status: str
    value: float | None
    band: Band
    reason: str | None = None
    projection: Projection | None = None
    sprints: tuple[int, ...] = ()  # the sprints a check-in KPI rests on

    @property
    def known(self) -> bool:
        return self.status != UNKNOWN


@dataclass(frozen=True)
class Scorecard:
    """Every KPI as of a day; `hidden` are those left out of what someone is shown, which still
    count in readiness."""

    as_of: date
    operate_start: date | None
    transfer_date: date | None
    kpis: Mapping[str, Kpi] = field(default_factory=dict)
    hidden: Mapping[str, Kpi] = field(default_factory=dict)

    @property
    def days_to_transfer(self) -> int | None:
        return None if self.transfer_date is None else (self.transfer_date - self.as_of).days

    @property
    def readiness(self) -> float | None:
        """Green KPIs ÷ known KPIs; None when none is known."""
        known = [kpi for kpi in (*self.kpis.values(), *self.hidden.values()) if kpi.known]
        if not known:
            return None
        return sum(1 for kpi in known if kpi.status == GREEN) / len(known)

    def shown_to(self, everything: bool) -> Scorecard:
        """The scorecard without its finance and people KPIs unless `everything` (leads and
        admins see them)."""
        if everything:
            return self
        shown = {name: kpi for name, kpi in self.kpis.items() if name not in SENSITIVE}
        hidden = {name: kpi for name, kpi in self.kpis.items() if name in SENSITIVE}
        return replace(self, kpis=shown, hidden={**self.hidden, **hidden})


# -- colours -------------------------------------------------------------------------------


def at_least(value: float, line: float, band: Band) -> bool:
    """Whether `value` is on the good side of `line` (strictly, for a strict band)."""
    if band.better == Better.HIGHER:
        return value > line if band.strict else value >= line
    return value < line if band.strict else value <= line


def colour(value: float, band: Band) -> str:
    """Green at the green line or better, amber at the amber line or better, red beyond."""
    if band.green is not None and at_least(value, band.green, band):
        return GREEN
    if band.amber is None or at_least(value, band.amber, band):
        return AMBER
    return RED


def _unknown(name: str, band: Band, reason: str) -> Kpi:
    return Kpi(name, UNKNOWN, None, band, reason)


def _coloured(name: str, value: float, band: Band, rows: Sequence[Sprinted] = ()) -> Kpi:
    return Kpi(name, colour(value, band), value, band, sprints=tuple(r.sprint for r in rows))


# -- the check-in KPIs -------------------------------------------------------------------------


def last_sprints(rows: Sequence[Sprinted], k: int, fields: Sequence[str]) -> list[Sprinted]:
    """The newest `k` ended sprints whose check-in has every one of `fields`."""
    found = [row for row in rows if all(row.values.get(name) is not None for name in fields)]
    return found[:k]


def _total(rows: Sequence[Sprinted], name: str) -> float:
    return sum(float(row.values[name] or 0) for row in rows)


def _share(row: Sprinted, part: str, whole: str) -> float:
    return float(row.values[part] or 0) / float(row.values[whole] or 1)


def _needs(fields: Sequence[str]) -> str:
    return "no ended sprint's check-in gives " + " and ".join(f"`{name}`" for name in fields)


def ratio_of_totals(name: str, rows: Sequence[Sprinted], band: Band, part: str, whole: str) -> Kpi:
    """Σ part ÷ Σ whole over the band's last sprints."""
    found = last_sprints(rows, band.sprints or 1, (part, whole))
    if not found:
        return _unknown(name, band, _needs((part, whole)))
    denominator = _total(found, whole)
    if denominator == 0:
        return _unknown(name, band, f"`{whole}` is 0 in the last {len(found)} sprint(s)")
    return _coloured(name, _total(found, part) / denominator, band, found)


def median_of(name: str, rows: Sequence[Sprinted], band: Band, value: str) -> Kpi:
    """The median of one number over the band's last sprints."""
    found = last_sprints(rows, band.sprints or 1, (value,))
    if not found:
        return _unknown(name, band, _needs((value,)))
    median = statistics.median(float(row.values[value] or 0) for row in found)
    return _coloured(name, median, band, found)


def deployment_frequency(rows: Sequence[Sprinted], band: Band) -> Kpi:
    """Σ deployments × 7 ÷ the days of those sprints: deployments a week."""
    name = "deployment_frequency"
    found = last_sprints(rows, band.sprints or 2, ("deployments",))
    if not found:
        return _unknown(name, band, _needs(("deployments",)))
    days = sum(row.days for row in found)
    return _coloured(name, _total(found, "deployments") * 7 / days, band, found)


def key_role_attrition(rows: Sequence[Sprinted], band: Band) -> Kpi:
    """Σ key_role_leavers ÷ mean key_roles × 365 ÷ the days of those sprints: a year's share."""
    name = "key_role_attrition"
    fields = ("key_role_leavers", "key_roles")
    found = last_sprints(rows, band.sprints or 6, fields)
    if not found:
        return _unknown(name, band, _needs(fields))
    mean_roles = _total(found, "key_roles") / len(found)
    if mean_roles == 0:
        return _unknown(name, band, "`key_roles` is 0 in the sprints with numbers")
    days = sum(row.days for row in found)
    value = _total(found, "key_role_leavers") / mean_roles * 365 / days
    return _coloured(name, value, band, found)


def burn_vs_forecast(rows: Sequence[Sprinted], band: Band) -> Kpi:
    """spend ÷ forecast of the last sprint; amber above the line, red above it twice running."""
    name = "burn_vs_forecast"
    found = last_sprints(rows, band.sprints or 2, ("spend", "forecast"))
    if not found:
        return _unknown(name, band, _needs(("spend", "forecast")))
    if any(row.values["forecast"] == 0 for row in found[:1]):
        return _unknown(name, band, "`forecast` is 0 in the last sprint with numbers")
    ratios = [_share(row, "spend", "forecast") for row in found if row.values["forecast"]]
    line = band.green if band.green is not None else 1.0
    over = [not at_least(ratio, line, band) for ratio in ratios]
    status = GREEN
    if over[0]:
        window = band.sprints or 2
        status = RED if len(over) >= window and all(over[:window]) else AMBER
    return Kpi(name, status, ratios[0], band, sprints=tuple(row.sprint for row in found))


def budget_vs_milestones(rows: Sequence[Sprinted], band: Band) -> Kpi:
    """budget_consumed_pct − milestones_completed_pct of the last sprint, in points."""
    name = "budget_vs_milestones"
    fields = ("budget_consumed_pct", "milestones_completed_pct")
    found = last_sprints(rows, 1, fields)
    if not found:
        return _unknown(name, band, _needs(fields))
    values = found[0].values
    gap = float(values["budget_consumed_pct"] or 0) - float(values["milestones_completed_pct"] or 0)
    return _coloured(name, gap, band, found)


def slope(points: Sequence[tuple[float, float]]) -> float:
    """The least-squares slope of y over x."""
    xs = [x for x, _ in points]
    ys = [y for _, y in points]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / spread


def velocity_trend(
    rows: Sequence[Sprinted], band: Band, *, as_of: date, operate_start: date | None
) -> Kpi:
    """The least-squares slope of points_delivered over the sprints' numbers (points a sprint);
    at or below the line it is amber once operation is 90 days old, green before."""
    name = "velocity_trend"
    found = last_sprints(rows, band.sprints or 6, ("points_delivered",))
    if len(found) < VELOCITY_MIN_SPRINTS:
        return _unknown(
            name,
            band,
            f"needs `points_delivered` in {VELOCITY_MIN_SPRINTS} ended sprints (has {len(found)})",
        )
    value = slope([(row.sprint, float(row.values["points_delivered"] or 0)) for row in found])
    line = band.green if band.green is not None else 0.0
    old_enough = operate_start is not None and as_of >= operate_start + timedelta(
        days=VELOCITY_GRACE_DAYS
    )
    status = GREEN if at_least(value, line, band) or not old_enough else AMBER
    return Kpi(name, status, value, band, sprints=tuple(row.sprint for row in found))


def kt_completion(
    rows: Sequence[Sprinted], band: Band, *, as_of: date, transfer_date: date | None
) -> Kpi:
    """kt_items_validated ÷ kt_items_total of the last sprint, and its least-squares line over
    the band's last sprints (x: the sprints' end dates) at the Transfer date, from 0 to 1.

    Below the green line it is red within 92 days of the Transfer (or past it); before that,
    amber unless the projection reaches the line.
    """
    name = "kt_completion"
    fields = ("kt_items_total", "kt_items_validated")
    latest = last_sprints(rows, 1, fields)
    if not latest:
        return _unknown(name, band, _needs(fields))
    if not latest[0].values["kt_items_total"]:
        return _unknown(name, band, "`kt_items_total` is 0 in the last sprint with numbers")
    window = [row for row in last_sprints(rows, band.sprints or 6, fields)
              if row.values["kt_items_total"]]  # fmt: skip
    shares = [
        (
            row,
            float(row.values["kt_items_validated"] or 0) / float(row.values["kt_items_total"] or 1),
        )
        for row in window
    ]
    value = shares[0][1]
    projection = None
    if transfer_date is not None and len(shares) >= PROJECTION_MIN_SPRINTS:
        points = [(float(row.end.toordinal()), share) for row, share in shares]
        mean_x = sum(x for x, _ in points) / len(points)
        mean_y = sum(y for _, y in points) / len(points)
        at = mean_y + slope(points) * (transfer_date.toordinal() - mean_x)
        used = tuple(sorted(row.sprint for row, _ in shares))
        projection = Projection(transfer_date, min(1.0, max(0.0, at)), used)
    green = band.green if band.green is not None else 0.8
    if at_least(value, green, band):
        status = GREEN
    elif transfer_date is not None and (transfer_date - as_of).days <= KT_RED_WITHIN_DAYS:
        status = RED
    elif projection is None or not at_least(projection.value, green, band):
        status = AMBER
    else:
        status = GREEN
    return Kpi(
        name, status, value, band, projection=projection, sprints=tuple(r.sprint for r in window)
    )


# -- the KPIs Baton measures in Slack ----------------------------------------------------------


def nps(scores_newest_first: Sequence[float], band: Band) -> Kpi:
    """The latest closed round's score; red when it and the round before both miss the line."""
    name = "nps"
    if not scores_newest_first:
        return _unknown(name, band, "no closed NPS round has enough answers for a score yet")
    latest = scores_newest_first[0]
    line = band.green if band.green is not None else 50.0
    if at_least(latest, line, band):
        return Kpi(name, GREEN, latest, band)
    before = scores_newest_first[1:2]
    status = RED if before and not at_least(before[0], line, band) else AMBER
    return Kpi(name, status, latest, band)


def rate_kpi(name: str, rate: float | None, band: Band, missing: str) -> Kpi:
    return _unknown(name, band, missing) if rate is None else _coloured(name, rate, band)


def escalations_per_sprint(opened: int | None, per_sprint: float | None, band: Band) -> Kpi:
    """Escalations opened in the last ended sprint ÷ the baseline for a sprint."""
    name = "escalations_per_sprint"
    if opened is None:
        return _unknown(name, band, "no sprint has ended yet")
    if per_sprint is None:
        return _unknown(name, band, "no baseline of escalations yet (the first weeks of operation)")
    if per_sprint == 0:
        return _unknown(name, band, "the baseline is 0 escalations a sprint")
    return _coloured(name, opened / per_sprint, band)


# -- the whole scorecard -------------------------------------------------------------------


@dataclass(frozen=True)
class Inputs:
    """Everything the scorecard is computed from, as plain values."""

    as_of: date
    operate_start: date | None
    transfer_date: date | None
    sprints: Sequence[Sprinted]  # ended sprints with a check-in, newest first
    nps_scores: Sequence[float]  # closed rounds with a score, newest first
    within_sla_rate: float | None
    resolution_rate: float | None
    escalations_last_sprint: int | None
    escalations_baseline_per_sprint: float | None


def compute(inputs: Inputs, bands: Mapping[str, Band]) -> Scorecard:
    """Every KPI of the scorecard from its inputs."""
    rows = inputs.sprints
    kpis: dict[str, Callable[[Band], Kpi]] = {
        "nps": lambda band: nps(inputs.nps_scores, band),
        "response_latency": lambda band: rate_kpi(
            "response_latency",
            inputs.within_sla_rate,
            band,
            f"no waiting message's SLA window ended in the last {band.days} days",
        ),
        "blocker_resolution_rate": lambda band: rate_kpi(
            "blocker_resolution_rate",
            inputs.resolution_rate,
            band,
            f"no blocker raised in the last {band.days} days has reached its SLA yet",
        ),
        "escalations_per_sprint": lambda band: escalations_per_sprint(
            inputs.escalations_last_sprint, inputs.escalations_baseline_per_sprint, band
        ),
        "velocity_trend": lambda band: velocity_trend(
            rows, band, as_of=inputs.as_of, operate_start=inputs.operate_start
        ),
        "milestones_on_schedule": lambda band: ratio_of_totals(
            "milestones_on_schedule", rows, band, "milestones_on_schedule", "milestones_due"
        ),
        "kt_completion": lambda band: kt_completion(
            rows, band, as_of=inputs.as_of, transfer_date=inputs.transfer_date
        ),
        "first_time_fix_rate": lambda band: ratio_of_totals(
            "first_time_fix_rate", rows, band, "tickets_first_time_fixed", "tickets_resolved"
        ),
        "burn_vs_forecast": lambda band: burn_vs_forecast(rows, band),
        "budget_vs_milestones": lambda band: budget_vs_milestones(rows, band),
        "key_role_attrition": lambda band: key_role_attrition(rows, band),
        "deployment_frequency": lambda band: deployment_frequency(rows, band),
        "lead_time_for_changes": lambda band: median_of(
            "lead_time_for_changes", rows, band, "lead_time_hours"
        ),
        "change_failure_rate": lambda band: ratio_of_totals(
            "change_failure_rate", rows, band, "failed_changes", "deployments"
        ),
        "time_to_restore": lambda band: median_of("time_to_restore", rows, band, "restore_hours"),
    }
    return Scorecard(
        inputs.as_of,
        inputs.operate_start,
        inputs.transfer_date,
        {name: kpis[name](bands[name]) for name in KPI_NAMES},
    )


def gather(services: Services, now: datetime) -> Inputs:
    """Read what the scorecard needs at `now` from the database."""
    settings = services.settings
    tz = settings.calendar.tz
    as_of = now.astimezone(tz).date()
    bands = settings.alerts.rules.bands
    operate_start = settings.kpi.operate_start
    sprinted: list[Sprinted] = []
    if operate_start is not None:
        last = Sprints(operate_start, settings.kpi.sprint_days).last_ended(as_of)
        if last is not None:
            with services.db.reading() as session:
                rows = checkin_store.ended(session, through=last.number)
                sprinted = [
                    Sprinted(
                        row.sprint,
                        row.sprint_end,
                        (row.sprint_end - row.sprint_start).days,
                        values_of(row),
                    )
                    for row in rows
                ]
    rounds = nps_answer(services, Period.ending(now, NPS_ROUNDS_WINDOW_DAYS), None)["rounds"]
    scores = [float(r["score"]) for r in rounds if r.get("closed") and r["score"] is not None]
    latency_days = bands["response_latency"].days or 28
    blocker_days = bands["blocker_resolution_rate"].days or 28
    within = latency_answer(services, Period.ending(now, latency_days), None)["within_sla_rate"]
    resolved = blocker_answer(services, Period.ending(now, blocker_days), None)["resolution_rate"]
    opened, per_sprint = _escalations_of_last_sprint(services, now)
    return Inputs(
        as_of=as_of,
        operate_start=operate_start,
        transfer_date=settings.checkins.transfer_date,
        sprints=sprinted,
        nps_scores=scores,
        within_sla_rate=within,
        resolution_rate=resolved,
        escalations_last_sprint=opened,
        escalations_baseline_per_sprint=per_sprint,
    )


def _escalations_of_last_sprint(
    services: Services, now: datetime
) -> tuple[int | None, float | None]:
    """Escalations opened in the last ended sprint, and the baseline for a sprint."""
    settings = services.settings
    start = measurement_start(services)
    if start is None:
        return None, None
    tz = settings.calendar.tz
    last = Sprints(start, settings.kpi.sprint_days).last_ended_at(now, tz)
    if last is None:
        return None, None
    with services.db.reading() as session:
        opened = escalation_store.count_created(
            session, start=local_midnight(last.start, tz), end=local_midnight(last.end, tz)
        )
    weekly = baselines(services, ("escalations",), now=now, start=start)["escalations"]
    per_week = weekly.get("opened")
    per_sprint = None if per_week is None else per_week * settings.kpi.sprint_days / 7
    return opened, per_sprint


def scorecard(services: Services, now: datetime | None = None) -> Scorecard:
    """The scorecard as of `now` (default: now)."""
    moment = now or services.now()
    return compute(gather(services, moment), services.settings.alerts.rules.bands)


# -- JSON ------------------------------------------------------------------------------------


def kpi_json(kpi: Kpi) -> dict[str, Any]:
    """One KPI's documented keys: status, value, threshold; reason, projection where they apply."""
    band = kpi.band
    found: dict[str, Any] = {
        "status": kpi.status,
        "value": None if kpi.value is None else round(kpi.value, 4),
        "threshold": {"green": band.green, "amber": band.amber, "better": str(band.better)},
        "unit": UNITS[kpi.name],
    }
    if kpi.reason is not None:
        found["reason"] = kpi.reason
    if kpi.sprints:
        found["sprints"] = list(kpi.sprints)
    if kpi.name == "kt_completion":
        found["projection"] = None if kpi.projection is None else {
            "at": kpi.projection.at.isoformat(),
            "value": round(kpi.projection.value, 4),
            "sprints": list(kpi.projection.sprints),
        }  # fmt: skip
    return found


def as_json(card: Scorecard) -> dict[str, Any]:
    """The scorecard as `baton kpi scorecard --json` prints it."""
    readiness = card.readiness
    return {
        "as_of": card.as_of.isoformat(),
        "operate_start": None if card.operate_start is None else card.operate_start.isoformat(),
        "transfer_date": None if card.transfer_date is None else card.transfer_date.isoformat(),
        "days_to_transfer": card.days_to_transfer,
        "readiness": None if readiness is None else round(readiness, 4),
        "kpis": {name: kpi_json(kpi) for name, kpi in card.kpis.items()},
    }


def may_see_everything(services: Services, user_id: str) -> bool:
    """Leads and admins see the finance and people KPIs; everyone else does not."""
    settings = services.settings
    return user_id in settings.admins or bool(settings.checkins.sections_of(user_id))
