"""gunicorn's settings for Baton, for `baton serve` and the Procfile alike.

gunicorn --config python:bot.gunicorn_config 'bot.server:wsgi()'

Beside the workers runs one outbox drainer at low CPU priority, so Slack's answers never wait
behind posting messages; it stops with gunicorn.
"""

from __future__ import annotations

import os
from typing import Any

from bot.config import listen_port, web_concurrency
from bot.errors import ConfigError

try:
    bind = f"0.0.0.0:{listen_port(os.environ)}"
    workers = web_concurrency(os.environ)
except ConfigError as exc:
    # gunicorn would print a traceback for an exception; the one line says what to fix.
    raise SystemExit(f"baton: {exc}") from None
# Import bolt, SQLAlchemy and pandas once, in the master, rather than in every worker.
preload_app = True
# Slack retries what fails and the router logs requests: no access log per request.
accesslog = None
timeout = 30
graceful_timeout = 20

_drainer: Any = None


def when_ready(server: Any) -> None:
    global _drainer
    from bot.outbox import start_drainer_process

    _drainer = start_drainer_process()
    server.log.info("outbox drainer started (pid %s)", _drainer.pid)


def post_fork(server: Any, worker: Any) -> None:
    # Connections opened in the master before the fork must not be shared with it.
    services = getattr(worker.app.wsgi(), "services", None)
    if services is not None:
        services.db.engine.dispose(close=False)


def on_exit(server: Any) -> None:
    if _drainer is not None:
        _drainer.terminate()
        _drainer.wait(timeout=10)
