"""Who a Slack user id is: users.info, remembered for a few minutes in each process."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.core.blocks import user
from bot.core.errors import InvalidInput
from bot.core.lazy import lazy_module
from bot.core.remembered import Remembered
from bot.runtime.slack_client import error_code, slack_errors

if TYPE_CHECKING:
    from http import client as http_client

    from slack_sdk import WebClient
else:
    # Loaded with the first lookup: `baton kpi` makes none.
    http_client = lazy_module("http.client")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Person:
    """What users.info says of one id."""

    user_id: str
    exists: bool
    is_bot: bool = False
    deleted: bool = False
    # A workspace admin or owner (or primary owner, who is an owner too).
    is_admin: bool = False
    is_owner: bool = False


# People are looked up before Slack gets its answer (3 s): one try of at most this long.
LOOKUP_TIMEOUT_SECONDS = 1


class UserDirectory:
    """users.info answers, cached so that a command naming a person still answers fast.

    Give it a client that does not retry (slack_client.make_client(retry=False)) and has a
    short timeout: an answer Slack cannot give at once only means the person is not checked.
    """

    def __init__(
        self,
        client: WebClient,
        *,
        ttl_seconds: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._known: Remembered[str, Person] = Remembered(ttl_seconds, clock=clock)

    def lookup(self, user_id: str) -> Person | None:
        """The person behind `user_id`, or None when Slack cannot say right now."""
        read_at = self._known.now()
        cached = self._known.get(user_id)
        if cached is not None:
            return cached
        try:
            answer = self._client.users_info(user=user_id)
        except slack_errors.SlackApiError as error:
            if error_code(error) != "user_not_found":
                # Slack is unwell or a scope is missing: that is no reason to refuse the user.
                log.warning("users.info failed (%s); %s not checked", error_code(error), user_id)
                return None
            person = Person(user_id, exists=False)
        except (OSError, http_client.HTTPException, slack_errors.SlackClientError) as error:
            # A timeout or a dropped connection: the same, and no reason to fail the command.
            log.warning("users.info failed (%s); %s not checked", error_code(error), user_id)
            return None
        else:
            info: dict[str, Any] = answer.get("user") or {}
            person = Person(
                user_id,
                exists=True,
                is_bot=bool(info.get("is_bot")) or user_id == "USLACKBOT",
                deleted=bool(info.get("deleted")),
                is_admin=bool(info.get("is_admin")),
                is_owner=bool(info.get("is_owner")),
            )
        self._known.put(user_id, person, read_at=read_at)
        return person

    def require_person(self, user_id: str, *, role: str, allow_bots: bool = False) -> None:
        """InvalidInput unless `user_id` is an active member who can be `role`."""
        person = self.lookup(user_id)
        if person is None:
            return
        if not person.exists:
            raise InvalidInput(
                f"I can't find the user {user(user_id)} in this workspace, so nothing was "
                "recorded. Mention people with @ and pick them from the list."
            )
        if person.deleted:
            raise InvalidInput(
                f"{user(user_id)} is deactivated and cannot be {role}. Nothing was recorded."
            )
        if person.is_bot and not allow_bots:
            raise InvalidInput(
                f"{user(user_id)} is a bot; {role} must be a person. Nothing was recorded."
            )
