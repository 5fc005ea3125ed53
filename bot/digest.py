"""The weekly digest: compute (frames, headlines) → charts (PNG) → message (Block Kit) → post.

The digest covers one full week, Monday to Sunday in BATON_TIMEZONE. Its cost is bounded: the
charts read a fixed window of recent weeks (BATON_DIGEST_WEEKS, 12) and the baselines a fixed set
of early weeks, kept in the database once final; nothing reads the whole history.

Posting happens exactly once per (channel, week): the digest row is claimed with a lease before
anything is sent, and each part (the message, then each chart in its thread) is marked right
after Slack takes it, so a run that fails half-way is completed by the next one without
repeating what was posted.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from bot.alerts import COUNT, RATE, SCORE, SECONDS, Finding, firing
from bot.alerts_config import duration_words
from bot.charts import Chart, activity_chart, latency_chart, nps_chart
from bot.digest_schedule import due_week, last_full_week
from bot.kpi import history
from bot.kpi.weekly import Weeks, row, trend
from bot.services import Services
from bot.slack_client import error_code, is_permanent
from storage import digests as store
from storage import weekly as queries

log = logging.getLogger(__name__)

OLDEST_SHOWN = 5
LEASE = timedelta(minutes=15)
MESSAGE = "message"
FAMILY_TITLES = {
    "escalations": "Escalations",
    "blockers": "Blockers",
    "latency": "Response latency",
    "nps": "Internal NPS",
}


@dataclass(frozen=True)
class Headline:
    """One number of the week, with what it is compared against."""

    key: str
    label: str
    unit: str
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
    oldest_escalations: list[dict[str, Any]]
    open_escalations: int
    oldest_blockers: list[dict[str, Any]]
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

    @property
    def week_end(self) -> date:
        """The Sunday that ends the week."""
        return self.week + timedelta(days=6)


def _latency_keys(business: bool) -> list[tuple[str, str, str]]:
    kind = "business time" if business else "wall clock"
    suffix = "_business" if business else ""
    return [
        (f"median{suffix}_seconds", f"Median wait ({kind})", SECONDS),
        (f"p90{suffix}_seconds", f"90th percentile wait ({kind})", SECONDS),
        ("within_sla_rate", "Answered within SLA", RATE),
        ("unanswered", "Unanswered", COUNT),
    ]


HEADLINES: dict[str, list[tuple[str, str, str]]] = {
    "escalations": [
        ("opened", "Opened", COUNT),
        ("open_now", "Open at the week's end", COUNT),
        ("mtta_seconds", "Mean time to acknowledge", SECONDS),
        ("mttr_seconds", "Mean time to resolve", SECONDS),
    ],
    "blockers": [
        ("opened", "Raised", COUNT),
        ("resolved", "Resolved", COUNT),
        ("resolution_rate", "Resolved within SLA", RATE),
        ("median_resolve_seconds", "Median time to resolve", SECONDS),
        ("overdue", "Past the SLA at the week's end", COUNT),
    ],
    "nps": [
        ("score", "NPS of the latest round", SCORE),
        ("response_rate", "Response rate", RATE),
    ],
}
FAMILIES = ("escalations", "blockers", "latency", "nps")


def build_digest(services: Services, week: date, *, now: datetime | None = None) -> Digest:
    """Compute the digest of the week starting on the Monday `week`."""
    settings = services.settings
    now = now or services.now()
    tz = settings.calendar.tz
    weeks = Weeks.ending(week, settings.digest_weeks, tz)
    start = history.measurement_start(services)
    measured = [family for family in FAMILIES if history.measured(family)]
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
    sla = settings.alert_rules.latency_above or settings.response_sla
    headlines: dict[str, list[Headline]] = {}
    for family in measured:
        if family == "nps":
            headlines[family] = _nps_headlines(rounds, weeks, baselines.get("nps", {}))
        else:
            keys = _latency_keys(sla.is_business) if family == "latency" else HEADLINES[family]
            headlines[family] = _week_headlines(weekly[family], week, keys, baselines[family])
    not_measured = [family for family in FAMILIES if family not in measured]
    if start is None:
        not_measured = list(FAMILIES)
    elif "latency" in weekly and weekly["latency"]["waiting"].isna().all():
        not_measured.append("latency")
    if "nps" in measured and rounds.empty and "nps" not in not_measured:
        not_measured.append("nps")
    with services.db.reading() as session:
        oldest_escalations = queries.oldest_open_escalations(session, limit=OLDEST_SHOWN)
        oldest_blockers = queries.oldest_open_blockers(session, limit=OLDEST_SHOWN)
        open_escalations, open_blockers = queries.open_counts(session)
    window = history.baseline_weeks(services, start)
    return Digest(
        week=week,
        timezone=tz.key,
        built_at=now,
        start=start,
        baseline_first=window.first if window else None,
        baseline_weeks=settings.baseline_weeks,
        headlines=headlines,
        not_measured=[family for family in FAMILIES if family in not_measured],
        alerts=firing(services, now),
        oldest_escalations=oldest_escalations,
        open_escalations=open_escalations,
        oldest_blockers=oldest_blockers,
        open_blockers=open_blockers,
        weekly=weekly,
        nps_rounds=rounds,
        baselines=baselines,
        sla_seconds=sla.business_seconds(settings.calendar),
        sla_text=duration_words(sla),
        sla_business=sla.is_business,
        within_threshold=settings.alert_rules.within_sla_below,
        nps_threshold=settings.alert_rules.nps_below,
        escalation_factor=settings.alert_rules.escalations_factor,
        weeks=weeks,
    )


def _week_headlines(
    frame: pd.DataFrame,
    week: date,
    keys: list[tuple[str, str, str]],
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
    """The digest's charts; a family not measured yet has none."""
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
    if "escalations" in digest.weekly and "blockers" in digest.weekly:
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


