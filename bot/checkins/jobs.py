"""The clock's check-in jobs: when a sprint ends, a DM to each lead inside their working hours,
once; one reminder two working days later to a lead who has not saved the check-in. A lead who
saved it before being asked is not asked.

Each DM is claimed in the database before it goes, so two clocks send it once and a clock that
was down sends it when it comes back (for the latest ended sprint only: nobody is asked about a
sprint that a newer one has followed).
"""

from __future__ import annotations

import logging
from datetime import datetime

from bot.checkins import blocks
from bot.checkins.rules import Sprint, Sprints
from bot.config.checkins import Section
from bot.core.durations import Duration
from bot.runtime.scheduler import Work, run_once
from bot.runtime.services import Services
from bot.runtime.sides import calendar_of
from bot.runtime.slack_client import error_code, is_permanent, log_failure
from storage import checkins as store

log = logging.getLogger(__name__)

PROMPT_JOB = "checkin_prompt"
REMINDER_JOB = "checkin_reminder"
REMIND_AFTER = Duration(2, "bd")


def ask_leads(services: Services, now: datetime) -> None:
    """DM each lead about the latest ended sprint, and remind those who have not answered."""
    settings = services.settings
    if not settings.checkins.leads or settings.kpi.operate_start is None:
        return
    sprints = Sprints(settings.kpi.operate_start, settings.kpi.sprint_days)
    sprint = sprints.last_ended_at(now, settings.calendar.tz)
    if sprint is None:
        return
    with services.db.reading() as session:
        prompts = {
            prompt.lead_id: (prompt.sent_at, prompt.reminded_at, prompt.done_at)
            for prompt in store.prompts_of(session, sprint=sprint.number)
        }
    for lead, sections in settings.checkins.leads.items():
        calendar = calendar_of(services, lead)
        if not calendar.is_working_time(now):
            continue
        try:
            if lead not in prompts:
                _dm(services, PROMPT_JOB, sprint, lead, sections, now)
                continue
            sent_at, reminded_at, done_at = prompts[lead]
            if sent_at is None or reminded_at is not None or done_at is not None:
                continue
            if now >= REMIND_AFTER.after(sent_at, calendar):
                _dm(services, REMINDER_JOB, sprint, lead, sections, now)
        except Exception as error:
            # The claim was given back: the next tick tries again; the other leads go on.
            log_failure(log, error, "check-in DM to %s for sprint %s failed", lead, sprint.number)


def _dm(
    services: Services,
    job: str,
    sprint: Sprint,
    lead: str,
    sections: frozenset[Section],
    now: datetime,
) -> None:
    def send() -> None:
        reminder = job == REMINDER_JOB
        message = blocks.build_prompt(sprint, sections, reminder=reminder)
        try:
            answer = services.client.chat_postMessage(channel=lead, **message)
        except Exception as error:
            if not is_permanent(error):
                raise
            # cannot_dm_bot, user_not_found…: asking again will not help.
            log.warning("check-in DM to %s not sent: %s", lead, error_code(error))
            return
        with services.db.unit_of_work() as session:
            if reminder:
                store.mark_reminded(session, sprint=sprint.number, lead_id=lead, now=now)
            else:
                store.record_prompt(
                    session,
                    team_id=services.team_id,
                    sprint=sprint.number,
                    lead_id=lead,
                    channel_id=str(answer.get("channel") or lead),
                    message_ts=str(answer.get("ts") or ""),
                    now=now,
                )

    run_once(services, Work(job, lead, f"sprint:{sprint.number}"), send)
