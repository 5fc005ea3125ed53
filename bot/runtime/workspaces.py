"""A record asked for from a workspace that does not own it: refused as if missing, and logged
with both workspaces, since it is either a forgery or a bug worth knowing of."""

from __future__ import annotations

import logging

from sqlalchemy import inspect
from sqlalchemy.orm import Session

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
