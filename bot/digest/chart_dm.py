"""`/kpi chart SUBJECT`: one weekly chart, drawn away from the web process and sent by DM."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from bot.core.ids import OutboxKind
from bot.core.lazy import lazy_module
from bot.core.weeks import last_full_week
from bot.digest.build import Digest, build_charts, build_digest, subtitle
from bot.digest.charts import Chart, activity_chart, latency_chart, nps_chart
from bot.runtime.outbox import promise
from bot.runtime.replies import Tell, teller
from bot.runtime.services import Services
from bot.runtime.slack_client import error_code

if TYPE_CHECKING:
    import pandas as pd
else:
    pd = lazy_module("pandas")

log = logging.getLogger(__name__)


def chart_for(services: Services, subject: str) -> Chart:
    """The chart of `subject` over the last BATON_DIGEST_WEEKS full weeks."""
    digest = build_digest(services, last_full_week(services.now(), services.settings.calendar.tz))
    wanted = "activity" if subject in ("escalations", "blockers") else subject
    for chart in build_charts(digest):
        if chart.name == wanted:
            return chart
    return _empty_chart(digest, subject)


def _empty_chart(digest: Digest, subject: str) -> Chart:
    """The chart of a subject not measured yet, asked for by name: its frame, with no data."""
    if subject in ("escalations", "blockers"):
        return activity_chart(
            digest.weekly["escalations"],
            digest.weekly["blockers"],
            escalation_baseline=None,
            alert_factor=digest.escalation_factor,
            blocker_baseline=None,
            subtitle=subtitle(digest),
        )
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


def send_chart(services: Services, user_id: str, subject: str, tell: Tell) -> None:
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


def promise_chart(services: Services, *, team_id: str, subject: str, reply: dict[str, Any]) -> None:
    """Promise `/kpi chart SUBJECT`: drawn and sent by DM by the outbox, away from the web."""
    with services.db.unit_of_work() as session:
        promise(
            services, session, OutboxKind.KPI_CHART, team_id=team_id, subject=subject, reply=reply
        )


def chart_task(services: Services, payload: dict[str, Any]) -> None:
    """The outbox task behind `promise_chart`."""
    reply = payload["reply"]
    send_chart(services, str(reply["user_id"]), payload["subject"], teller(services, reply))
