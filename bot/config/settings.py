"""Settings: one object, built from the environment (and a `.env` file), validated at start.

The object holds what every part of Baton shares (Slack, the database, the HTTP server, the
team's working time, the admins) and one part per capability, each reading its own variables
with its defaults written once, on its own fields.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from dotenv import find_dotenv, load_dotenv
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.config.alerts import AlertSettings
from bot.config.blockers import BlockerSettings
from bot.config.calendar import DEFAULT_CALENDAR, calendar_from_env
from bot.config.checkins import CheckinSettings
from bot.config.digest import DigestSettings
from bot.config.escalations import EscalationSettings
from bot.config.kpi import KpiSettings
from bot.config.latency import LatencySettings
from bot.config.nps import NpsSettings
from bot.config.parsing import (
    TEAM_HELP,
    TEAM_ID,
    USER_ID,
    USERS_HELP,
    Env,
    get,
    ids,
    int_between,
    one_id,
    parse,
    positive_int,
)
from bot.config.privacy import PrivacySettings
from bot.core.business_time import BusinessCalendar
from bot.core.errors import ConfigError

DEFAULT_DATABASE_URL = "sqlite:///baton.db"
DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_PORT = 3000
DEFAULT_WEB_CONCURRENCY = 2
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


@dataclass(frozen=True)
class Settings:
    """Everything Baton reads from its environment; secrets never appear in its repr."""

    slack_bot_token: str = field(repr=False)
    slack_signing_secret: str = field(repr=False)
    slack_app_token: str | None = field(default=None, repr=False)
    # With both, Baton serves Slack's install flow and each workspace has its own bot token.
    slack_client_id: str | None = None
    slack_client_secret: str | None = field(default=None, repr=False)
    database_url: str = field(default=DEFAULT_DATABASE_URL, repr=False)
    slack_api_url: str = DEFAULT_SLACK_API_URL
    port: int = DEFAULT_PORT
    web_concurrency: int = DEFAULT_WEB_CONCURRENCY
    log_level: str = "INFO"
    calendar: BusinessCalendar = DEFAULT_CALENDAR
    admins: frozenset[str] = frozenset()
    # The workspace this deployment serves, for when Slack cannot be asked (BATON_TEAM_ID).
    team_id: str | None = None
    scheduler_interval_seconds: int = 60
    escalations: EscalationSettings = EscalationSettings()
    blockers: BlockerSettings = BlockerSettings()
    latency: LatencySettings = LatencySettings()
    nps: NpsSettings = NpsSettings()
    digest: DigestSettings = DigestSettings()
    kpi: KpiSettings = KpiSettings()
    alerts: AlertSettings = AlertSettings()
    checkins: CheckinSettings = CheckinSettings()
    privacy: PrivacySettings = PrivacySettings()
    # The variables these settings were read from: a workspace's own settings are read from
    # them with the workspace's changes laid over (bot.runtime.workspace_settings).
    source: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)

    @property
    def installs(self) -> bool:
        """Whether Baton serves many workspaces, each installed through Slack's install flow
        and answered with its own bot token, rather than one workspace with SLACK_BOT_TOKEN."""
        return self.slack_client_id is not None


def listen_port(env: Env) -> int:
    """The TCP port Baton's HTTP server listens on (PORT, as hosting platforms set it)."""
    return parse(env, "PORT", int_between(1, 65535), "a TCP port number") or DEFAULT_PORT


def web_concurrency(env: Env) -> int:
    """How many gunicorn workers serve Slack (WEB_CONCURRENCY, as Heroku-style hosts set it)."""
    workers = parse(env, "WEB_CONCURRENCY", positive_int, "a whole number of workers")
    return workers or DEFAULT_WEB_CONCURRENCY


