"""What a workspace's admins may change for their own workspace, and how a change is checked.

A workspace's settings are the environment's variables with the workspace's stored values laid
over them, read by the same `load_settings`: a stored value is the text a person would put in
the environment, and every parser and message of bot/config serves it unchanged. Only the
variables listed here can be stored; the rest (Slack, the database, the admins, the alerts
file, which names a file on the server) stay the environment's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from bot.config.parsing import Env, get
from bot.config.settings import Settings, load_settings
from bot.core.errors import ConfigError


@dataclass(frozen=True)
class WorkspaceVariable:
    """A variable a workspace may set: its form's label, an example of a value, and what
    leaving it unset in the environment means."""

    name: str
    label: str
    example: str
    unset: str


GROUPS: tuple[tuple[str, tuple[WorkspaceVariable, ...]], ...] = (
    (
        "Channels",
        (
            WorkspaceVariable(
                "BATON_DIGEST_CHANNELS", "Digest channels", "C012AB3CD,C045EF6GH", "no digest"
            ),
            WorkspaceVariable(
                "BATON_ALERT_CHANNEL", "Alert channels", "C012AB3CD", "the digest channels"
            ),
        ),
    ),
    (
        "Thresholds",
        (
            WorkspaceVariable("BATON_RESPONSE_SLA", "Response SLA", "4bh, 30m, 1bd", "4bh"),
            WorkspaceVariable(
                "BATON_UNANSWERED_AFTER", "Unanswered after", "24bh, 2d, 3bd", "24bh"
            ),
            WorkspaceVariable("BATON_BLOCKER_SLA", "Blocker SLA", "2bd, 8bh, 3d", "2bd"),
        ),
    ),
    (
        "Calendar",
        (
            WorkspaceVariable("BATON_TIMEZONE", "Time zone", "America/Bogota", "UTC"),
            WorkspaceVariable("BATON_WORKDAYS", "Working days", "mon-fri, sun-thu", "mon-fri"),
            WorkspaceVariable(
                "BATON_WORKHOURS", "Working hours", "09:00-18:00, 22:00-06:00", "09:00-18:00"
            ),
            WorkspaceVariable(
                "BATON_HOLIDAYS", "Public holidays of", "US, CO, US-NY", "no public holidays"
            ),
        ),
    ),
    (
        "Sides",
        (
            WorkspaceVariable(
                "BATON_SIDES", "Sides", "client=@acme-eng,partner=@latam-team", "no sides"
            ),
        ),
    ),
    (
        "NPS",
        (
            WorkspaceVariable(
                "BATON_NPS_AUDIENCE", "Survey audience", "C012AB3CD or S012AB3CD", "no rounds"
            ),
            WorkspaceVariable(
                "BATON_NPS_CADENCE",
                "Survey cadence",
                "weekly, biweekly, monthly, quarterly or off",
                "monthly",
            ),
        ),
    ),
    (
        "Check-ins",
        (
            WorkspaceVariable(
                "BATON_CHECKIN_LEADS",
                "Check-in leads",
                "delivery:U012AB3CD,finance:U045EF6GH",
                "no check-ins",
            ),
        ),
    ),
    (
        "Transfer",
        (
            WorkspaceVariable(
                "BATON_OPERATE_START", "Operation started on", "2026-09-07", "the first activity"
            ),
            WorkspaceVariable("BATON_TRANSFER_DATE", "Transfer date", "2027-06-30", "none"),
            WorkspaceVariable("BATON_SPRINT_DAYS", "Sprint length in days", "14", "14"),
        ),
    ),
)
WORKSPACE_VARIABLES: tuple[WorkspaceVariable, ...] = tuple(
    variable for _, variables in GROUPS for variable in variables
)
NAMES: tuple[str, ...] = tuple(variable.name for variable in WORKSPACE_VARIABLES)
BY_NAME: Mapping[str, WorkspaceVariable] = {
    variable.name: variable for variable in WORKSPACE_VARIABLES
}


def overlay(source: Env, stored: Mapping[str, str]) -> dict[str, str]:
    """The environment `source` with a workspace's `stored` values laid over it (only the
    variables a workspace may set; a name no longer among them is passed over)."""
    return {**source, **{name: value for name, value in stored.items() if name in BY_NAME}}


def settings_for(defaults: Settings, stored: Mapping[str, str]) -> Settings:
    """A workspace's settings: `defaults`' environment with `stored` laid over it. What is not
    the workspace's own (Slack's tokens and secrets, the database, the HTTP server) is the
    process's, as `defaults` holds it. Raises ConfigError for a stored value that cannot be
    read (bot.runtime.workspace_settings leaves it out)."""
    settings = load_settings(overlay(defaults.source, stored), require_slack=False)
    return replace(
        settings,
        slack_bot_token=defaults.slack_bot_token,
        slack_signing_secret=defaults.slack_signing_secret,
        slack_app_token=defaults.slack_app_token,
        slack_client_id=defaults.slack_client_id,
        slack_client_secret=defaults.slack_client_secret,
        database_url=defaults.database_url,
        slack_api_url=defaults.slack_api_url,
        port=defaults.port,
        web_concurrency=defaults.web_concurrency,
    )


def current_value(source: Env, stored: Mapping[str, str], name: str) -> str | None:
    """The text `name` has for a workspace: its own, else the environment's; None when unset."""
    return get(overlay(source, stored), name)


