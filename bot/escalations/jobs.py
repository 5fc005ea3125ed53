"""Reminders and moves to the next level for unacknowledged escalations.

Stage k of an escalation with timeout T is due at k×T (bot.escalations.stages_due): odd stages
remind whoever holds it, even ones move it up a level. Each stage is claimed in the database
before it runs, so two clocks send it once, and a clock that was down does the missed stages, in
order, when it returns. Escalations that were never posted get their reminders by DM.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from bot.core.durations import Duration, wait_text
from bot.escalations.blocks import build_assignee_dm, moved_text, reminder_text
from bot.escalations.flows import refresh_message, snapshot
from bot.escalations.rules import Snapshot, Stage, stages_due
from bot.runtime.posts import post_once
from bot.runtime.scheduler import Work, run_once
from bot.runtime.services import Services
from bot.runtime.slack_client import error_code, is_permanent, log_failure
from storage import claims
from storage import escalations as store
from storage.statuses import EscalationStatus

log = logging.getLogger(__name__)

JOB = "escalation_stage"


def subject(escalation_id: int) -> str:
    return f"escalation:{escalation_id}"


def escalate_unacknowledged(services: Services, now: datetime) -> None:
    """Do every reminder and level move that is due by `now` and not done yet."""
    settings = services.settings
    with services.db.reading() as session:
        pending = [
            (snapshot(row), claims.claimed_periods(session, job=JOB, subject=subject(row.id)))
            for row in store.unacknowledged(session)
        ]
    for esc, done in pending:
        timeout = settings.escalations.timeouts[esc.severity]
        steps = stages_due(
            created_at=esc.created_at,
            timeout=timeout,
            calendar=settings.calendar,
            level_count=len(settings.escalations.levels),
            now=now,
        )
        for step in steps:
            if str(step.number) in done:
                continue
            try:
                still_open = _run_stage(services, esc.id, step, timeout)
            except Exception as error:
                # The claim was given back: the next tick tries this stage again, in order.
                log_failure(log, error, "escalation #%s stage %s failed", esc.id, step.number)
                break
            if not still_open:
                break


def _run_stage(services: Services, escalation_id: int, step: Stage, timeout: Duration) -> bool:
    """Claim and do one stage; False once the escalation no longer waits."""
    still_open = True

    def do() -> None:
        nonlocal still_open
        still_open = _do_stage(services, escalation_id, step, timeout)

    run_once(services, Work(JOB, subject(escalation_id), str(step.number)), do)
    return still_open


def _do_stage(services: Services, escalation_id: int, step: Stage, timeout: Duration) -> bool:
    """Send one stage; False when the escalation is no longer waiting (acknowledged, resolved)."""
    wait = wait_text(timeout, step.number)
    if step.kind == "move":
        esc = _move(services, escalation_id, step)
        if esc is None:
            return False
        _announce_move(services, esc, wait, step.number)
        return True

    with services.db.reading() as session:
        row = store.get_escalation(session, escalation_id)
        if row is None or row.status != EscalationStatus.OPEN:
            return False
        esc = snapshot(row)
    _remind(services, esc, wait, step.number)
    return True


def _move(services: Services, escalation_id: int, step: Stage) -> Snapshot | None:
    """Hand the escalation to level `step.level`; None when it should not be (any more)."""
    assignee = services.settings.escalations.levels[step.level - 1]
    with services.db.unit_of_work() as session:
        row = store.get_escalation(session, escalation_id)
        if row is None:
            return None
        store.move_to_level(
            session,
            escalation_id,
            from_level=step.level - 1,
            level=step.level,
            assignee_id=assignee,
        )
        session.refresh(row)
        # A retry after a failed announcement finds the move already made, and announces it.
        if row.status != EscalationStatus.OPEN or row.level != step.level:
            return None
        return snapshot(row)


def _remind(services: Services, esc: Snapshot, wait: str, stage: int) -> None:
    text = reminder_text(esc, wait)
    if _post_in_thread(services, esc, text, stage):
        return
    if esc.assignee_id:
        _dm(services, esc.assignee_id, {"text": text}, esc.id)


def _announce_move(services: Services, esc: Snapshot, wait: str, stage: int) -> None:
    if _post_in_thread(services, esc, moved_text(esc, wait), stage):
        # The thread has the news; the DM and the edit are extras that must not repeat it.
        _best_effort(services, esc, wait)
        return
    if esc.assignee_id:
        _dm(services, esc.assignee_id, build_assignee_dm(esc, wait), esc.id)
    _refresh_quietly(services, esc.id)


def _best_effort(services: Services, esc: Snapshot, wait: str) -> None:
    if esc.assignee_id:
        try:
            services.client.chat_postMessage(
                channel=esc.assignee_id, **build_assignee_dm(esc, wait)
            )
        except Exception as error:
            log.warning("escalation #%s: level DM failed: %s", esc.id, error_code(error))
    _refresh_quietly(services, esc.id)


def _refresh_quietly(services: Services, escalation_id: int) -> None:
    # The stage's news is out: a failed edit must not give the claim back and repeat it.
    try:
        refresh_message(services, escalation_id)
    except Exception as error:
        log.warning("escalation #%s: message not edited: %s", escalation_id, error_code(error))


def _post_in_thread(services: Services, esc: Snapshot, text: str, stage: int) -> bool:
    """Post in the escalation's thread; False if never posted or Slack refused for good.

    An earlier run of this stage may have been taken by Slack and then failed for Baton (its
    claim was given back): the thread, short and read in one call, is looked at first.
    """
    channel_id, message_ts = esc.channel_id, esc.message_ts
    if not (channel_id and message_ts):
        return False
    try:
        post_once(
            services,
            ref=f"escalation:{esc.id}:stage:{stage}",
            channel=channel_id,
            thread_ts=message_ts,
            since=esc.created_at,
            text=text,
        )
    except Exception as error:
        if not is_permanent(error):
            raise
        log.warning("thread of escalation #%s unusable: %s", esc.id, error_code(error))
        return False
    return True


def _dm(services: Services, user_id: str, message: dict[str, Any], escalation_id: int) -> None:
    try:
        services.client.chat_postMessage(channel=user_id, **message)
    except Exception as error:
        if not is_permanent(error):
            raise
        # Nowhere left to say it; keep the claim so the clock does not retry every minute.
        log.warning("escalation #%s reminder lost: %s", escalation_id, error_code(error))
