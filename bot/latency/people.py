"""Which user ids are bots, asked of Slack once per id and process: a person never becomes a bot."""

from __future__ import annotations

import time
from collections.abc import Callable

from slack_sdk import WebClient

from bot.core.remembered import Remembered
from bot.runtime.services import Services
from bot.runtime.slack_client import lookup_client
from bot.runtime.users import UserDirectory

# A message event must be answered within 3 s: one short try, no sleeping on a 429.
LOOKUP_TIMEOUT_SECONDS = 2
KNOWN_SECONDS = 24 * 3600
UNSURE_SECONDS = 300


class BotCheck:
    """users.info behind a long cache; an id Slack cannot describe now counts as a person."""

    def __init__(self, client: WebClient, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._directory = UserDirectory(client, ttl_seconds=KNOWN_SECONDS, clock=clock)
        self._unsure: Remembered[str, bool] = Remembered(UNSURE_SECONDS, clock=clock)

    def is_bot(self, user_id: str) -> bool:
        if self._unsure.get(user_id):
            return False
        try:
            person = self._directory.lookup(user_id)
        except Exception:  # a timeout or a dropped connection: Slack is unwell
            person = None
        if person is None:
            # Slack is unwell: count a person, and do not ask again for a while.
            self._unsure.put(user_id, True, read_at=self._unsure.now())
            return False
        return person.is_bot


def bot_check(services: Services) -> BotCheck:
    """The process's bot check for the workspace the work acts for."""
    token = services.token()
    return services.for_workspace(
        ("latency bots", token),
        lambda: BotCheck(lookup_client(services.defaults, token, LOOKUP_TIMEOUT_SECONDS)),
    )
