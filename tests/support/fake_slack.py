"""A fake Slack Web API on 127.0.0.1: Slack-shaped answers, calls recorded, failures on demand.

The tests start it in-process. `python -m tests.support.fake_slack [--port 8765]` runs it on its
own, printing each call, so that Baton can be tried on one machine with no Slack at all (the
README's "Try it locally").
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import socket
import sys
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.support.signing import APP_ID, TEAM_ID

BOT_USER_ID = "UBATON"
BOT_ID = "BBATON"

# Form fields slack_sdk sends JSON-encoded.
_JSON_FIELDS = ("blocks", "attachments", "view", "files", "metadata")
# What a storm answers, by turns.
STORM_KINDS = ("429", "500", "drop")
# The arguments that make a call the same call when it is tried again (files: their names).
_IDENTITY = (
    "channel channel_id thread_ts ts oldest cursor user users usergroup text blocks filename"
)


@dataclass
class Call:
    """One request the fake received."""

    method: str
    args: dict[str, Any]
    token: str | None
    at: float = 0.0  # time.monotonic() when the call arrived


@dataclass
class _Failure:
    error: str | None = None
    status: int | None = None
    retry_after: int | None = None
    drop: bool = False
    times: int = 1
    delay: float = 0.0
    # Do the call (a post is kept in the channel), then fail: Slack took it, Baton never hears.
    accept: bool = False


@dataclass(frozen=True)
class StormHit:
    """A call a storm failed without doing it: `kind` is one of STORM_KINDS."""

    kind: str
    call: Call


@dataclass
class _Storm:
    every: int
    until: float  # time.monotonic()
    counts: dict[str, int] = field(default_factory=dict)
    turn: int = 0


class _QuietServer(ThreadingHTTPServer):
    """A client that gave up waiting (a test's timeout) is no error of the fake's."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)


@dataclass
class FakeSlack:
    """Start it, point SLACK_API_URL at `.url`, then read `.calls`."""

    calls: list[Call] = field(default_factory=list)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    answers: dict[str, dict[str, Any]] = field(default_factory=dict)
    usergroups: dict[str, dict[str, Any]] = field(default_factory=dict)
    channel_members: dict[str, list[str]] = field(default_factory=dict)
    # Every message posted, by channel, oldest first, as conversations.history reads them.
    history: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    _file_names: dict[str, str] = field(default_factory=dict)
    _failures: dict[str, list[_Failure]] = field(default_factory=dict)
    # The calls storm() failed, in order.
    storm_hits: list[StormHit] = field(default_factory=list)
    _storms: dict[str, _Storm] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _ts: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _server: ThreadingHTTPServer | None = None
    echo: bool = False  # print each call (when run on its own)
    # The workspaces of Slack's install flow: each code oauth.v2.access takes, and each token
    # it gave (auth.test answers a token's own workspace).
    _codes: dict[str, str] = field(default_factory=dict)
    token_teams: dict[str, str] = field(default_factory=dict)

    # -- control -------------------------------------------------------------------------

    def start(self, port: int = 0) -> FakeSlack:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                self.do_POST()

            def do_POST(self) -> None:
                try:
                    fake._handle(self)
                except (BrokenPipeError, ConnectionResetError):
                    # The client gave up waiting (a test's timeout): nothing to answer.
                    self.close_connection = True

            def log_message(self, *args: Any) -> None:
                pass

        self._server = _QuietServer(("127.0.0.1", port), Handler)
        self._server.daemon_threads = True
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def base(self) -> str:
        assert self._server is not None, "start() the fake first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def url(self) -> str:
        """The SLACK_API_URL for Baton."""
        return f"{self.base}/api/"

    def response_url(self, name: str = "cmd") -> str:
        """A response_url whose posts are recorded as method `response_url`."""
        return f"{self.base}/respond/{name}"

    def add_user(
        self,
        user_id: str,
        *,
        name: str | None = None,
        is_bot: bool = False,
        deleted: bool = False,
        is_app_user: bool = False,
        tz: str = "America/New_York",
    ) -> None:
        self.users[user_id] = {
            "id": user_id,
            "team_id": TEAM_ID,
            "name": name or user_id.lower(),
            "real_name": name or user_id.title(),
            "deleted": deleted,
            "is_bot": is_bot,
            "is_app_user": is_app_user,
            "tz": tz,
            "profile": {"display_name": name or user_id.lower()},
        }

    def add_channel_members(self, channel: str, users: list[str]) -> None:
        """Members conversations.members lists for `channel` (pages of `limit`, cursor)."""
        self.channel_members.setdefault(channel, []).extend(users)

    def add_usergroup(self, group_id: str, handle: str, users: list[str]) -> None:
        """A user group that usergroups.users.list answers for."""
        self.usergroups[group_id] = {"id": group_id, "handle": handle, "users": list(users)}

    def fail(
        self,
        method: str,
        *,
        error: str | None = None,
        status: int | None = None,
        retry_after: int | None = None,
        drop: bool = False,
        times: int = 1,
        delay: float = 0.0,
        accept: bool = False,
    ) -> None:
        """Answer the next `times` calls of `method` with an API error, an HTTP status or a drop,
        or, with only `delay`, answer them normally after `delay` seconds. With `accept`, the
        call is done first (a post is kept) and the status or drop follows, or the `delay`."""
        with self._lock:
            self._failures.setdefault(method, []).append(
                _Failure(error, status, retry_after, drop, times, delay, accept)
            )

    def storm(self, methods: Iterable[str], *, every: int = 3, until: float) -> None:
        """Until time.monotonic() reaches `until`, every `every`-th call of each of `methods`
        fails without being done, by turns: HTTP 429 with Retry-After 1, HTTP 500, a dropped
        connection; after `until`, all succeed. Failures queued by fail() come first. Each
        failure is kept in `storm_hits`."""
        weather = _Storm(every, until)
        with self._lock:
            for method in methods:
                self._storms[method] = weather

    def grant(self, code: str, team_id: str) -> str:
        """Let oauth.v2.access take `code` (once) for an install in `team_id`; the bot token
        it will give."""
        with self._lock:
            self._codes[code] = team_id
        return bot_token_of(team_id)

    def revoke(self, team_id: str) -> None:
        """Make `team_id`'s bot token fail, as after an uninstall."""
        with self._lock:
            self.token_teams.pop(bot_token_of(team_id), None)

    def identity(self, call: Call) -> str:
        """What makes `call` the same call when tried again: its method, where it goes and what
        it says (a file by its name), never when it came."""
        same = {name: call.args[name] for name in _IDENTITY.split() if name in call.args}
        files = call.args.get("files")
        if isinstance(files, list):
            with self._lock:
                same["files"] = sorted(self._file_names.get(str(f.get("id")), "") for f in files)
        return f"{call.method} {json.dumps(same, sort_keys=True, default=str)}"

    def posts_in(self, channel: str) -> list[dict[str, Any]]:
        """The messages and file shares in `channel`, oldest first."""
        with self._lock:
            return list(self.history.get(channel, []))

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [call for call in self.calls if call.method == method]

    def reset(self) -> None:
        with self._lock:
            self.calls.clear()
            self._failures.clear()
            self._storms.clear()
            self.storm_hits.clear()

    def wait_for(self, method: str, count: int = 1, timeout: float = 5.0) -> list[Call]:
        """Wait until `method` was called `count` times; return its calls."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.calls_to(method)
            if len(found) >= count:
                return found
            time.sleep(0.01)
        raise AssertionError(f"{method} called {len(self.calls_to(method))} times, not {count}")

    # -- serving -------------------------------------------------------------------------

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        parts = urlsplit(request.path)
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length) if length else b""
        # The upload step sends the file's bytes, whatever its Content-Type says: not a form.
        if parts.path.startswith("/upload/"):
            self._record("file_upload", {"bytes": len(raw), "name": parts.path}, None)
            # fail("file_upload", status=500) makes the upload step itself fail.
            failure = self._next_failure("file_upload")
            if failure is not None and failure.status is not None:
                _send(request, failure.status, "upload failed", "text/plain")
                return
            _send(request, 200, "OK - " + str(len(raw)), "text/plain")
            return
        args = _parse_args(parts.query, raw, request.headers.get("Content-Type") or "")

        if parts.path.startswith("/respond/"):
            self._record("response_url", args, None)
            _send(request, 200, "ok", "text/plain")
            return

        method = parts.path.removeprefix("/api/")
        auth = request.headers.get("Authorization") or ""
        token = auth.removeprefix("Bearer ") if auth.startswith("Bearer ") else args.get("token")
        if auth.startswith("Basic "):
            # oauth.v2.access: the app's client id and secret, as HTTP basic authentication.
            pair = base64.b64decode(auth.removeprefix("Basic ")).decode()
            args["client_id"], _, args["client_secret"] = pair.partition(":")
        call = self._record(method, args, token)

        failure = self._next_failure(method) or self._storm_failure(call)
        done = self._answer(method, args, token) if failure and failure.accept else None
        if failure is not None and failure.delay:
            time.sleep(failure.delay)
        if failure is not None and (failure.error or failure.status or failure.drop):
            if failure.drop:
                # Close the socket without a word, as a dropped connection would.
                request.close_connection = True
                request.connection.shutdown(socket.SHUT_RDWR)
                return
            if failure.status == 429:
                headers = {"Retry-After": str(failure.retry_after or 1)}
                body = {"ok": False, "error": "ratelimited"}
                _send(request, 429, json.dumps(body), "application/json", headers)
                return
            if failure.status is not None:
                _send(request, failure.status, "server error", "text/plain")
                return
            _send(request, 200, json.dumps({"ok": False, "error": failure.error}))
            return

        _send(request, 200, json.dumps(done or self._answer(method, args, token)))

    def _record(self, method: str, args: dict[str, Any], token: str | None) -> Call:
        call = Call(method, args, token, time.monotonic())
        with self._lock:
            self.calls.append(call)
        if self.echo:
            where = args.get("channel") or args.get("channel_id") or args.get("user") or ""
            said = str(args.get("text") or "")[:160]
            print(f"{method} {where} {said}".rstrip(), flush=True)
        return call

    def _next_failure(self, method: str) -> _Failure | None:
        with self._lock:
            queue = self._failures.get(method)
            if not queue:
                return None
            failure = queue[0]
            failure.times -= 1
            if failure.times <= 0:
                queue.pop(0)
            return failure

    def _storm_failure(self, call: Call) -> _Failure | None:
        with self._lock:
            weather = self._storms.get(call.method)
            if weather is None or call.at >= weather.until:
                return None
            count = weather.counts[call.method] = weather.counts.get(call.method, 0) + 1
            if count % weather.every:
                return None
            kind = STORM_KINDS[weather.turn % len(STORM_KINDS)]
            weather.turn += 1
            self.storm_hits.append(StormHit(kind, call))
        if kind == "429":
            return _Failure(status=429, retry_after=1)
        return _Failure(status=500) if kind == "500" else _Failure(drop=True)

    def _keep(self, channel: str, message: dict[str, Any]) -> None:
        with self._lock:
            self.history.setdefault(channel, []).append(message)

    def _read(self, method: str, args: dict[str, Any]) -> dict[str, Any]:
        """conversations.history (top-level messages, newest first) or conversations.replies
        (a thread, oldest first), from `oldest` on, in pages of `limit` with a cursor."""
        channel = str(args.get("channel", ""))
        oldest = float(args.get("oldest") or 0)
        with self._lock:
            if channel not in self.history and channel not in self.channel_members:
                return {"ok": False, "error": "channel_not_found"}
            kept = list(self.history.get(channel, []))
        if method == "conversations.history":
            found = [m for m in kept if m.get("thread_ts", m["ts"]) == m["ts"]][::-1]
        else:
            thread = str(args.get("ts", ""))
            found = [m for m in kept if m["ts"] == thread or m.get("thread_ts") == thread]
        found = [m for m in found if float(m["ts"]) >= oldest]
        if not _is_true(args.get("include_all_metadata")):
            found = [{k: v for k, v in m.items() if k != "metadata"} for m in found]
        page = _page(found, args)
        return {"ok": True, "messages": page["items"], "has_more": page["has_more"], **page["meta"]}

    def _next_ts(self) -> str:
        with self._lock:
            return f"{int(time.time())}.{next(self._ts):06d}"

    def _answer(self, method: str, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        if method in self.answers:
            return self.answers[method]
        if method == "oauth.v2.access":
            return self._install(args)
        if not token:
            return {"ok": False, "error": "not_authed"}
        with self._lock:
            team = self.token_teams.get(token)
        if team is None and token.startswith(_INSTALLED_TOKEN):
            return {"ok": False, "error": "token_revoked"}
        if method == "auth.test":
            return {
                "ok": True,
                "url": "https://acme.slack.com/",
                "team": "Acme",
                "user": "baton",
                "team_id": team or TEAM_ID,
                "user_id": BOT_USER_ID,
                "bot_id": BOT_ID,
                "is_enterprise_install": False,
            }
        if method == "chat.postMessage":
            channel = str(args.get("channel", ""))
            if channel.startswith(("U", "W")):
                channel = "D" + channel[1:]
            ts = self._next_ts()
            message = {"type": "message", "user": BOT_USER_ID, "bot_id": BOT_ID, "ts": ts}
            kept = ("text", "blocks", "thread_ts", "metadata")
            message.update({k: args[k] for k in kept if k in args})
            self._keep(channel, message)
            return {"ok": True, "channel": channel, "ts": ts, "message": message}
        if method in ("conversations.history", "conversations.replies"):
            return self._read(method, args)
        if method == "chat.update":
            return {"ok": True, "channel": args.get("channel"), "ts": args.get("ts"), "text": ""}
        if method == "chat.postEphemeral":
            return {"ok": True, "message_ts": self._next_ts()}
        if method in ("views.open", "views.update", "views.push", "views.publish"):
            view = dict(args.get("view") or {})
            view.setdefault("id", "V" + self._next_ts().replace(".", ""))
            return {"ok": True, "view": view}
        if method == "conversations.open":
            users = str(args.get("users", ""))
            return {"ok": True, "channel": {"id": "D" + users.split(",")[0][1:]}}
        if method == "users.info":
            user = self.users.get(str(args.get("user", "")))
            if user is None:
                return {"ok": False, "error": "user_not_found"}
            return {"ok": True, "user": user}
        if method == "conversations.members":
            members = self.channel_members.get(str(args.get("channel", "")))
            if members is None:
                return {"ok": False, "error": "channel_not_found"}
            page = _page(members, args)
            return {"ok": True, "members": page["items"], **page["meta"]}
        if method == "usergroups.users.list":
            group = self.usergroups.get(str(args.get("usergroup", "")))
            if group is None:
                return {"ok": False, "error": "no_such_subteam"}
            return {"ok": True, "users": list(group["users"])}
        if method == "usergroups.list":
            groups = [
                {key: value for key, value in group.items() if key != "users"}
                for group in self.usergroups.values()
            ]
            return {"ok": True, "usergroups": groups}
        if method == "files.getUploadURLExternal":
            file_id = "F" + self._next_ts().replace(".", "")
            with self._lock:
                self._file_names[file_id] = str(args.get("filename") or "")
            return {"ok": True, "upload_url": f"{self.base}/upload/{file_id}", "file_id": file_id}
        if method == "files.completeUploadExternal":
            files = args.get("files") or []
            channel = args.get("channel_id")
            if channel:
                with self._lock:
                    shared = [
                        {"id": f.get("id"), "name": self._file_names.get(str(f.get("id")), "")}
                        for f in files
                    ]
                share = {"type": "message", "user": BOT_USER_ID, "ts": self._next_ts()}
                share["files"] = shared
                if args.get("thread_ts"):
                    share["thread_ts"] = args["thread_ts"]
                self._keep(str(channel), share)
            return {
                "ok": True,
                "files": [{"id": f.get("id"), "title": f.get("title")} for f in files],
            }
        return {"ok": False, "error": "unknown_method"}

    def _install(self, args: dict[str, Any]) -> dict[str, Any]:
        """oauth.v2.access: a granted code, once, for the workspace's bot token."""
        if not args.get("client_id") or not args.get("client_secret"):
            return {"ok": False, "error": "invalid_client_id"}
        with self._lock:
            team = self._codes.pop(str(args.get("code", "")), None)
            if team is None:
                return {"ok": False, "error": "invalid_code"}
            token = bot_token_of(team)
            self.token_teams[token] = team
        return {
            "ok": True,
            "access_token": token,
            "token_type": "bot",
            "scope": "commands,chat:write",
            "bot_user_id": BOT_USER_ID,
            "app_id": APP_ID,
            "team": {"id": team, "name": f"Workspace {team}"},
            "enterprise": None,
            "is_enterprise_install": False,
            "authed_user": {"id": "U0INSTALLER"},
        }


# The bot tokens of workspaces installed through oauth.v2.access start so.
_INSTALLED_TOKEN = "xoxb-installed-"


def bot_token_of(team_id: str) -> str:
    """The bot token the fake's install flow gives workspace `team_id`."""
    return _INSTALLED_TOKEN + team_id.lower()


def _page(items: list[Any], args: dict[str, Any]) -> dict[str, Any]:
    """One page of `items` as Slack pages them: `limit` from the `cursor` on, and the next one."""
    start = int(args.get("cursor") or 0)
    limit = int(args.get("limit") or 100)
    more = start + limit < len(items)
    return {
        "items": items[start : start + limit],
        "has_more": more,
        "meta": {"response_metadata": {"next_cursor": str(start + limit) if more else ""}},
    }


def _is_true(value: Any) -> bool:
    return value in (True, 1, "1", "true", "True")


def _parse_args(query: str, raw: bytes, content_type: str) -> dict[str, Any]:
    args: dict[str, Any] = dict(parse_qsl(query))
    if raw and content_type.startswith("application/json"):
        args.update(json.loads(raw))
    elif raw and content_type.startswith("application/x-www-form-urlencoded"):
        args.update(parse_qsl(raw.decode()))
    for name in _JSON_FIELDS:
        value = args.get(name)
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                args[name] = json.loads(value)
    return args


def _send(
    request: BaseHTTPRequestHandler,
    status: int,
    body: str,
    content_type: str = "application/json",
    headers: dict[str, str] | None = None,
) -> None:
    data = body.encode()
    request.send_response(status)
    request.send_header("Content-Type", content_type)
    request.send_header("Content-Length", str(len(data)))
    for name, value in (headers or {}).items():
        request.send_header(name, value)
    request.end_headers()
    request.wfile.write(data)


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description="A stand-in for Slack's Web API, on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    fake = FakeSlack(echo=True)
    for user in ("U0LOCAL", "U0OWNER"):
        fake.add_user(user)
    fake.start(args.port)
    print(f"Fake Slack Web API: SLACK_API_URL={fake.url}  (Ctrl-C stops it)", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    main()
