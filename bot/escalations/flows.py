"""Escalation flows: record, post and DM, acknowledge, resolve, list; the database and Slack."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from sqlalchemy.orm import Session

from bot.config.settings import Settings
from bot.core.errors import BatonError, NotAllowed, NotFound
from bot.core.ids import OutboxKind
from bot.core.severity import Severity
from bot.escalations.blocks import (
    already_text,
    build_confirmation,
    build_escalation_message,
    build_list,
    build_owner_dm,
    dm_failed_text,
    posting_failed_text,
)
from bot.escalations.rules import Draft, Snapshot
from bot.runtime.outbox import promise, unsure_since
from bot.runtime.posts import post_once
from bot.runtime.replies import Tell, tell_if_possible, teller
from bot.runtime.services import Services
from bot.runtime.slack_client import error_code, is_permanent
from bot.runtime.workspaces import note_if_elsewhere
from storage import driver
from storage import escalations as store
from storage.models import Escalation
from storage.statuses import EscalationStatus

log = logging.getLogger(__name__)


class AlreadyDone(BatonError):
    """Someone else acknowledged or resolved it first; nothing was changed."""


def snapshot(row: Escalation) -> Snapshot:
    """The row's values, detached from the session."""
    return Snapshot(
        id=row.id,
        title=row.title,
        severity=Severity(row.severity),
        status=EscalationStatus(row.status),
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
    return settings.escalations.channel or source_channel_id


def record(
    services: Services,
    draft: Draft,
    *,
    team_id: str,
    reporter_id: str,
    source_channel_id: str,
    reply: dict[str, Any],
    confirm: bool = False,
) -> Snapshot:
    """Store a new open escalation and promise its announcement; its number is its row id."""
    now = services.now()
    with driver.transaction(services.db) as tx:
        number = store.create_escalation(
            tx,
            team_id=team_id,
            title=draft.title,
            severity=int(draft.severity),
            reporter_id=reporter_id,
            owner_id=draft.owner_id,
            source_channel_id=source_channel_id,
            now=now,
            description=draft.description,
            link=draft.link,
        )
        promise(
            services,
            tx,
            OutboxKind.ESCALATION_ANNOUNCE,
            team_id=team_id,
            escalation_id=number,
            reply=reply,
            confirm=confirm,
        )
    return Snapshot(
        id=number,
        title=draft.title,
        severity=draft.severity,
        status=EscalationStatus.OPEN,
        reporter_id=reporter_id,
        owner_id=draft.owner_id,
        assignee_id=draft.owner_id,
        level=0,
        source_channel_id=source_channel_id,
        created_at=now,
        description=draft.description,
        link=draft.link,
    )


def _load(session: Session, escalation_id: int) -> Escalation:
    row = store.get_escalation(session, escalation_id)
    if row is None:
        note_if_elsewhere(session, Escalation, escalation_id)
        raise NotFound(f"There is no escalation #{escalation_id}.")
    return row


def load(services: Services, escalation_id: int) -> Snapshot:
    """The escalation as it is now; NotFound if there is none with that number."""
    with services.db.reading() as session:
        return snapshot(_load(session, escalation_id))


def announce(services: Services, escalation_id: int, tell: Tell, *, confirm: bool = False) -> None:
    """Post the new escalation, remember where, DM its owner; tell the reporter what failed.

    Only the channel post is retried (a passing Slack error raises); it is skipped once done,
    so a retry never posts twice. With `confirm`, the reporter is told the number once posted.
    """
    esc = load(services, escalation_id)
    if not esc.is_posted:
        target = post_channel(services.settings, esc.source_channel_id)
        try:
            posted = post_once(
                services,
                ref=f"escalation:{esc.id}",
                channel=target,
                since=unsure_since(),
                **build_escalation_message(esc, services.now()),
            )
        except Exception as error:
            if not is_permanent(error):
                raise
            log.warning("escalation #%s not posted: %s", esc.id, error_code(error))
            configured = services.settings.escalations.channel is not None
            tell(posting_failed_text(esc.id, target, error_code(error), configured=configured))
        else:
            with services.db.unit_of_work() as session:
                store.set_posted(session, esc.id, channel_id=posted.channel, message_ts=posted.ts)
            esc = load(services, escalation_id)
            if esc.status != EscalationStatus.OPEN:
                # Acknowledged or resolved while the post was on its way: show that.
                refresh_message(services, esc.id)

    if confirm and esc.channel_id:
        # After a failed post, the failure message has already told the number.
        tell_if_possible(
            tell, build_confirmation(esc, esc.channel_id)["text"], f"escalation #{esc.id}"
        )
    if esc.owner_id:
        try:
            services.client.chat_postMessage(channel=esc.owner_id, **build_owner_dm(esc))
        except Exception as error:
            log.warning("owner of escalation #%s not told: %s", esc.id, error_code(error))
            tell_if_possible(
                tell,
                dm_failed_text(esc.id, esc.owner_id, error_code(error)),
                f"escalation #{esc.id}",
            )


def announce_task(services: Services, payload: dict[str, Any]) -> None:
    """The outbox task behind `record`."""
    announce(
        services,
        int(payload["escalation_id"]),
        teller(services, payload["reply"]),
        confirm=bool(payload.get("confirm")),
    )


# -- acknowledging and resolving ---------------------------------------------------------


def _refusal(esc: Snapshot, verb: str) -> NotAllowed:
    return NotAllowed(
        f"Only the owner, the reporter, the current assignee or a Baton admin can {verb} "
        f"escalation #{esc.id}. Nothing was changed."
    )


def acknowledge(
    services: Services, escalation_id: int, user_id: str, reply: dict[str, Any]
) -> Snapshot:
    """Acknowledge once; NotAllowed for others, AlreadyDone when someone was first."""
    return _change(services, escalation_id, user_id, reply, "acknowledge", store.acknowledge)


def _change(
    services: Services,
    escalation_id: int,
    user_id: str,
    reply: dict[str, Any],
    verb: str,
    change: Callable[..., bool],
) -> Snapshot:
    """`change` (a store function) made by `user_id` if they may `verb` the escalation; its
    message's edit promised. NotAllowed for others, AlreadyDone when someone was first."""
    with services.db.unit_of_work() as session:
        row = _load(session, escalation_id)
        if not snapshot(row).may_be_changed_by(user_id, services.settings.admins):
            raise _refusal(snapshot(row), verb)
        changed = change(session, escalation_id, user_id=user_id, now=services.now())
        if changed:
            promise(
                services,
                session,
                OutboxKind.ESCALATION_REFRESH,
                team_id=row.team_id,
                escalation_id=escalation_id,
                reply=reply,
            )
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
    if esc.status == EscalationStatus.RESOLVED:
        raise AlreadyDone(already_text(esc))
    return esc


def resolve(
    services: Services,
    escalation_id: int,
    user_id: str,
    note: str | None,
    reply: dict[str, Any],
) -> Snapshot:
    """Resolve once, with an optional note; permission is checked again at submission."""
    resolve_with_note = partial(store.resolve, note=note)
    return _change(services, escalation_id, user_id, reply, "resolve", resolve_with_note)


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
        if not is_permanent(error):
            raise
        log.warning("message of escalation #%s not updated: %s", esc.id, error_code(error))
        if tell is not None:
            tell(
                f":warning: Escalation #{esc.id} is {esc.status}, but I could not update its "
                f"message (Slack said `{error_code(error)}`)."
            )


def refresh_task(services: Services, payload: dict[str, Any]) -> None:
    """The outbox task behind `acknowledge` and `resolve`."""
    refresh_message(services, int(payload["escalation_id"]), teller(services, payload["reply"]))


# -- listing -----------------------------------------------------------------------------


def list_open(services: Services, team_id: str | None) -> dict[str, Any]:
    """The open escalations of the workspace, oldest first, as a message."""
    with services.db.reading() as session:
        rows = store.open_escalations(session, team_id=team_id or None)
        escalations = [snapshot(row) for row in rows]
    return build_list(escalations, services.now())
