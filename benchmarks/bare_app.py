"""The yardstick for benchmarks/ack.py and benchmarks/ingest.py: a Bolt app set up like Baton's
whose listeners only acknowledge /escalate and message events."""

from __future__ import annotations

import os
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

    @app.command("/escalate")
    def escalate(ack: Ack) -> None:
        ack()

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
