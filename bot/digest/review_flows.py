"""Posting the monthly review once per digest channel and month, and writing it to a folder.

The review channel is shown the scorecard as everyone may see it (the finance and people KPIs
left out, still counted in readiness) unless BATON_REVIEW_PRIVATE says it is private to leads.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from pathlib import Path

from bot.digest.flows import Outcome, Post, keep_snapshot, post_once
from bot.digest.review import build_review, due_month, review_chart, review_view
from bot.digest.review_blocks import build_review_message, review_markdown
from bot.runtime.services import Services
from storage import digests as store
from storage.statuses import PostKind

log = logging.getLogger(__name__)


def post_review(services: Services, channel: str, month: date) -> Outcome:
    """Post the review of `month` to `channel` once; a rerun completes only what is missing."""
    now = services.now()
    private = services.settings.checkins.review_private

    def build() -> Post:
        review = build_review(services, month, now)
        keep_snapshot(services, PostKind.REVIEW, review.scorecard)
        return Post(build_review_message(review_view(review, private)), [review_chart(review)])

    return post_once(services, PostKind.REVIEW, channel, month, build)


def run_reviews(services: Services, now: datetime) -> None:
    """The clock's job: post the latest review due to each digest channel, once."""
    settings = services.settings
    at = settings.checkins.review_at
    if at is None or not settings.digest.channels:
        return
    month = due_month(now, at, settings.calendar.tz)
    for channel in settings.digest.channels:
        with services.db.reading() as session:
            if store.is_complete(
                session, kind=PostKind.REVIEW, channel_id=channel, period_start=month
            ):
                continue
        outcome = post_review(services, channel, month)
        if outcome.status == "posted":
            log.info("review of %s posted to %s", f"{month:%Y-%m}", channel)


def write_review(services: Services, out: Path) -> list[Path]:
    """Write this month's review to `out` (Markdown and its chart), and the scorecard it shows."""
    now = services.now()
    month = now.astimezone(services.settings.calendar.tz).date().replace(day=1)
    review = build_review(services, month, now)
    out.mkdir(parents=True, exist_ok=True)
    chart = review_chart(review)
    paths = [out / "review.md", out / chart.filename]
    paths[0].write_text(review_markdown(review_view(review, True), chart), encoding="utf-8")
    paths[1].write_bytes(chart.png)
    return paths