def changes(
    source: Env, stored: Mapping[str, str], proposed: Mapping[str, str | None]
) -> dict[str, str | None]:
    """What saving `proposed` changes in the workspace's stored values: each variable's new
    value, None to remove it. An empty value, or the environment's own, is the environment's:
    nothing is stored for it, so a later change of the environment reaches the workspace."""
    changed: dict[str, str | None] = {}
    for name, value in proposed.items():
        if name not in BY_NAME:
            continue
        new = (value or "").strip() or None
        if new == get(source, name):
            new = None
        if new != stored.get(name):
            changed[name] = new
    return changed


def problems(
    source: Env, stored: Mapping[str, str], proposed: Mapping[str, str | None]
) -> dict[str, str]:
    """What is wrong with each proposed value that cannot be read, by variable, in the words
    of the variable's own parser (ConfigError.expected); {} when every one can.

    Each changed value is read alone with the workspace's other values, so each wrong one is
    named; then all of them together, for what only a pair of values gets wrong (sides whose
    working time the environment sets badly). An empty value is the environment's, which
    Baton read at start.
    """
    found: dict[str, str] = {}
    for name in proposed:
        if name not in BY_NAME:
            found[name] = "not a setting a workspace can change"
    changed = changes(source, stored, proposed)
    base = overlay(source, stored)
    for name, value in changed.items():
        if value is None:
            continue
        problem = _problem({**base, name: value})
        if problem is not None:
            found[name] = _said(problem, name)
    if found or not changed:
        return found
    problem = _problem(overlay(source, _applied(stored, changed)))
    if problem is not None:
        name = problem.variable if problem.variable in changed else next(iter(changed))
        found[name] = _said(problem, name)
    return found


def _applied(stored: Mapping[str, str], changed: Mapping[str, str | None]) -> dict[str, str]:
    after = {name: value for name, value in stored.items() if name not in changed}
    after.update({name: value for name, value in changed.items() if value is not None})
    return after


def _problem(env: Env) -> ConfigError | None:
    try:
        load_settings(env, require_slack=False)
    except ConfigError as error:
        return error
    return None


def _said(problem: ConfigError, name: str) -> str:
    """The message for the field `name`: the parser's words, naming the variable it read when
    that is another one (a side's working time, read because of BATON_SIDES)."""
    if problem.variable == name:
        return problem.expected
    return f"{problem.variable}: {problem.expected}"
