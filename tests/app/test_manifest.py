"""manifest.yml: the Slack app a user creates from it receives everything Baton listens to.

The listeners are those `build_app` registers, the Web API methods those bot/ and handlers/
call: a new listener or a new method without its manifest entry or scope fails here.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, cast
from unittest import mock
from urllib.parse import urlparse, urlsplit

import yaml

import bot.app
from bot.config.settings import load_settings
from bot.runtime.services import Services

REPO = Path(__file__).resolve().parents[2]
MANIFEST = REPO / "manifest.yml"
SOURCE_DIRS = ("bot", "handlers")

# The bot scopes each Web API method Baton calls needs (docs.slack.dev/reference/methods).
SCOPES_FOR_METHOD: dict[str, frozenset[str]] = {
    "auth_test": frozenset(),
    "chat_postEphemeral": frozenset({"chat:write"}),
    "chat_postMessage": frozenset({"chat:write"}),
    "chat_update": frozenset({"chat:write"}),
    # The NPS audience may be a public or a private channel.
    "conversations_members": frozenset({"channels:read", "groups:read"}),
    # Looking for Baton's own post in a public or private channel (never in a DM).
    "conversations_history": frozenset({"channels:history", "groups:history"}),
    "conversations_replies": frozenset({"channels:history", "groups:history"}),
    # Only ever a DM with one person.
    "conversations_open": frozenset({"im:write"}),
    # files.getUploadURLExternal and files.completeUploadExternal.
    "files_upload_v2": frozenset({"files:write"}),
    "usergroups_list": frozenset({"usergroups:read"}),
    "usergroups_users_list": frozenset({"usergroups:read"}),
    "users_info": frozenset({"users:read"}),
    "views_open": frozenset(),
    "views_publish": frozenset(),
}

# The bot events an `app.event(…)` listener needs. Baton times messages in public and private
# channels it is a member of, and reads no DMs (the Messages tab is read-only).
EVENTS_FOR_LISTENER: dict[str, frozenset[str]] = {
    "message": frozenset({"message.channels", "message.groups"}),
    "app_home_opened": frozenset({"app_home_opened"}),
    "app_uninstalled": frozenset({"app_uninstalled"}),
    "tokens_revoked": frozenset({"tokens_revoked"}),
}

SCOPES_FOR_EVENT: dict[str, frozenset[str]] = {
    "message.channels": frozenset({"channels:history"}),
    "message.groups": frozenset({"groups:history"}),
    "app_home_opened": frozenset(),
    "app_uninstalled": frozenset(),
    "tokens_revoked": frozenset(),
}

INTERACTIVE_LISTENERS = frozenset({"action", "view", "view_submission", "shortcut", "options"})


# --- what Baton's code listens to and calls -----------------------------------------------------


@dataclass(frozen=True)
class Listener:
    kind: str  # the App method: event, message, command, action, view…
    target: str


class _RecordingApp:
    """Stands in for Bolt's App in build_app and notes each listener registered on it."""

    def __init__(self, **_: Any) -> None:
        self.listeners: list[Listener] = []

    def __getattr__(self, kind: str) -> Callable[..., Any]:
        def register(*args: Any, **kwargs: Any) -> Callable[[Any], Any]:
            if args:
                self.listeners.append(Listener(kind, _target(args[0])))
            return lambda function: function

        return register


def _target(matcher: Any) -> str:
    if isinstance(matcher, dict):
        return str(matcher.get("type") or matcher)
    return str(getattr(matcher, "value", matcher))  # str enums keep their value


@cache
def listeners() -> tuple[Listener, ...]:
    # Listeners reach the database and Slack only when called, which they are not here.
    services = cast(Services, mock.MagicMock(settings=load_settings({}, require_slack=False)))
    with mock.patch.object(bot.app, "App", _RecordingApp):
        app = cast(_RecordingApp, bot.app.build_app(services.settings, services))
    assert app.listeners, "build_app registered no listener: has the App changed name?"
    return tuple(app.listeners)


def _listened(kind: str) -> set[str]:
    return {listener.target for listener in listeners() if listener.kind == kind}


def _listened_events() -> set[str]:
    # app.message(…) listens to message events too.
    return _listened("event") | ({"message"} if _listened("message") else set())


def _python_files() -> Iterator[Path]:
    for directory in SOURCE_DIRS:
        yield from sorted((REPO / directory).rglob("*.py"))


