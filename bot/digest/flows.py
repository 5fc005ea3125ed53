"""Posting the weekly digest once per channel and week, completing what a failed run left.

The digest row is claimed with a lease before anything is sent, and each part (the message,
then each chart in its thread) is marked right after Slack takes it, so a run that fails
half-way is completed by the next one without repeating what was posted.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta

from bot.core.weeks import due_week, last_full_week
from bot.digest.blocks import build_digest_message
from bot.digest.build import build_charts, build_digest
from bot.digest.charts import Chart
from bot.runtime.services import Services
from bot.runtime.slack_client import error_code, is_permanent
from storage import digests as store

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=15)
MESSAGE = "message"


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


def digest_week(services: Services, *, scheduled: bool) -> date:
    """The week a digest run covers: the last full week, or the one the schedule says is due."""
    settings = services.settings
    now = services.now()
    if scheduled:
        return due_week(now, settings.digest.schedule, settings.calendar.tz)
    return last_full_week(now, settings.calendar.tz)
