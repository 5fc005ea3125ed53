"""Each workspace's own settings: the environment's, with the changes its admins made in Slack
laid over them."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping

from bot.config.settings import Settings
from bot.config.workspace import settings_for
from bot.core.errors import ConfigError
from bot.core.remembered import Remembered
from storage import workspace_settings as store
from storage.db import Database
from storage.scope import acting_for

log = logging.getLogger(__name__)

# How long a process trusts what it read of a workspace's settings: a request reads them dozens
# of times, and a change made in another process (the clock, another web worker) is seen after
# at most this long.
TTL_SECONDS = 2.0
# Settings built, by stored values: reading the same values again builds nothing.
_BUILT_LIMIT = 256


class WorkspaceSettings:
    """The settings of every workspace this process serves."""

    def __init__(
        self,
        defaults: Settings,
        db: Database,
        *,
        ttl_seconds: float = TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._defaults = defaults
        self._db = db
        self._known: Remembered[str, Settings] = Remembered(ttl_seconds, clock=clock)
        self._built: dict[frozenset[tuple[str, str]], Settings] = {}
        self._lock = threading.Lock()

    def for_team(self, team_id: str) -> Settings:
        """`team_id`'s settings; the environment's own object when it changed none."""
        read_at = self._known.now()
        known = self._known.get(team_id)
        if known is not None:
            return known
        settings = self._build(team_id, self.stored(team_id))
        self._known.put(team_id, settings, read_at=read_at)
        return settings

    def stored(self, team_id: str) -> dict[str, str]:
        """The values `team_id` set itself, read now (one query)."""
        with acting_for(team_id), self._db.reading() as session:
            return store.stored_values(session, team_id=team_id)

    def changed(self, team_id: str) -> None:
        """Forget what this process remembers of `team_id`'s settings, after a change."""
        self._known.forget(team_id)

    def _build(self, team_id: str, stored: Mapping[str, str]) -> Settings:
        if not stored:
            return self._defaults
        key = frozenset(stored.items())
        with self._lock:
            built = self._built.get(key)
        if built is not None:
            return built
        settings = self._readable(team_id, dict(stored))
        with self._lock:
            if len(self._built) >= _BUILT_LIMIT:
                self._built.clear()
            self._built[key] = settings
        return settings

    def _readable(self, team_id: str, stored: dict[str, str]) -> Settings:
        """The settings of `stored`, leaving out a value that can no longer be read (the
        environment changed under it, or a country left the holidays tables): the workspace
        goes on with the environment's value rather than fail every request."""
        while True:
            try:
                return settings_for(self._defaults, stored)
            except ConfigError as error:
                if error.variable not in stored:
                    log.warning(
                        "%s's settings cannot be read (%s); the environment's are used",
                        team_id,
                        error,
                    )
                    return self._defaults
                log.warning("%s's %s is left out: %s", team_id, error.variable, error.expected)
                del stored[error.variable]
