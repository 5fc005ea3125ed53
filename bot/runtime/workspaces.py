"""Workspaces coming and going: Baton uninstalled from one, and a record asked for from a
workspace that does not own it (refused as if missing, and logged with both workspaces, since
it is either a forgery or a bug worth knowing of)."""

from __future__ import annotations

import logging

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from bot.runtime.services import Services
from storage import outbox
from storage.models import InWorkspace
from storage.scope import current_team, owner_elsewhere

log = logging.getLogger(__name__)


def note_if_elsewhere(session: Session, model: type[InWorkspace], key: object) -> None:
    """Log it when `model`'s row `key`, not found, belongs to another workspace."""
    owner = owner_elsewhere(session, model, key)
    if owner is not None:
        log.warning(
            "%s %s belongs to workspace %s; a request from %s named it, and changed nothing",
            inspect(model).local_table.name,
            key,
            owner,
            current_team(),
        )


def uninstalled(services: Services, team_id: str, why: str) -> None:
    """Stop all work for `team_id` at once: delete its tokens, so that no job or task of it
    reaches Slack again, and drop its tasks not done yet. Its records stay, until
    `baton forget-workspace` deletes them."""
    if not services.defaults.installs:
        log.warning(
            "%s for workspace %s: Baton's token no longer works there; remove this deployment "
            "or set a new SLACK_BOT_TOKEN",
            why,
            team_id,
        )
        return
    deleted = services.installations.uninstall(team_id)
    with services.db.unit_of_work() as session:
        dropped = outbox.give_up_workspace(session, team_id, now=services.now(), error=why)
    log.info(
        "%s for workspace %s: %s installation rows deleted, %s waiting tasks dropped; its "
        "records stay until `baton forget-workspace %s`",
        why,
        team_id,
        sum(deleted.values()),
        dropped,
        team_id,
    )
