"""Waits in wall-clock and business time, in the working time of the side expected to answer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from bot.config.settings import Settings
from bot.core.business_time import BusinessCalendar
from bot.core.durations import Duration
from storage.messages import Answer, Reply


@dataclass(frozen=True)
class Timing:
    """The calendars of the sides, the global one, and the SLA and unanswered windows."""

    calendar: BusinessCalendar
    side_calendars: Mapping[str, BusinessCalendar]
    sla: Duration
    unanswered_after: Duration

    @classmethod
    def from_settings(cls, settings: Settings) -> Timing:
        return cls(
            calendar=settings.calendar,
            side_calendars={side.name: side.calendar for side in settings.latency.sides},
            sla=settings.latency.response_sla,
            unanswered_after=settings.latency.unanswered_after,
        )

    def calendar_of(self, side: str | None) -> BusinessCalendar:
        """The working time of `side`; the global one for nobody's side."""
        if side is None:
            return self.calendar
        return self.side_calendars.get(side, self.calendar)

    def deadlines(self, posted_at: datetime, side: str | None) -> tuple[datetime, datetime]:
        """When the SLA window and the unanswered window of a message posted at `posted_at` end."""
        calendar = self.calendar_of(side)
        return (
            self.sla.after(posted_at, calendar),
            self.unanswered_after.after(posted_at, calendar),
        )

    def answer(self, posted_at: datetime, reply: Reply, side: str | None) -> Answer:
        """The answer `reply`, by someone of `side`, to a message posted at `posted_at`."""
        calendar = self.calendar_of(side)
        sla_due, unanswered_due = self.deadlines(posted_at, side)
        return Answer(
            ts=reply.ts,
            user_id=reply.user_id,
            answered_at=reply.posted_at,
            side=side,
            # Milliseconds: the fraction of a Slack ts tells messages of one second apart.
            wall_seconds=round((reply.posted_at - posted_at).total_seconds(), 3),
            business_seconds=round(calendar.business_seconds(posted_at, reply.posted_at), 3),
            sla_due_at=sla_due,
            unanswered_due_at=unanswered_due,
        )