# -- posting -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What one posting run did for one channel."""

    channel: str
    week: date
    status: str  # "posted", "done already", "busy" (another run holds it), "failed"
    parts: tuple[str, ...] = ()
    error: str | None = None


def post_digest(
    services: Services,
    channel: str,
    week: date,
    *,
    force: bool = False,
    hold_on_refusal: bool = True,
) -> Outcome:
    """Post the digest of `week` to `channel` once; a rerun completes only the missing parts.

    When Slack refuses (not_in_channel…), the clock keeps the lease (`hold_on_refusal`) and
    tries again once it ends; an operator at the command line can retry at once.
    """
    from bot.blocks.digest import build_digest_message

    now = services.now()
    with services.db.unit_of_work() as session:
        digest_id = store.claim(
            session,
            channel_id=channel,
            week_start=week,
            now=now,
            lease_until=now + LEASE,
            force=force,
        )
        if digest_id is None:
            done = store.is_complete(session, channel_id=channel, week_start=week)
    if digest_id is None:
        return Outcome(channel, week, "done already" if done else "busy")
    posted: list[str] = []
    try:
        with services.db.reading() as session:
            have = store.parts(session, digest_id)
        digest = build_digest(services, week, now=now)
        ts = have.get(MESSAGE)
        if MESSAGE not in have:
            response = services.client.chat_postMessage(
                channel=channel, **build_digest_message(digest)
            )
            ts = str(response["ts"])
            _mark(services, digest_id, MESSAGE, ts)
            posted.append(MESSAGE)
        for chart in build_charts(digest):
            if chart.name in have:
                continue
            file_id = _upload(services, channel, chart, thread_ts=ts)
            _mark(services, digest_id, chart.name, file_id)
            posted.append(chart.name)
    except Exception as exc:
        # A refusal (channel_not_found, not_in_channel) keeps the lease, so the clock tries
        # again when it ends rather than every minute; anything else is retried at once.
        if not (hold_on_refusal and is_permanent(exc)):
            with services.db.unit_of_work() as session:
                store.release(session, digest_id)
        log.warning(
            "digest of %s for %s stopped after %s: %s",
            week,
            channel,
            ", ".join(posted) or "nothing",
            error_code(exc),
        )
        return Outcome(channel, week, "failed", tuple(posted), error_code(exc))
    with services.db.unit_of_work() as session:
        store.complete(session, digest_id, now=services.now())
    return Outcome(channel, week, "posted", tuple(posted))


def _mark(services: Services, digest_id: int, name: str, ref: str | None) -> None:
    with services.db.unit_of_work() as session:
        store.mark_part(session, digest_id, name=name, slack_ref=ref, now=services.now())


