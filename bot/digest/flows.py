"""Posting the weekly digest (and the monthly review) once per channel and period, completing
what a failed run left.

The post's row is claimed with a lease before anything is sent, and each part (the message,
then each chart in its thread) is marked right after Slack takes it, so a run that fails
half-way is completed by the next one without repeating what was posted.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from bot.core.weeks import due_week, last_full_week
from bot.digest.blocks import build_digest_message
from bot.digest.build import build_charts, build_digest
from bot.digest.charts import Chart
from bot.kpi.scorecard import Scorecard, as_json
from bot.runtime import posts
from bot.runtime.services import Services
from bot.runtime.slack_client import error_code, is_permanent
from storage import checkins as checkin_store
from storage import digests as store
from storage.statuses import PostKind

log = logging.getLogger(__name__)

LEASE = timedelta(minutes=15)
MESSAGE = "message"


@dataclass(frozen=True)
class Outcome:
    """What one posting run did for one channel."""

    channel: str
    period: date
    status: str  # "posted", "done already", "busy" (another run holds it), "failed"
    parts: tuple[str, ...] = ()
    error: str | None = None
    refused: bool = False  # Slack refused (not_in_channel…), rather than could not be reached


@dataclass(frozen=True)
class Post:
    """A periodic post: its message, and the charts that go in the message's thread."""

    message: dict[str, Any]
    charts: list[Chart]


def post_once(
    services: Services,
    kind: PostKind,
    channel: str,
    period: date,
    build: Callable[[], Post],
    *,
    force: bool = False,
    hold_on_refusal: bool = True,
) -> Outcome:
    """Post the `kind` post of `period` to `channel` once; a rerun completes only what is missing.

    When Slack refuses (not_in_channel…), the clock keeps the lease (`hold_on_refusal`) and
    tries again once it ends; an operator at the command line can retry at once.
    """
    now = services.now()
    team_id = services.team_id
    with services.db.unit_of_work() as session:
        held = store.claim(
            session,
            team_id=team_id,
            kind=kind,
            channel_id=channel,
            period_start=period,
            now=now,
            lease_until=now + LEASE,
            force=force,
        )
        if held is None:
            done = store.is_complete(session, kind=kind, channel_id=channel, period_start=period)
    if held is None:
        return Outcome(channel, period, "done already" if done else "busy")
    post_id = held.id
    # A run before this one may have posted parts it never marked: look for those first.
    since = held.created_at if held.tried_before else None
    posted: list[str] = []
    try:
        with services.db.reading() as session:
            have = store.parts(session, post_id)
        post = build()
        ts = have.get(MESSAGE)
        if MESSAGE not in have:
            # Named by the row and its start, so a forced repost is a post of its own.
            ref = f"{kind}:{post_id}:{int(held.created_at.timestamp())}"
            message = posts.post_once(
                services, ref=ref, channel=channel, since=since, **post.message
            )
            ts = message.ts
            _mark(services, post_id, MESSAGE, ts)
            posted.append(MESSAGE)
        for chart in post.charts:
            if chart.name in have:
                continue
            file_id = None
            if since is not None and ts is not None:
                file_id = posts.find_file(services, channel, ts, chart.filename, since=since)
            if file_id is None:
                file_id = _upload(services, channel, chart, thread_ts=ts)
            _mark(services, post_id, chart.name, file_id)
            posted.append(chart.name)
    except Exception as exc:
        # A refusal (channel_not_found, not_in_channel) keeps the lease, so the clock tries
        # again when it ends rather than every minute; anything else is retried at once.
        if not (hold_on_refusal and is_permanent(exc)):
            with services.db.unit_of_work() as session:
                store.release(session, post_id)
        log.warning(
            "%s of %s for %s stopped after %s: %s",
            kind,
            period,
            channel,
            ", ".join(posted) or "nothing",
            error_code(exc),
        )
        return Outcome(
            channel, period, "failed", tuple(posted), error_code(exc), refused=is_permanent(exc)
        )
    with services.db.unit_of_work() as session:
        store.complete(session, post_id, now=services.now())
    return Outcome(channel, period, "posted", tuple(posted))


def post_digest(
    services: Services,
    channel: str,
    week: date,
    *,
    force: bool = False,
    hold_on_refusal: bool = True,
) -> Outcome:
    """Post the digest of `week` to `channel` once (see post_once)."""
    now = services.now()

    def build() -> Post:
        digest = build_digest(services, week, now=now)
        if digest.scorecard is not None:
            keep_snapshot(services, PostKind.DIGEST, digest.scorecard)
        return Post(build_digest_message(digest), build_charts(digest))

    return post_once(
        services,
        PostKind.DIGEST,
        channel,
        week,
        build,
        force=force,
        hold_on_refusal=hold_on_refusal,
    )


def keep_snapshot(services: Services, kind: PostKind, card: Scorecard) -> None:
    """Keep the scorecard a post shows, for the readiness chart and the next review."""
    with services.db.unit_of_work() as session:
        checkin_store.save_snapshot(
            session,
            team_id=services.team_id,
            kind=kind,
            taken_on=card.as_of,
            readiness=card.readiness,
            scorecard=as_json(card),
            now=services.now(),
        )


def _mark(services: Services, digest_id: int, name: str, ref: str | None) -> None:
    with services.db.unit_of_work() as session:
        store.mark_part(session, digest_id, name=name, slack_ref=ref, now=services.now())


def _upload(services: Services, channel: str, chart: Chart, *, thread_ts: str | None) -> str | None:
    # Not retried inside the call after a drop or a 5xx: the next run looks for it first.
    response = services.poster.files_upload_v2(
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
