"""NPS flows: start and close rounds, record answers and comments; the database and Slack."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.core.errors import BatonError, InvalidInput, NotAllowed, NotFound
from bot.core.ids import OutboxKind
from bot.nps import rules
from bot.nps.blocks import audience_text, build_thanks, started_text
from bot.nps.rules import RoundInfo, ScoreClick
from bot.runtime.outbox import promise
from bot.runtime.replies import teller
from bot.runtime.scheduler import Work, run_once
from bot.runtime.services import Services
from bot.runtime.slack_client import error_code
from bot.runtime.workspaces import note_if_elsewhere
from storage import nps as store
from storage.models import NpsInvitation, NpsRound
from storage.statuses import InvitationStatus

log = logging.getLogger(__name__)

JOB = "nps_round"
# conversations.members answers at most this many per page.
_PAGE = 1000


class RoundAlreadyOpen(InvalidInput):
    """A round is open already; nothing was started."""


class AlreadyAnswered(BatonError):
    """The person answered this round before; nothing was changed."""


class RoundClosed(BatonError):
    """The round is over; nothing was recorded."""


def info(row: NpsRound) -> RoundInfo:
    """The round's values, detached from the session."""
    return RoundInfo(
        id=row.id,
        audience=row.audience,
        question=row.question,
        min_responses=row.min_responses,
        started_at=row.started_at,
        ends_at=row.ends_at,
        closed_at=row.closed_at,
        started_by=row.started_by,
    )


@dataclass(frozen=True)
class Started:
    """A round just opened, and how many members of the audience it invited."""

    round: RoundInfo
    members: int


def _already_open(round_: RoundInfo) -> RoundAlreadyOpen:
    return RoundAlreadyOpen(
        f"NPS round {round_.id} is already open (it closes on "
        f"{round_.ends_at:%Y-%m-%d}). Close it first with `/kpi nps close`; nothing was started."
    )


def check_can_start(services: Services) -> None:
    """InvalidInput when no round can start now: no audience set, or one is open."""
    if not services.settings.nps.audience:
        raise InvalidInput(
            "No NPS audience is set: set BATON_NPS_AUDIENCE to a channel id (C…) or a user "
            "group id (S…) and restart Baton. Nothing was started."
        )
    with services.db.reading() as session:
        row = store.open_round(session)
        if row is not None:
            raise _already_open(info(row))


def read_audience(client: WebClient, audience: str) -> list[str]:
    """The user ids of a channel's members or of a user group, as Slack lists them now."""
    try:
        if audience.startswith("S"):
            answer = client.usergroups_users_list(usergroup=audience)
            return [str(user) for user in answer.get("users") or []]
        members: list[str] = []
        cursor: str | None = None
        while True:
            page = client.conversations_members(channel=audience, limit=_PAGE, cursor=cursor)
            members.extend(str(user) for user in page.get("members") or [])
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return members
    except SlackApiError as error:
        hint = (
            "Baton needs the usergroups:read scope"
            if audience.startswith("S")
            else "for a private channel, `/invite @Baton` there first"
        )
        raise InvalidInput(
            f"I could not read who is in {audience_text(audience)} (Slack said "
            f"`{error_code(error)}`): {hint}, and check BATON_NPS_AUDIENCE. Nothing was started."
        ) from error


def start_round(
    services: Services,
    *,
    started_by: str | None,
    period: str | None,
    scheduled_at: datetime | None = None,
) -> Started:
    """Open a round for the audience's members as they are now; the clock sends the DMs.

    A round on the cadence ends BATON_NPS_ROUND_DAYS after its scheduled start, not after the
    tick that happened to open it, so a weekly round is closed before the next one is due.
    """
    settings = services.settings
    check_can_start(services)
    audience = settings.nps.audience
    assert audience is not None
    try:
        identity = services.client.auth_test()
    except SlackApiError as error:
        raise InvalidInput(
            f"Slack did not answer who Baton is (`{error_code(error)}`). Nothing was started."
        ) from error
    baton_user = str(identity.get("user_id") or "")
    members = [user for user in read_audience(services.client, audience) if user != baton_user]
    if not members:
        raise InvalidInput(f"{audience_text(audience)} has nobody to ask. Nothing was started.")
    now = services.now()
    with services.db.unit_of_work() as session:
        round_id = store.create_round(
            session,
            team_id=str(identity.get("team_id") or ""),
            audience=audience,
            question=settings.nps.question,
            min_responses=settings.nps.min_responses,
            started_at=now,
            ends_at=(scheduled_at or now) + timedelta(days=settings.nps.round_days),
            started_by=started_by,
            period=period,
        )
        if round_id is None:
            row = store.open_round(session)
            raise (
                _already_open(info(row))
                if row is not None
                else RoundAlreadyOpen(
                    "Another NPS round opened at the same moment; nothing was started."
                )
            )
        count = store.add_invitations(session, round_id, members)
        row = store.get_round(session, round_id)
        assert row is not None
        started = Started(info(row), count)
    log.info("NPS round %s opened for %s members of %s", round_id, count, audience)
    return started


def promise_start(
    services: Services, *, team_id: str, started_by: str, reply: dict[str, Any]
) -> None:
    """An admin's `/kpi nps start`: checked now, opened after Slack has its answer.

    Reading the audience takes a call to Slack per thousand members, too slow for the ack.
    """
    check_can_start(services)
    with services.db.unit_of_work() as session:
        promise(
            services,
            session,
            OutboxKind.NPS_START,
            team_id=team_id,
            started_by=started_by,
            reply=reply,
        )