def _upload(services: Services, channel: str, chart: Chart, *, thread_ts: str | None) -> str | None:
    response = services.client.files_upload_v2(
        channel=channel,
        thread_ts=thread_ts,
        file=chart.png,
        filename=chart.filename,
        title=chart.title,
        alt_txt=chart.alt_text,
    )
    files = response.get("files") or []
    return str(files[0].get("id")) if files else None


def run_digests(services: Services, now: datetime) -> None:
    """The clock's job: post the latest due digest to each digest channel, once."""
    settings = services.settings
    if not settings.digest_channels:
        return
    week = due_week(now, settings.digest_schedule, settings.calendar.tz)
    for channel in settings.digest_channels:
        with services.db.reading() as session:
            if store.is_complete(session, channel_id=channel, week_start=week):
                continue
        outcome = post_digest(services, channel, week)
        if outcome.status == "posted":
            log.info("digest of %s posted to %s: %s", week, channel, ", ".join(outcome.parts))


def digest_week(services: Services, *, scheduled: bool) -> date:
    """The week a digest run covers: the last full week, or the one the schedule says is due."""
    settings = services.settings
    now = services.now()
    if scheduled:
        return due_week(now, settings.digest_schedule, settings.calendar.tz)
    return last_full_week(now, settings.calendar.tz)


# -- files: dry runs and the demo ----------------------------------------------------------


def write_digest(services: Services, week: date, out: Path) -> list[Path]:
    """Write the digest of `week` to `out`: Block Kit JSON, Markdown preview, PNG charts."""
    from bot.blocks.digest import build_digest_markdown, build_digest_message

    out.mkdir(parents=True, exist_ok=True)
    digest = build_digest(services, week)
    charts = build_charts(digest)
    written = []
    message = build_digest_message(digest)
    path = out / "digest.json"
    path.write_text(json.dumps(message, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    written.append(path)
    for chart in charts:
        path = out / chart.filename
        path.write_bytes(chart.png)
        written.append(path)
    path = out / "digest.md"
    path.write_text(build_digest_markdown(digest, charts), encoding="utf-8")
    written.append(path)
    return written


# -- /kpi chart: one chart by DM -------------------------------------------------------------

CHARTS = ("latency", "escalations", "blockers", "nps")


def chart_for(services: Services, subject: str) -> Chart:
    """The chart of `subject` over the last BATON_DIGEST_WEEKS full weeks."""
    digest = build_digest(services, last_full_week(services.now(), services.settings.calendar.tz))
    wanted = "activity" if subject in ("escalations", "blockers") else subject
    for chart in build_charts(digest):
        if chart.name == wanted:
            return chart
    return _empty_chart(digest, subject)


def _empty_chart(digest: Digest, subject: str) -> Chart:
    if subject == "latency":
        frame = pd.DataFrame(
            float("nan"),
            index=digest.weeks.index,
            columns=[
                "median_business_seconds",
                "p90_business_seconds",
                "median_seconds",
                "p90_seconds",
                "within_sla_rate",
            ],
        )
        return latency_chart(
            frame,
            sla_seconds=digest.sla_seconds,
            sla_text=digest.sla_text,
            within_threshold=digest.within_threshold,
            business=digest.sla_business,
            subtitle=subtitle(digest),
        )
    return nps_chart(
        digest.nps_rounds,
        threshold=digest.nps_threshold,
        mondays=digest.weeks.mondays,
        subtitle=subtitle(digest),
    )


def send_chart(services: Services, user_id: str, subject: str, tell: Callable[[str], None]) -> None:
    """Draw the chart and upload it to the person's DM with Baton; tell them if it fails."""
    try:
        chart = chart_for(services, subject)
        opened = services.client.conversations_open(users=user_id)
        channel = str(opened["channel"]["id"])
        services.client.files_upload_v2(
            channel=channel,
            file=chart.png,
            filename=chart.filename,
            title=chart.title,
            alt_txt=chart.alt_text,
            initial_comment=f"The chart you asked for with `/kpi chart {subject}`.",
        )
    except Exception as exc:
        log.warning("chart %s not sent to %s: %s", subject, user_id, error_code(exc))
        tell(
            f":warning: I could not send you the {subject} chart ({error_code(exc)}). "
            "Check that Baton may message you (its App Home), then try again."
        )
