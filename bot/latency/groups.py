"""The members of user groups that messages mention, as they were when each message was posted.

Baton reads a group's members from Slack (`usergroups.users.list`) the first time a message
mentions it, and the clock reads every mentioned group again hourly, keeping a reading whenever
the members changed (storage.usergroups). A message uses the last reading at or before it was
posted, else the first after. Every process keeps the readings it used for a minute.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from slack_sdk import WebClient

from bot.core.remembered import Remembered
from bot.latency.people import LOOKUP_TIMEOUT_SECONDS, UNSURE_SECONDS
from bot.runtime.services import Services
from bot.runtime.slack_client import error_code, is_permanent, lookup_client
from storage import usergroups
from storage.db import Database
from storage.statuses import GroupMentionState
from storage.usergroups import Reading

log = logging.getLogger(__name__)

CACHE_SECONDS = 60.0


def reading_at(readings: Sequence[Reading], at: datetime) -> Reading | None:
    """The reading that holds at `at`: the last at or before it, else the first after."""
    before = [reading for reading in readings if reading.read_at <= at]
    if before:
        return before[-1]
    return readings[0] if readings else None


@dataclass(frozen=True)
class Mentioned:
    """What a mentioned group means for a message: its state, and the members to wait for."""

    state: GroupMentionState
    members: frozenset[str] = frozenset()


def read_from_slack(client: WebClient, group_id: str) -> tuple[bool, list[str]]:
    """(readable, members) of a group; a refusal (missing scope, no such group) is unreadable.
    A passing failure (timeout, 5xx, 429) raises."""
    try:
        answer = client.usergroups_users_list(usergroup=group_id)
    except Exception as error:
        if not is_permanent(error):
            raise
        log.warning("user group %s not readable: %s", group_id, error_code(error))
        return False, []
    return True, [str(user) for user in answer.get("users") or []]


def keep_reading(
    db: Database,
    group: str,
    *,
    team_id: str,
    readable: bool,
    members: Sequence[str],
    now: datetime,
) -> None:
    """Keep what Slack said of a group's members at `now`, if it changed."""
    with db.unit_of_work() as session:
        usergroups.add_reading(
            session, team_id=team_id, group_id=group, read_at=now, readable=readable,
            members=members,
        )  # fmt: skip


class GroupDirectory:
    """The readings of mentioned groups, from the database, kept for `ttl_seconds`; a group
    never read is read from Slack at once (one short try)."""

    def __init__(
        self,
        db: Database,
        client: WebClient,
        *,
        ttl_seconds: float = CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._db = db
        self._client = client
        self._readings: Remembered[str, list[Reading]] = Remembered(ttl_seconds, clock=clock)
        # Groups Slack could not say about just now: not asked again meanwhile.
        self._unsure: Remembered[str, bool] = Remembered(UNSURE_SECONDS, clock=clock)

    def readings(self, group_ids: Collection[str]) -> dict[str, list[Reading]]:
        read_at = self._readings.now()
        fresh = {
            group: found for group in group_ids if (found := self._readings.get(group)) is not None
        }
        missing = [group for group in group_ids if group not in fresh]
        if missing:
            with self._db.reading() as session:
                loaded = usergroups.readings(session, missing)
            for group, found in loaded.items():
                self._readings.put(group, found, read_at=read_at)
            fresh.update(loaded)
        return fresh

    def invalidate(self) -> None:
        self._readings.clear()

    def mentioned(
        self, group_ids: Sequence[str], *, team_id: str, posted_at: datetime, now: datetime
    ) -> dict[str, Mentioned]:
        """What each group a message posted at `posted_at` mentions means for it."""
        found: dict[str, Mentioned] = {}
        known = self.readings(group_ids)
        for group in group_ids:
            reading = reading_at(known[group], posted_at) or self._first_reading(
                group, team_id=team_id, now=now
            )
            if reading is None:
                found[group] = Mentioned(GroupMentionState.PENDING)
            elif reading.readable:
                found[group] = Mentioned(GroupMentionState.EXPANDED, reading.members)
            else:
                found[group] = Mentioned(GroupMentionState.UNREADABLE)
        return found

    def _first_reading(self, group: str, *, team_id: str, now: datetime) -> Reading | None:
        """Read a group Baton has never read; None when Slack cannot say now (the clock will
        read it, and a message meanwhile waits for it as pending)."""
        if self._unsure.get(group):
            return None
        try:
            readable, members = read_from_slack(self._client, group)
        except Exception as error:
            log.info("user group %s not read now (%s): pending", group, error_code(error))
            self._unsure.put(group, True, read_at=self._unsure.now())
            return None
        keep_reading(self._db, group, team_id=team_id, readable=readable, members=members, now=now)
        self._readings.forget(group)
        return Reading(group, now, readable, frozenset(members))


def _kind(token: str | None) -> tuple[str, str | None]:
    return ("latency groups", token)


def group_directory(services: Services) -> GroupDirectory:
    """The process's directory of mentioned groups for the workspace the work acts for."""
    token = services.token()
    return services.for_workspace(
        _kind(token),
        lambda: GroupDirectory(
            services.db, lookup_client(services.defaults, token, LOOKUP_TIMEOUT_SECONDS)
        ),
    )


def read_groups_again(services: Services) -> None:
    """Have this process read the mentioned groups' states again, for the workspace the work
    acts for (for every workspace when it acts for none)."""
    for found in services.each_made(_kind(services.token())):
        found.invalidate()
