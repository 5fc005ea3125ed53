"""Escalation flows: record, post and DM, acknowledge, resolve, list; the database and Slack."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from bot.blocks.escalations import (
    already_text,
    build_escalation_message,
    build_list,
    build_owner_dm,
    dm_failed_text,
    posting_failed_text,
)
from bot.config import Settings
from bot.errors import BatonError, NotAllowed, NotFound
from bot.escalations import RESOLVED, Draft, Snapshot
from bot.services import Services
from bot.severity import Severity
from bot.slack_client import error_code
from storage import escalations as store
from storage.models import Escalation

log = logging.getLogger(__name__)

# Tell one person something privately: an ephemeral reply or a DM.
Tell = Callable[[str], None]


class AlreadyDone(BatonError):
    """Someone else acknowledged or resolved it first; nothing was changed."""


def snapshot(row: Escalation) -> Snapshot:
    """The row's values, detached from the session."""
    return Snapshot(
        id=row.id,
        title=row.title,
        severity=Severity(row.severity),
        status=row.status,
        reporter_id=row.reporter_id,
        owner_id=row.owner_id,
        assignee_id=row.assignee_id,
        level=row.level,
        source_channel_id=row.source_channel_id,
        created_at=row.created_at,
        description=row.description,
        link=row.link,
        channel_id=row.channel_id,
        message_ts=row.message_ts,
        acknowledged_at=row.acknowledged_at,
        acknowledged_by=row.acknowledged_by,
        resolved_at=row.resolved_at,
        resolved_by=row.resolved_by,
        resolution_note=row.resolution_note,
    )


# -- creating ----------------------------------------------------------------------------


def post_channel(settings: Settings, source_channel_id: str) -> str:
    """Where escalations go: the configured channel, or where the command was used."""
    return settings.escalation_channel or source_channel_id


def record(
    services: Services, draft: Draft, *, team_id: str, reporter_id: str, source_channel_id: str
) -> Snapshot:
    """Store a new open escalation; its number is its row id."""
    with services.db.unit_of_work() as session:
        row = store.create_escalation(
            session,
            team_id=team_id,
            title=draft.title,
            severity=int(draft.severity),
            reporter_id=reporter_id,
            owner_id=draft.owner_id,
            source_channel_id=source_channel_id,
            now=services.now(),
            description=draft.description,
            link=draft.link,
        )
        return snapshot(row)


def _load(session: Session, escalation_id: int) -> Escalation:
    row = store.get_escalation(session, escalation_id)
    if row is None:
        raise NotFound(f"There is no escalation #{escalation_id}.")
    return row


def load(services: Services, escalation_id: int) -> Snapshot:
    """The escalation as it is now; NotFound if there is none with that number."""
    with services.db.reading() as session:
        return snapshot(_load(session, escalation_id))


def announce(
    services: Services, escalation_id: int, tell: Tell, *, confirmation: str | None = None
) -> None:
    """Post the new escalation, remember where, DM its owner; tell the reporter what failed.

    `confirmation`, when given, is told first (a modal has no reply of its own to carry it).
    """
    if confirmation is not None:
        try:
            tell(confirmation)
        except Exception as error:
            log.warning("reporter not told escalation #%s: %s", escalation_id, error_code(error))
    esc = load(services, escalation_id)
    target = post_channel(services.settings, esc.source_channel_id)
    try:
        answer = services.client.chat_postMessage(
            channel=target, **build_escalation_message(esc, services.now())
        )
    except Exception as error:
        log.warning("escalation #%s not posted: %s", esc.id, error_code(error))
        configured = services.settings.escalation_channel is not None
        tell(posting_failed_text(esc.id, target, error_code(error), configured=configured))
    else:
        channel_id, ts = str(answer.get("channel") or target), str(answer["ts"])
        with services.db.unit_of_work() as session:
            store.set_posted(session, esc.id, channel_id=channel_id, message_ts=ts)
        esc = load(services, escalation_id)

    if esc.owner_id:
        try:
            services.client.chat_postMessage(channel=esc.owner_id, **build_owner_dm(esc))
        except Exception as error:
            log.warning("owner of escalation #%s not told: %s", esc.id, error_code(error))
            tell(dm_failed_text(esc.id, esc.owner_id, error_code(error)))


