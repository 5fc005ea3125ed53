"""A workspace's settings flows: open the form, check and save it, the App Home's part."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.config.parsing import get
from bot.config.workspace import NAMES, changes, current_value, problems
from bot.core.errors import NotAllowed
from bot.runtime.services import Services
from bot.settings import blocks
from bot.settings.rules import Change, HomePart, may_change, refusal
from storage import workspace_settings as store
from storage.models import WorkspaceSettingChange

# How many changes the App Home lists.
HOME_CHANGES = 5


def is_admin(services: Services, user_id: str) -> bool:
    """Whether `user_id` may change the settings of the workspace the work acts for."""
    admins = services.settings.admins
    # A Baton admin is one without asking Slack.
    person = None if user_id in admins else services.users.lookup(user_id)
    return may_change(user_id, admins, person)


def require_admin(services: Services, user_id: str) -> None:
    """NotAllowed, saying who may, for anyone who may not change the settings."""
    if not is_admin(services, user_id):
        raise NotAllowed(refusal(services.settings.admins))


def _environment(services: Services) -> dict[str, str | None]:
    return {name: get(services.defaults.source, name) for name in NAMES}


def open_form(services: Services, *, user_id: str, team_id: str) -> dict[str, Any]:
    """The settings form of `team_id`, for one of its admins."""
    require_admin(services, user_id)
    stored = services.workspace_settings.stored(team_id)
    source = services.defaults.source
    current = {name: current_value(source, stored, name) for name in NAMES}
    return blocks.build_form(current, _environment(services))


def save_form(
    services: Services, *, user_id: str, team_id: str, typed: Mapping[str, str | None]
) -> list[Change] | dict[str, str]:
    """Store what the admin changed, with who and when, and make every process of this one
    use it at once (the others within seconds); or, when a value cannot be read, what is wrong
    with each, storing nothing."""
    require_admin(services, user_id)
    proposed = {name: typed.get(name) for name in NAMES if name in typed}
    source = services.defaults.source
    stored = services.workspace_settings.stored(team_id)
    wrong = problems(source, stored, proposed)
    if wrong:
        return wrong
    with services.db.unit_of_work() as session:
        # Read again in the transaction that writes: another admin may have saved meanwhile.
        stored = store.stored_values(session, team_id=team_id)
        made = store.save_changes(
            session,
            team_id=team_id,
            changes=changes(source, stored, proposed),
            by=user_id,
            now=services.now(),
        )
        saved = [change_of(row) for row in made]
    services.workspace_settings.changed(team_id)
    return saved


def change_of(row: WorkspaceSettingChange) -> Change:
    """A stored change as plain values."""
    return Change(row.name, row.old_value, row.new_value, row.changed_by, row.changed_at)


def home_part(services: Services, *, user_id: str, team_id: str) -> HomePart | None:
    """The settings the workspace set itself and its last changes; None for a non-admin."""
    if not is_admin(services, user_id):
        return None
    environment = _environment(services)
    with services.db.reading() as session:
        stored = store.stored_values(session, team_id=team_id)
        last = store.last_changes(session, team_id=team_id, limit=HOME_CHANGES)
        recent = [change_of(row) for row in last]
    own = [(name, stored[name], environment[name]) for name in NAMES if name in stored]
    return HomePart(own, recent)
