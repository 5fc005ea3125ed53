"""The monthly review, computed: the scorecard, the last review's, and readiness over time.

It is due on the first Monday of each month at BATON_REVIEW_TIME; bot.digest.review_flows posts
it once to each digest channel.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.digest.charts import Chart, readiness_chart
from bot.kpi.scorecard import Scorecard, scorecard
from bot.runtime.services import Services
from storage import checkins as checkin_store

# The readiness chart shows this much history.
HISTORY_DAYS = 365


def first_monday(month: date) -> date:
    """The first Monday of the month that holds `month`."""
    first = month.replace(day=1)
    return first + timedelta(days=(7 - first.weekday()) % 7)


def due_month(now: datetime, at: time, tz: ZoneInfo) -> date:
    """The first day of the month whose review is the latest due by `now`: this month's once
    its first Monday at `at` has come, else last month's (a clock that was down catches up)."""
    today = now.astimezone(tz).date()
    this_month = today.replace(day=1)
    moment = datetime.combine(first_monday(this_month), at, tz)
    if now >= moment:
        return this_month
    return (this_month - timedelta(days=1)).replace(day=1)


@dataclass(frozen=True)
class Review:
    """One month's review, computed."""

    month: date
    scorecard: Scorecard
    previous: tuple[date, dict[str, Any]] | None  # the last review's day and scorecard
    history: list[tuple[date, float | None]]  # readiness at each digest and review, and now


def build_review(services: Services, month: date, now: datetime) -> Review:
    """The review of `month` as of `now`."""
    card = scorecard(services, now)
    with services.db.reading() as session:
        previous = checkin_store.last_review(session, before=card.as_of)
        history = checkin_store.readiness_history(
            session, since=card.as_of - timedelta(days=HISTORY_DAYS), until=card.as_of
        )
    history = [(day, value) for day, value in history if day != card.as_of]
    history.append((card.as_of, card.readiness))
    return Review(month, card, previous, history)


def review_chart(review: Review) -> Chart:
    return readiness_chart(
        review.history,
        transfer_date=review.scorecard.transfer_date,
        subtitle=f"{review.month:%B %Y}",
    )


def review_view(review: Review, everything: bool) -> Review:
    """The review as the channel may see it."""
    shown = review.scorecard.shown_to(everything)
    return Review(review.month, shown, review.previous, review.history)