def tell_privately(services: Services, user_id: str, channel_id: str | None) -> Tell:
    """An ephemeral message in `channel_id`, or a DM when Baton cannot post there."""

    def tell(text: str) -> None:
        if channel_id:
            try:
                services.client.chat_postEphemeral(channel=channel_id, user=user_id, text=text)
                return
            except Exception as error:
                log.info("ephemeral failed (%s); sending a DM", error_code(error))
        services.client.chat_postMessage(channel=user_id, text=text)

    return tell


# -- acknowledging and resolving ---------------------------------------------------------


def _refusal(esc: Snapshot, verb: str) -> NotAllowed:
    return NotAllowed(
        f"Only the owner, the reporter, the current assignee or a Baton admin can {verb} "
        f"escalation #{esc.id}. Nothing was changed."
    )


def acknowledge(services: Services, escalation_id: int, user_id: str) -> Snapshot:
    """Acknowledge once; NotAllowed for others, AlreadyDone when someone was first."""
    with services.db.unit_of_work() as session:
        row = _load(session, escalation_id)
        esc = snapshot(row)
        if not esc.may_be_changed_by(user_id, services.settings.admins):
            raise _refusal(esc, "acknowledge")
        changed = store.acknowledge(session, escalation_id, user_id=user_id, now=services.now())
        session.refresh(row)
        esc = snapshot(row)
    if not changed:
        raise AlreadyDone(already_text(esc))
    return esc


def check_may_resolve(services: Services, escalation_id: int, user_id: str) -> Snapshot:
    """The escalation, if `user_id` may resolve it and it is not resolved yet."""
    esc = load(services, escalation_id)
    if not esc.may_be_changed_by(user_id, services.settings.admins):
        raise _refusal(esc, "resolve")
    if esc.status == RESOLVED:
        raise AlreadyDone(already_text(esc))
    return esc


def resolve(services: Services, escalation_id: int, user_id: str, note: str | None) -> Snapshot:
    """Resolve once, with an optional note; permission is checked again at submission."""
    with services.db.unit_of_work() as session:
        row = _load(session, escalation_id)
        esc = snapshot(row)
        if not esc.may_be_changed_by(user_id, services.settings.admins):
            raise _refusal(esc, "resolve")
        changed = store.resolve(
            session, escalation_id, user_id=user_id, note=note, now=services.now()
        )
        session.refresh(row)
        esc = snapshot(row)
    if not changed:
        raise AlreadyDone(already_text(esc))
    return esc


def refresh_message(services: Services, escalation_id: int, tell: Tell | None = None) -> None:
    """Edit the posted message to show the escalation as it is now."""
    esc = load(services, escalation_id)
    if not (esc.channel_id and esc.message_ts):
        return
    try:
        services.client.chat_update(
            channel=esc.channel_id,
            ts=esc.message_ts,
            **build_escalation_message(esc, services.now()),
        )
    except Exception as error:
        log.warning("message of escalation #%s not updated: %s", esc.id, error_code(error))
        if tell is not None:
            tell(
                f":warning: Escalation #{esc.id} is {esc.status}, but I could not update its "
                f"message (Slack said `{error_code(error)}`)."
            )


# -- listing -----------------------------------------------------------------------------


def list_open(services: Services, team_id: str | None) -> dict[str, Any]:
    """The open escalations of the workspace, oldest first, as a message."""
    with services.db.reading() as session:
        rows = store.open_escalations(session, team_id=team_id or None)
        escalations = [snapshot(row) for row in rows]
    return build_list(escalations, services.now())