def load_settings(env: Env | None = None, *, require_slack: bool = True) -> Settings:
    """Build settings from `env` (default: the process environment after reading `.env`).

    Raises ConfigError naming the first variable that is missing or malformed.
    """
    if env is None:
        # From the working directory: an installed package has no .env beside its own files.
        load_dotenv(find_dotenv(usecwd=True), override=False)
        env = os.environ

    token = get(env, "SLACK_BOT_TOKEN")
    secret = get(env, "SLACK_SIGNING_SECRET")
    client_id, client_secret = _install_credentials(env)
    if client_id is not None and token is not None:
        raise ConfigError(
            "SLACK_BOT_TOKEN",
            "leave it unset with SLACK_CLIENT_ID: each workspace's bot token comes from its "
            "installation",
        )
    if require_slack:
        if token is None and client_id is None:
            raise ConfigError(
                "SLACK_BOT_TOKEN",
                "required: the bot token (xoxb-…) of your Slack app, or SLACK_CLIENT_ID and "
                "SLACK_CLIENT_SECRET to install it in many workspaces",
            )
        if token is not None and not token.startswith("xoxb-"):
            raise ConfigError("SLACK_BOT_TOKEN", "expected a bot token starting with xoxb-")
        if secret is None:
            raise ConfigError(
                "SLACK_SIGNING_SECRET",
                "required: the signing secret from your app's Basic Information",
            )
    app_token = get(env, "SLACK_APP_TOKEN")
    if app_token is not None and not app_token.startswith("xapp-"):
        raise ConfigError("SLACK_APP_TOKEN", "expected an app-level token starting with xapp-")

    calendar = calendar_from_env(env, "BATON_")
    digest = DigestSettings.from_env(env)
    return Settings(
        slack_bot_token=token or "",
        slack_signing_secret=secret or "",
        slack_app_token=app_token,
        slack_client_id=client_id,
        slack_client_secret=client_secret,
        database_url=_database_url(get(env, "DATABASE_URL") or DEFAULT_DATABASE_URL),
        slack_api_url=_api_url(get(env, "SLACK_API_URL") or DEFAULT_SLACK_API_URL),
        port=listen_port(env),
        web_concurrency=web_concurrency(env),
        log_level=parse(env, "BATON_LOG_LEVEL", _log_level, "DEBUG, INFO, WARNING or ERROR")
        or Settings.log_level,
        calendar=calendar,
        admins=frozenset(parse(env, "BATON_ADMINS", ids(USER_ID), USERS_HELP) or ()),
        team_id=parse(env, "BATON_TEAM_ID", one_id(TEAM_ID), TEAM_HELP),
        scheduler_interval_seconds=parse(
            env, "BATON_SCHEDULER_INTERVAL", positive_int, "a whole number of seconds"
        )
        or Settings.scheduler_interval_seconds,
        escalations=EscalationSettings.from_env(env),
        blockers=BlockerSettings.from_env(env),
        latency=LatencySettings.from_env(env, calendar),
        nps=NpsSettings.from_env(env),
        digest=digest,
        kpi=KpiSettings.from_env(env),
        alerts=AlertSettings.from_env(env, digest.channels),
        checkins=CheckinSettings.from_env(env),
        privacy=PrivacySettings.from_env(env),
        source=dict(env),
    )


def _install_credentials(env: Env) -> tuple[str | None, str | None]:
    """SLACK_CLIENT_ID and SLACK_CLIENT_SECRET, from Basic Information: both or neither."""
    client_id = get(env, "SLACK_CLIENT_ID")
    client_secret = get(env, "SLACK_CLIENT_SECRET")
    if client_id is not None and client_secret is None:
        raise ConfigError(
            "SLACK_CLIENT_SECRET",
            "required with SLACK_CLIENT_ID: the client secret from your app's Basic Information",
        )
    if client_secret is not None and client_id is None:
        raise ConfigError(
            "SLACK_CLIENT_ID",
            "required with SLACK_CLIENT_SECRET: the client id from your app's Basic Information",
        )
    if client_id is not None and not re.fullmatch(r"[0-9]+\.[0-9]+", client_id):
        raise ConfigError(
            "SLACK_CLIENT_ID",
            f"expected a client id such as 1234567890.1234567890, got {client_id!r}",
        )
    return client_id, client_secret


def _api_url(raw: str) -> str:
    if not raw.startswith(("http://", "https://")):
        raise ConfigError("SLACK_API_URL", f"expected an http(s) URL, got {raw!r}")
    return raw if raw.endswith("/") else raw + "/"


def _log_level(raw: str) -> str:
    level = raw.upper()
    if level not in LOG_LEVELS:
        raise ValueError(raw)
    return level


# What SQLAlchemy takes; hosting platforms hand out postgres:// and postgresql:// URLs, which
# Baton reads as PostgreSQL through psycopg 3, its one PostgreSQL driver.
_DATABASE_SCHEMES = ("sqlite", "sqlite+pysqlite", "postgresql+psycopg")
_POSTGRES_ALIASES = ("postgres", "postgresql")


def _database_url(raw: str) -> str:
    """DATABASE_URL as SQLAlchemy takes it. Errors never repeat the URL: it may hold a password."""
    expected = "sqlite:///FILE or postgresql://USER:PASSWORD@HOST:PORT/DATABASE"
    scheme, separator, rest = raw.partition("://")
    if not separator:
        raise ConfigError("DATABASE_URL", f"expected {expected}, got something that is not a URL")
    if scheme in _POSTGRES_ALIASES:
        scheme = "postgresql+psycopg"
    if scheme not in _DATABASE_SCHEMES:
        raise ConfigError("DATABASE_URL", f"expected {expected}, got a {scheme}:// URL")
    url = f"{scheme}://{rest}"
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError("DATABASE_URL", f"expected {expected}; this one cannot be read") from None
    if scheme == "sqlite" and parsed.database in (None, "", ":memory:"):
        raise ConfigError(
            "DATABASE_URL",
            "an in-memory SQLite database is lost when Baton exits and is not shared by its "
            "processes; give a file: sqlite:///baton.db",
        )
    return url
