"""Baton behind a real HTTP server, spoken to the way Slack speaks to it: signed requests."""

from __future__ import annotations

import itertools
import json
import threading
import time
import uuid
from collections.abc import Mapping
from datetime import datetime
from socketserver import ThreadingMixIn
from typing import Any
from urllib.parse import urlencode
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import requests
from sqlalchemy import func, select

from bot.app import TASKS
from bot.config.settings import Settings, load_settings
from bot.runtime.outbox import Drainer
from bot.runtime.services import Services
from bot.server import create_wsgi_app
from storage.db import Database
from storage.models import OutboxTask
from tests.support.fake_slack import FakeSlack
from tests.support.signing import APP_ID, TEAM_ID, signed_headers, slash_command_form

SIGNING_SECRET = "test-signing-secret-0123456789"
BOT_TOKEN = "xoxb-test-token"


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


class Baton:
    """Baton's WSGI app served on 127.0.0.1, with helpers that send what Slack would send."""

    def __init__(self, env: Mapping[str, str], fake_slack: FakeSlack) -> None:
        self.fake_slack = fake_slack
        self.settings: Settings = load_settings(env)
        self.db = Database(self.settings.database_url)
        from bot.runtime.services import build_services

        self.services: Services = build_services(self.settings, db=self.db)
        self._server = make_server(
            "127.0.0.1",
            0,
            create_wsgi_app(self.settings, self.services),
            server_class=_ThreadingServer,
            handler_class=_QuietHandler,
        )
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        self._triggers = itertools.count(1)
        # The outbox drainer runs beside the server, as `baton serve` runs it beside gunicorn;
        # settle() drains with a drainer of its own, in the test's thread.
        self.drainer = Drainer(self.services, TASKS)
        # Held by the drainer beside the server while it drains, and by set_now: a drain never
        # straddles a move of the clock (its "now" from before would make a claim made at the
        # new time look stale, and the task run twice).
        self._clock = threading.Lock()
        self._stop_drainer = threading.Event()
        self._drainer_thread = threading.Thread(target=self._drain_beside, daemon=True)
        self._drainer_thread.start()

    def _drain_beside(self) -> None:
        beside = Drainer(self.services, TASKS)
        while not self._stop_drainer.is_set():
            with self._clock:
                try:
                    taken = beside.drain_once()
                except Exception:  # as in Drainer.run: the next drain tries again
                    taken = 0
            if not taken:
                self._stop_drainer.wait(0.05)

    def close(self) -> None:
        self._stop_drainer.set()
        self._drainer_thread.join(timeout=10)
        self.services.background.wait_idle()
        self._server.shutdown()
        self._server.server_close()
        self.db.dispose()

    # -- time and background work ------------------------------------------------------

    def set_now(self, moment: datetime) -> None:
        """Fix Baton's clock at `moment` (aware)."""
        with self._clock:
            self.services.now = lambda: moment

    def settle(self, timeout: float = 10.0) -> None:
        """Wait until the work Baton does after answering Slack is finished.

        Outbox tasks that are due run now; a task put off to retry later stays put off.
        """
        deadline = time.monotonic() + timeout
        while True:
            self.drainer.drain()
            idle = self.services.background.wait_idle(max(0.0, deadline - time.monotonic()))
            if idle and self._due_tasks() == 0:
                return
            assert time.monotonic() < deadline, "background work did not finish"
            time.sleep(0.01)

    def count(self, what: Any, *where: Any) -> int:
        """How many rows of `what` (a model) the database holds, where `where` holds."""
        with self.db.reading() as session:
            query = select(func.count()).select_from(what).where(*where)
            return int(session.scalar(query) or 0)

    def _due_tasks(self) -> int:
        now = self.services.now()
        with self.db.reading() as session:
            query = (
                select(func.count())
                .select_from(OutboxTask)
                .where(OutboxTask.done_at.is_(None), OutboxTask.available_at <= now)
            )
            return int(session.scalar(query) or 0)

    # -- requests ----------------------------------------------------------------------

    def post(
        self,
        body: str,
        content_type: str,
        headers: dict[str, str] | None = None,
        *,
        timestamp: int | None = None,
        secret: str = SIGNING_SECRET,
    ) -> requests.Response:
        """POST a body to /slack/events, signed with `secret` at `timestamp` (default: now)."""
        all_headers = {"Content-Type": content_type, **signed_headers(secret, body, timestamp)}
        all_headers.update(headers or {})
        return requests.post(
            f"{self.url}/slack/events", data=body.encode(), headers=all_headers, timeout=10
        )

    def command(
        self,
        command: str,
        text: str = "",
        *,
        user: str = "UREPORTER",
        channel: str = "CGENERAL",
        team: str = TEAM_ID,
        **signing: Any,
    ) -> requests.Response:
        """A slash command, as Slack posts it, typed in workspace `team`."""
        form = slash_command_form(
            command,
            text,
            user=user,
            channel=channel,
            team_id=team,
            response_url=self.fake_slack.response_url(f"cmd-{uuid.uuid4().hex[:6]}"),
            trigger_id=self.trigger_id(),
        )
        return self.post(form, "application/x-www-form-urlencoded", **signing)

    def block_action(
        self,
        action_id: str,
        value: str,
        *,
        user: str = "UREPORTER",
        channel: str = "CGENERAL",
        message_ts: str | None = None,
        team: str = TEAM_ID,
        **signing: Any,
    ) -> requests.Response:
        """A button click in a message, in workspace `team`."""
        ts = message_ts or "1700000000.000100"
        payload = {
            "type": "block_actions",
            "user": {"id": user, "username": user.lower(), "team_id": team},
            "api_app_id": APP_ID,
            "token": "legacy-verification-token",
            "container": {
                "type": "message",
                "message_ts": ts,
                "channel_id": channel,
                "is_ephemeral": False,
            },
            "trigger_id": self.trigger_id(),
            "team": {"id": team, "domain": "acme"},
            "channel": {"id": channel, "name": "general"},
            "message": {"type": "message", "ts": ts, "text": ""},
            "response_url": self.fake_slack.response_url(f"act-{uuid.uuid4().hex[:6]}"),
            "actions": [
                {
                    "action_id": action_id,
                    "block_id": "actions",
                    "value": value,
                    "type": "button",
                    "action_ts": "1700000001.000000",
                }
            ],
        }
        return self.post(
            urlencode({"payload": json.dumps(payload)}),
            "application/x-www-form-urlencoded",
            **signing,
        )

    def view_submission(
        self,
        callback_id: str,
        state_values: dict[str, Any],
        *,
        user: str = "UREPORTER",
        private_metadata: str = "",
        team: str = TEAM_ID,
        **signing: Any,
    ) -> requests.Response:
        """A modal's submission, with Slack's `view.state.values`, in workspace `team`."""
        payload = {
            "type": "view_submission",
            "team": {"id": team, "domain": "acme"},
            "user": {"id": user, "username": user.lower(), "team_id": team},
            "api_app_id": APP_ID,
            "token": "legacy-verification-token",
            "trigger_id": self.trigger_id(),
            "view": {
                "id": "VMODAL",
                "team_id": team,
                "type": "modal",
                "callback_id": callback_id,
                "private_metadata": private_metadata,
                "state": {"values": state_values},
                "hash": "1700000000.abc",
            },
        }
        return self.post(
            urlencode({"payload": json.dumps(payload)}),
            "application/x-www-form-urlencoded",
            **signing,
        )

    def event(
        self,
        event: dict[str, Any],
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        team: str = TEAM_ID,
        **signing: Any,
    ) -> requests.Response:
        """An Events API delivery from workspace `team`; `retry_num` adds Slack's retry
        headers."""
        envelope = {
            "token": "legacy-verification-token",
            "team_id": team,
            "api_app_id": APP_ID,
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{uuid.uuid4().hex[:10].upper()}",
            "event_time": int(float(event.get("event_ts") or event.get("ts") or 1700000000)),
            "authorizations": [{"team_id": team, "user_id": "UBATON", "is_bot": True}],
        }
        headers = {}
        if retry_num is not None:
            headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"}
        return self.post(json.dumps(envelope), "application/json", headers, **signing)

    def trigger_id(self) -> str:
        return f"trigger.{next(self._triggers)}"


def state(**inputs: Any) -> dict[str, Any]:
    """view.state.values for plain text inputs: state(escalation_title="x")."""
    return {
        block: {"value": {"type": "plain_text_input", "value": value}}
        for block, value in inputs.items()
    }