def start_task(services: Services, payload: dict[str, Any]) -> None:
    """The outbox task behind `promise_start`: open the round, tell the admin how it went."""
    tell = teller(services, payload["reply"])
    try:
        started = start_round(services, started_by=str(payload["started_by"]), period=None)
    except BatonError as error:
        tell(error.user_message)
        return
    settings = services.settings
    tell(started_text(started.round, started.members, settings.nps.send_per_minute))


def start_scheduled_round(services: Services, now: datetime) -> bool:
    """Open the round the cadence calls for, once, however many clocks run; True if opened."""
    settings = services.settings
    if not settings.nps.audience:
        return False
    due = rules.due_start(
        settings.nps.cadence,
        now,
        weekday=settings.nps.weekday,
        at=settings.nps.at,
        tz=settings.calendar.tz,
    )
    if due is None:
        return False
    scheduled_at, period = due
    opened = False

    def do() -> None:
        nonlocal opened
        try:
            start_round(services, started_by=None, period=period, scheduled_at=scheduled_at)
            opened = True
        except RoundAlreadyOpen as skipped:
            # The claim is kept: this period's round is the one already running.
            log.info("scheduled NPS round %s skipped: %s", period, skipped.user_message)

    try:
        run_once(services, Work(JOB, settings.nps.audience, period), do)
    except BatonError as error:
        # The claim was given back; the next tick tries again, for up to a day.
        log.warning("scheduled NPS round %s not started: %s", period, error.user_message)
    return opened


# -- closing -------------------------------------------------------------------------------


def close_round(services: Services, *, closed_by: str | None) -> RoundInfo:
    """Close the open round now; NotFound when none is open."""
    now = services.now()
    with services.db.unit_of_work() as session:
        row = store.open_round(session)
        if row is None or not store.close_round(session, row.id, now=now, closed_by=closed_by):
            raise NotFound("No NPS round is open; start one with `/kpi nps start`.")
        session.refresh(row)
        return info(row)


def close_due_rounds(services: Services, now: datetime) -> list[int]:
    """Close every round whose time is up; returns the ones this call closed."""
    closed = []
    with services.db.unit_of_work() as session:
        for round_id in store.rounds_ending_by(session, now):
            if store.close_round(session, round_id, now=now, closed_by=None):
                closed.append(round_id)
    for round_id in closed:
        log.info("NPS round %s closed", round_id)
    return closed


# -- answering -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Answered:
    """A recorded answer: its random id (for the comment) and its round."""

    answer_id: str
    round: RoundInfo


def _refusal(services: Services, click: ScoreClick, user_id: str) -> BatonError:
    """Why a click changed nothing, in words for the person who clicked."""
    with services.db.reading() as session:
        invitation = store.get_invitation(session, click.invitation_id)
        if invitation is None:
            note_if_elsewhere(session, NpsInvitation, click.invitation_id)
        if invitation is None or invitation.user_id != user_id:
            return NotAllowed(
                "This survey was sent to someone else, so nothing was recorded. "
                "Your own survey, if you are asked, comes to you by DM."
            )
        row = store.get_round(session, invitation.round_id)
        assert row is not None
        round_ = info(row)
        status = invitation.status
    if status == InvitationStatus.ANSWERED:
        return AlreadyAnswered(
            f"You already answered NPS round {round_.id}. An answer counts once and, since it "
            "is anonymous, it cannot be changed. Nothing was changed."
        )
    if not round_.is_open:
        return RoundClosed(
            f"NPS round {round_.id} closed on {round_.closed_at:%Y-%m-%d}; answers are no "
            "longer recorded. Nothing was changed."
        )
    return NotAllowed("This survey is not open to you; nothing was recorded.")


def record_answer(services: Services, click: ScoreClick, user_id: str) -> Answered:
    """Store the score without the person and mark their invitation answered, in one transaction.

    A second click, a click on a closed round or on someone else's invitation raises a
    BatonError that explains it; nothing is changed then.
    """
    day = rules.answer_day(services.now(), services.settings.calendar.tz)
    with services.db.unit_of_work() as session:
        answer_id = store.record_answer(
            session, click.invitation_id, user_id=user_id, score=click.score, day=day
        )
        round_row = None
        if answer_id is not None:
            round_id = store.answer_round(session, answer_id)
            round_row = store.get_round(session, round_id) if round_id is not None else None
        answered = (
            Answered(answer_id, info(round_row))
            if answer_id is not None and round_row is not None
            else None
        )
    if answered is None:
        raise _refusal(services, click, user_id)
    return answered


def thank(services: Services, round_: RoundInfo, channel_id: str, message_ts: str) -> None:
    """Turn the answered survey DM into a thank-you with nothing left to click."""
    try:
        services.client.chat_update(channel=channel_id, ts=message_ts, **build_thanks(round_))
    except Exception as error:
        log.warning("NPS survey DM of round %s not updated: %s", round_.id, error_code(error))


def add_comment(services: Services, answer_id: str, user_id: str, comment: str) -> None:
    """Attach a comment to an answer once; only someone who answered that round may."""
    with services.db.unit_of_work() as session:
        round_id = store.answer_round(session, answer_id)
        invitation = (
            store.invitation_of(session, round_id, user_id) if round_id is not None else None
        )
        if invitation is None or invitation.status != InvitationStatus.ANSWERED:
            raise NotAllowed("This comment form is not yours; nothing was recorded.")
        if not store.set_comment(session, answer_id, comment):
            raise AlreadyAnswered("A comment was already added to this answer; it counts once.")


def metadata_answer(private_metadata: str) -> str:
    """The answer id a comment modal carries; NotFound when it carries none."""
    try:
        data: Any = json.loads(private_metadata or "{}")
    except ValueError:
        data = {}
    answer = data.get("answer") if isinstance(data, dict) else None
    if not isinstance(answer, str) or not answer:
        raise NotFound("This comment form has expired; nothing was recorded.")
    return answer