def _receiver_name(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


@cache
def web_api_calls() -> dict[str, str]:
    """Each WebClient method bot/ and handlers/ call (`….client.chat_postMessage(…)`): where."""
    from slack_sdk import WebClient

    calls: dict[str, str] = {}
    for path in _python_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            method = node.func.attr
            if "client" not in _receiver_name(node.func.value).lower():
                continue
            if method in ("api_call", "api_call_async") and node.args:
                first = node.args[0]
                method = str(first.value) if isinstance(first, ast.Constant) else "api_call(?)"
                method = method.replace(".", "_")
            elif not callable(getattr(WebClient, method, None)):
                continue
            calls.setdefault(method, f"{path.relative_to(REPO)}:{node.lineno}")
    assert calls, "no Web API call found in bot/ or handlers/: has the client changed name?"
    return calls


def _served_path() -> str:
    """The path bot/server.py hands to Bolt's SlackRequestHandler."""
    tree = ast.parse((REPO / "bot" / "server.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _receiver_name(node.func) == "SlackRequestHandler":
            for keyword in node.keywords:
                if keyword.arg == "path" and isinstance(keyword.value, ast.Constant):
                    return str(keyword.value.value)
    return "/slack/events"  # Bolt's default


# --- the manifest --------------------------------------------------------------------------------


def manifest() -> dict[str, Any]:
    document = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    assert isinstance(document, dict), "manifest.yml is not a mapping"
    return document


def _get(document: dict[str, Any], path: str) -> Any:
    node: Any = document
    for key in path.split("."):
        assert isinstance(node, dict) and key in node, f"manifest.yml has no {path}"
        node = node[key]
    return node


def _commands(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["command"]: entry for entry in _get(document, "features.slash_commands")}


def test_manifest_reads_as_yaml_with_the_sections_slack_expects() -> None:
    document = manifest()
    assert _get(document, "_metadata.major_version") == 1
    assert _get(document, "display_information.name") == "Baton"
    # Unquoted, YAML reads the colour as a comment, and Slack refuses the empty value.
    colour = str(_get(document, "display_information.background_color"))
    assert re.fullmatch(r"#[0-9a-fA-F]{6}", colour), f"background_color: {colour}"
    assert _get(document, "features.bot_user.display_name")
    assert isinstance(_get(document, "oauth_config.scopes.bot"), list)
    assert isinstance(_get(document, "settings.event_subscriptions.bot_events"), list)


def test_manifest_declares_every_slash_command_baton_answers() -> None:
    commands = _commands(manifest())
    answered = _listened("command")
    assert {"/escalate", "/blocker", "/kpi"} <= answered
    assert answered - set(commands) == set(), "users could not type these commands"
    assert set(commands) - answered == set(), "Baton does not answer these commands"
    for name, entry in commands.items():
        assert entry.get("description"), f"{name} needs a description"
        assert entry.get("should_escape") is True, f"{name}: Baton reads <@U…> and <#C…> ids"


def test_commands_events_and_interactivity_share_baton_s_one_request_url() -> None:
    document = manifest()
    urls = {
        _get(document, "settings.event_subscriptions.request_url"),
        _get(document, "settings.interactivity.request_url"),
        *(entry["url"] for entry in _commands(document).values()),
    }
    assert len(urls) == 1, f"one Request URL for everything, got {sorted(urls)}"
    url = urlsplit(urls.pop())
    assert (url.scheme, url.path) == ("https", _served_path())
    assert _served_path() == "/slack/events"


def test_interactivity_is_on_for_baton_s_buttons_and_modals() -> None:
    interactive = [listener for listener in listeners() if listener.kind in INTERACTIVE_LISTENERS]
    assert interactive, "no button or modal listener found: has build_app changed?"
    enabled = _get(manifest(), "settings.interactivity.is_enabled")
    assert enabled is True, "without interactivity, Slack never sends Baton's button clicks"


def _needed_events() -> set[str]:
    unknown = _listened_events() - set(EVENTS_FOR_LISTENER)
    assert unknown == set(), f"add the bot events of {unknown} to EVENTS_FOR_LISTENER"
    return set().union(*(EVENTS_FOR_LISTENER[event] for event in _listened_events()))


def test_manifest_subscribes_to_exactly_the_events_baton_listens_to() -> None:
    needed = _needed_events()
    subscribed = set(_get(manifest(), "settings.event_subscriptions.bot_events"))
    assert needed - subscribed == set(), "Slack would never send these events"
    assert subscribed - needed == set(), "no listener handles these events"


def test_home_tab_is_on_exactly_when_baton_publishes_one() -> None:
    publishes = "app_home_opened" in _listened_events() and "views_publish" in web_api_calls()
    enabled = _get(manifest(), "features.app_home.home_tab_enabled")
    assert enabled is publishes, "the Home tab would be missing, or empty"


def test_every_web_api_method_baton_calls_has_a_known_scope() -> None:
    calls = web_api_calls()
    unknown = {method: where for method, where in calls.items() if method not in SCOPES_FOR_METHOD}
    assert unknown == {}, "add these methods and their bot scopes to SCOPES_FOR_METHOD"


def _needed_scopes() -> set[str]:
    needed = {"commands"} if _listened("command") else set()
    for method in web_api_calls():
        needed |= SCOPES_FOR_METHOD.get(method, frozenset())
    for event in _needed_events():
        needed |= SCOPES_FOR_EVENT[event]
    return needed


def test_bot_scopes_cover_every_call_and_event_and_ask_for_nothing_more() -> None:
    document = manifest()
    granted = _get(document, "oauth_config.scopes.bot")
    assert len(granted) == len(set(granted)), "a scope is listed twice"
    needed = _needed_scopes()
    assert needed - set(granted) == set(), "Slack would refuse these calls or events"
    assert set(granted) - needed == set(), "nothing Baton does needs these scopes"


def test_the_kpi_usage_hint_names_every_period_and_subcommand() -> None:
    hint = _commands(manifest())["/kpi"]["usage_hint"]
    for word in ("7d", "30d", "90d", "Nw", "scorecard", "checkin [N]", "chart", "nps start"):
        assert word in hint, word


def test_the_install_flow_asks_for_the_manifest_s_scopes() -> None:
    from bot.runtime.install_flow import BOT_SCOPES

    assert sorted(BOT_SCOPES) == sorted(_get(manifest(), "oauth_config.scopes.bot"))


def test_the_manifest_redirects_installs_to_baton_s_oauth_redirect() -> None:
    redirects = _get(manifest(), "oauth_config.redirect_urls")
    assert [urlparse(url).path for url in redirects] == ["/slack/oauth_redirect"]
