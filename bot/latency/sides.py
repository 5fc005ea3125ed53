"""The sides' members, read from their Slack user groups (hourly, by the clock) and stored in
`side_members`, where every process reads them (bot.runtime.sides)."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from slack_sdk import WebClient

from bot.config.latency import Side
from bot.runtime.services import Services
from storage import messages

log = logging.getLogger(__name__)


class SideGroupNotFound(Exception):
    """A BATON_SIDES handle that no user group of the workspace has."""


def group_ids(client: WebClient, sides: Sequence[Side]) -> dict[str, str]:
    """side name → user group id; handles are looked up with one usergroups.list call."""
    found = {side.name: side.group for side in sides if side.group_is_id}
    wanted = {side.group: side.name for side in sides if not side.group_is_id}
    if wanted:
        groups: list[dict[str, Any]] = client.usergroups_list().get("usergroups") or []
        by_handle = {
            str(group.get("handle") or "").lstrip("@").lower(): str(group["id"]) for group in groups
        }
        for handle, name in wanted.items():
            if handle not in by_handle:
                raise SideGroupNotFound(
                    f"BATON_SIDES: no user group @{handle} in this workspace (side {name})"
                )
            found[name] = by_handle[handle]
    return found


def read_members(client: WebClient, sides: Sequence[Side]) -> dict[str, list[str]]:
    """side name → the user ids of its Slack user group."""
    ids = group_ids(client, sides)
    members: dict[str, list[str]] = {}
    for side in sides:
        answer = client.usergroups_users_list(usergroup=ids[side.name])
        members[side.name] = [str(user) for user in answer.get("users") or []]
    return members


def store_members(services: Services, members: Mapping[str, Sequence[str]], now: datetime) -> None:
    """Replace the stored membership of every side in one transaction."""
    team_id = services.team_id
    with services.db.unit_of_work() as session:
        messages.forget_sides_except(session, list(members))
        for side, user_ids in members.items():
            messages.replace_side_members(
                session, team_id=team_id, side=side, user_ids=user_ids, now=now
            )
