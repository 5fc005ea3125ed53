"""HTTP mode: the WSGI application gunicorn serves, with /slack/events and /healthz."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.app import build_app
from bot.config.settings import Settings, load_settings
from bot.runtime.logs import configure_logging
from bot.runtime.services import Services, build_services

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIEnvironment

log = logging.getLogger(__name__)

WSGIApp = Callable[["WSGIEnvironment", "StartResponse"], Iterable[bytes]]


def create_wsgi_app(settings: Settings, services: Services | None = None) -> WSGIApp:
    """Serve Bolt on POST /slack/events and answer GET /healthz from the database's state."""
    services = services or build_services(settings)
    slack = SlackRequestHandler(build_app(settings, services), path="/slack/events")

    def application(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz":
            ok = services.db.is_reachable()
            body = json.dumps({"status": "ok" if ok else "database unreachable"}).encode()
            status = "200 OK" if ok else "503 Service Unavailable"
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
