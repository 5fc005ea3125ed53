"""Who is on which side: Slack user groups, read hourly by the clock, cached by each process.

The clock stores the members in `side_members`; web processes read that table at most once a
minute, so every process agrees within a minute and no message event waits on Slack for it.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from slack_sdk import WebClient

from bot.config.latency import Side
from bot.runtime.services import Services
from storage import messages
from storage.db import Database

log = logging.getLogger(__name__)


class SideDirectory:
    """user id → side, from the database, read again after `ttl_seconds`."""

    def __init__(
        self,
        db: Database,
        sides: Sequence[str],
        *,
        ttl_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._db = db
        self._sides = tuple(sides)
        self._ttl = ttl_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._members: Mapping[str, str] = {}
        self._expires = float("-inf")

    @property
    def sides(self) -> tuple[str, ...]:
        return self._sides

    def snapshot(self) -> Mapping[str, str]:
        """Every known member's side; someone in both groups counts for the first side."""
        if not self._sides:
            return {}
        now = self._clock()
        with self._lock:
            if now < self._expires:
                return self._members
        with self._db.reading() as session:
            stored = messages.side_members(session)
        members: dict[str, str] = {}
        for side in self._sides:
            for user_id in stored.get(side, ()):
                members.setdefault(user_id, side)
        with self._lock:
            self._members, self._expires = members, now + self._ttl
        return members

    def invalidate(self) -> None:
        with self._lock:
            self._expires = float("-inf")


_DIRECTORIES: weakref.WeakKeyDictionary[Database, SideDirectory] = weakref.WeakKeyDictionary()
_DIRECTORIES_LOCK = threading.Lock()


def directory(services: Services) -> SideDirectory:
    """The process's side directory for this database and these sides."""
    names = tuple(side.name for side in services.settings.latency.sides)
    with _DIRECTORIES_LOCK:
        found = _DIRECTORIES.get(services.db)
        if found is None or found.sides != names:
            found = _DIRECTORIES[services.db] = SideDirectory(services.db, names)
        return found


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
    with services.db.unit_of_work() as session:
        messages.forget_sides_except(session, list(members))
        for side, user_ids in members.items():
            messages.replace_side_members(session, side=side, user_ids=user_ids, now=now)
