"""gunicorn's settings for Baton, for `baton serve` and the Procfile alike.

gunicorn --config python:bot.gunicorn_config 'bot.server:wsgi()'

Beside the workers runs one outbox drainer at low CPU priority, forked from the master once the
app is loaded, so Slack's answers never wait behind posting messages; it stops with gunicorn.
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import time
from typing import Any

from bot.config.settings import listen_port, web_concurrency
from bot.core.errors import ConfigError

try:
    bind = f"0.0.0.0:{listen_port(os.environ)}"
    workers = web_concurrency(os.environ)
except ConfigError as exc:
    # gunicorn would print a traceback for an exception; the one line says what to fix.
    raise SystemExit(f"baton: {exc}") from None
# Import bolt, SQLAlchemy and Baton once, in the master, rather than in every worker.
preload_app = True
# Slack retries what fails and the router logs requests: no access log per request.
accesslog = None
timeout = 30
graceful_timeout = 20

_drainer: int | None = None
# How long the master waits, when stopping, for the drainer to finish its task in hand.
DRAINER_GRACE_SECONDS = 10.0


def when_ready(server: Any) -> None:
    global _drainer
    # Everything the master loaded is moved out of the garbage collector's sight: a collection
    # in a forked process would otherwise write to every object's header and copy the master's
    # pages one by one into each worker's memory.
    gc.freeze()
    # Imported here, in the master, once gunicorn has loaded the app: the drainer is forked
    # from it and shares its memory.
    from bot.app import start_drainer

    services = getattr(server.app.wsgi(), "services", None)
    if services is not None:
        _drainer = start_drainer(services)  # it says so itself, with its pid


def post_fork(server: Any, worker: Any) -> None:
    # Connections opened in the master before the fork must not be shared with it.
    services = getattr(worker.app.wsgi(), "services", None)
    if services is not None:
        services.db.engine.dispose(close=False)


def on_exit(server: Any) -> None:
    if _drainer is None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(_drainer, signal.SIGTERM)
    # It finishes the task in hand. One stuck past that (a Slack call hanging) is killed, so
    # gunicorn always ends: its claim goes stale and the next drainer does the task again.
    deadline = time.monotonic() + DRAINER_GRACE_SECONDS
    while time.monotonic() < deadline:
        try:
            ended, _ = os.waitpid(_drainer, os.WNOHANG)
        except ChildProcessError:  # the master reaped it already (it waits for any child)
            return
        if ended:
            return
        time.sleep(0.05)
    server.log.warning("outbox drainer (pid %s) did not stop; killed", _drainer)
    with contextlib.suppress(ProcessLookupError):
        os.kill(_drainer, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(_drainer, 0)
