"""Who is on which side (client, partner), as the clock last read their Slack user groups.

The clock stores the members in `side_members`; every process reads that table at most once a
minute, so processes agree within a minute and no message event waits on Slack for it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence

from bot.core.business_time import BusinessCalendar
from bot.runtime.services import Services
from storage import messages
from storage.db import Database


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


def _kind(services: Services) -> tuple[str, tuple[str, ...]]:
    return ("sides", tuple(side.name for side in services.settings.latency.sides))


def directory(services: Services) -> SideDirectory:
    """The process's side directory for the workspace the work acts for and its sides."""
    kind = _kind(services)
    return services.for_workspace(kind, lambda: SideDirectory(services.db, kind[1]))


def read_sides_again(services: Services) -> None:
    """Have this process read the sides' members again, for the workspace the work acts for
    (for every workspace when it acts for none), once the clock has stored new ones."""
    for found in services.each_made(_kind(services)):
        found.invalidate()


def calendar_of(services: Services, user_id: str) -> BusinessCalendar:
    """The working time of `user_id`: their side's, else the team's."""
    settings = services.settings
    side = directory(services).snapshot().get(user_id)
    for known in settings.latency.sides:
        if known.name == side:
            return known.calendar
    return settings.calendar
