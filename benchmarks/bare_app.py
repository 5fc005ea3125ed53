"""The yardstick for the benchmarks: a Bolt app set up like Baton's whose listeners only
acknowledge what Baton serves (/escalate, /blocker, message events, button clicks, modals)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient


def wsgi() -> Callable[[dict[str, Any], Any], Iterable[bytes]]:
    """gunicorn's entry point (`benchmarks.bare_app:wsgi()`), with /healthz like Baton's."""
    app = App(
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        client=WebClient(token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"]),
        process_before_response=True,
        token_verification_enabled=False,
    )

    def acknowledge(ack: Ack) -> None:
        ack()

    app.command("/escalate")(acknowledge)
    app.command("/blocker")(acknowledge)
    app.action(re.compile(".*"))(acknowledge)
    app.view(re.compile(".*"))(acknowledge)

    @app.event("message")
    def on_message() -> None:
        return None  # Bolt answers 200 when the listener returns

    slack = SlackRequestHandler(app, path="/slack/events")

    def application(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz":
            start_response("200 OK", [("Content-Type", "application/json")])
            return [b'{"status": "ok"}']
        return slack(environ, start_response)

    return application
