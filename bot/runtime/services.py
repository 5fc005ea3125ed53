"""What listeners and jobs share: settings, the database, the Slack client, the clock."""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Callable, Hashable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property, partial
from typing import TYPE_CHECKING, Any, TypeVar, cast

from bot.config.settings import Settings
from bot.runtime.installations import Installations, NotInstalled
from bot.runtime.slack_client import error_code, make_client
from bot.runtime.users import LOOKUP_TIMEOUT_SECONDS, UserDirectory
from bot.runtime.workspace_settings import WorkspaceSettings
from storage.db import Database, is_unreachable
from storage.scope import current_team

if TYPE_CHECKING:
    from slack_sdk import WebClient

log = logging.getLogger(__name__)

C = TypeVar("C")


def database_unreachable(error: BaseException) -> bool:
    """Whether `error` says the database is out of reach (down, restarting, a dropped link)
    or cannot store anything (a read-only or full disk)."""
    return is_unreachable(error)


def utc_now() -> datetime:
    return datetime.now(UTC)


def _lower_priority() -> None:
    # Linux schedules threads one by one: at the lowest priority, this work only runs when no
    # request is waiting for the CPU, so Slack always gets its answer first.
    with contextlib.suppress(OSError, AttributeError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)


class Background:
    """Work done after Slack has its answer: posting, DMs, message updates."""

    def __init__(self, max_workers: int = 4) -> None:
        self._executor = ThreadPoolExecutor(
            max_workers=max_workers, thread_name_prefix="baton-bg", initializer=_lower_priority
        )
        self._pending = 0
        self._idle = threading.Condition()

    def submit(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Future[Any]:
        """Run `fn` soon; its failure is logged with the traceback, never raised to the caller."""
        with self._idle:
            self._pending += 1
        return self._executor.submit(self._run, fn, args, kwargs)

    def _run(self, fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        try:
            return fn(*args, **kwargs)
        except Exception:
            log.exception("background work %s failed", getattr(fn, "__name__", fn))
            return None
        finally:
            with self._idle:
                self._pending -= 1
                self._idle.notify_all()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until no work is pending (tests, shutdown); False on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout=timeout)

    def shutdown(self) -> None:
        self._executor.shutdown(wait=True)


@dataclass
class Services:
    """Everything a listener or a job needs, built once per process."""

    defaults: Settings
    db: Database
    now: Callable[[], datetime] = utc_now
    background: Background = field(default_factory=Background)
    _team_id: str | None = field(default=None, init=False, repr=False)
    _made: dict[tuple[Hashable, str | None], Any] = field(
        default_factory=dict, init=False, repr=False
    )
    _made_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @property
    def settings(self) -> Settings:
        """The settings of the workspace the work acts for, else of the one this process's
        token serves once Slack named it (the clock's, with one token): the environment's, with
        that workspace's own changes laid over them; the environment's alone otherwise."""
        team = current_team() or self._team_id
        if not team:
            return self.defaults
        return self.workspace_settings.for_team(team)

    @cached_property
    def workspace_settings(self) -> WorkspaceSettings:
        return WorkspaceSettings(self.defaults, self.db)

    @cached_property
    def installations(self) -> Installations:
        """The workspaces Baton is installed in and their bot tokens (with SLACK_CLIENT_ID)."""
        return Installations(self.defaults, self.db)

    @property
    def client(self) -> WebClient:
        """The Slack Web API client of the workspace the work acts for (made on first use:
        `baton kpi` never calls Slack)."""
        return self._client("general", make_client)

    @property
    def poster(self) -> WebClient:
        """The client for posts in channels: it retries 429s only, because after a dropped
        connection or a 5xx Slack may have the post already (bot.runtime.posts looks first)."""
        return self._client("poster", partial(make_client, retry_unsure=False))

    @property
    def users(self) -> UserDirectory:
        """Who a user id is, asked of Slack with one quick try (see bot.runtime.users)."""
        return self._client(
            "users",
            lambda settings, token: UserDirectory(
                make_client(settings, token, timeout=LOOKUP_TIMEOUT_SECONDS, retry=False)
            ),
        )

    def _client(self, kind: str, make: Callable[[Settings, str | None], C]) -> C:
        """The `kind` of client holding the token of the workspace the work acts for: the one
        SLACK_BOT_TOKEN, or the workspace's own installation's. Made once per token, so a
        workspace that installs again gets a client with its new token."""
        token = self.token()
        return self.for_workspace((kind, token), lambda: make(self.defaults, token))

    def for_workspace(self, kind: Hashable, make: Callable[[], C]) -> C:
        """This process's one `kind` object for the workspace the work acts for, made on first
        use: a cache of Slack's or the database's answers must never serve one workspace's
        answers to another. `kind` names what the object is made with (a token, the sides'
        names), so that it is made again when that changes."""
        key = (kind, current_team())
        with self._made_lock:
            if key not in self._made:
                self._made[key] = make()
            return cast(C, self._made[key])

    def each_made(self, kind: Hashable) -> list[Any]:
        """The `kind` objects this process made for the workspace the work acts for; for every
        workspace when it acts for none (the one-token clock's work covers them all)."""
        team = current_team()
        with self._made_lock:
            return [
                made
                for (made_kind, made_for), made in self._made.items()
                if made_kind == kind and team in (None, made_for)
            ]

    def token(self) -> str | None:
        """The bot token of the workspace the work acts for. Raises NotInstalled when Baton
        serves many workspaces and this one has no installation (or it acts for none)."""
        if not self.defaults.installs:
            return self.defaults.slack_bot_token or None
        team = current_team()
        token = self.installations.bot_token(team) if team else None
        if token is None:
            raise NotInstalled(team)
        return token

    @property
    def team_id(self) -> str:
        """The workspace records are filed under: the one the running work acts for (a
        request's, an outbox task's; see storage.scope), else the one this process's token
        serves, as Slack's auth.test names it, else BATON_TEAM_ID ("" with neither). auth.test is
        asked again after a failure, so that one bad moment does not file a whole process's
        records under the fallback."""
        acting = current_team()
        if acting is not None:
            return acting
        fallback = self.defaults.team_id or ""
        if self.defaults.installs:
            return fallback
        if self._team_id is None:
            try:
                found = str(self.client.auth_test().get("team_id") or "")
            except Exception as error:
                log.warning(
                    "auth.test failed (%s); records filed under %s",
                    error_code(error),
                    fallback or "no workspace",
                )
                return fallback
            if not found:
                return fallback
            self._team_id = found
        return self._team_id

    @team_id.setter
    def team_id(self, team_id: str) -> None:
        self._team_id = team_id


def build_services(settings: Settings, *, db: Database | None = None) -> Services:
    """The process's services for `settings`: its own database engine unless `db` is given."""
    return Services(defaults=settings, db=db or Database(settings.database_url))
