"""HTTP mode: the WSGI application gunicorn serves, with /slack/events and /healthz."""

from __future__ import annotations

import contextvars
import json
import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_bolt.adapter.wsgi.http_request import WsgiHttpRequest

from bot.app import build_app
from bot.config.settings import Settings, load_settings
from bot.runtime.logs import configure_logging
from bot.runtime.services import Services, build_services

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

log = logging.getLogger(__name__)

WSGIApp = Callable[["WSGIEnvironment", "StartResponse"], Iterable[bytes]]


class _SlackHandler(SlackRequestHandler):
    """Bolt's WSGI handler, answering a body that Bolt cannot read with 400 instead of 500."""

    def dispatch(self, request: WsgiHttpRequest) -> BoltResponse:
        try:
            bolt_request = BoltRequest(
                body=request.get_body(), query=request.query_string, headers=request.get_headers()
            )
        except (AttributeError, KeyError, TypeError, ValueError) as error:
            # Bolt reads ids from the body before it checks the signature: a field of the wrong
            # type (a forgery, or a broken proxy) fails there. A 500 would have Slack send the
            # same body again; 400 says it will never do.
            log.warning("unreadable request body refused: %s", error.__class__.__name__)
            return BoltResponse(status=400, body="Bad Request")
        # A context of its own: the workspace the request acts for (bot.app) ends with it.
        return contextvars.copy_context().run(self.app.dispatch, bolt_request)


def create_wsgi_app(settings: Settings, services: Services | None = None) -> WSGIApp:
    """Serve Bolt on POST /slack/events and answer GET /healthz from the database's state."""
    services = services or build_services(settings)
    slack = _SlackHandler(build_app(settings, services), path="/slack/events")

    def application(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz":
            health = services.db.health()
            body = json.dumps({"status": health}).encode()
            status = "200 OK" if health == "ok" else "503 Service Unavailable"
            start_response(status, [("Content-Type", "application/json")])
            return [body]
        return slack(environ, start_response)

    application.services = services  # type: ignore[attr-defined]
    return application


def wsgi() -> Any:
    """gunicorn's entry point (`bot.server:wsgi()`): settings from the environment."""
    settings = load_settings()
    configure_logging(settings.log_level)
    return create_wsgi_app(settings)
