"""gunicorn, run from `baton serve` with the app preloaded once."""

from __future__ import annotations

import os
from typing import Any

from gunicorn.app.base import BaseApplication

from bot.config import Settings
from bot.server import create_wsgi_app


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, application: Any, options: dict[str, Any]) -> None:
        self.application = application
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return self.application


def _post_fork(_server: Any, worker: Any) -> None:
    # Connections opened in the master before the fork must not be shared with it.
    services = getattr(worker.app.application, "services", None)
    if services is not None:
        services.db.engine.dispose(close=False)


def serve(settings: Settings, *, workers: int | None = None, port: int | None = None) -> None:
    """Serve Baton on 0.0.0.0:PORT with gunicorn sync workers until stopped."""
    options = {
        "bind": f"0.0.0.0:{port or settings.port}",
        "workers": workers or int(os.environ.get("WEB_CONCURRENCY", "2")),
        "preload_app": True,
        "post_fork": _post_fork,
        "accesslog": "-",
        "timeout": 30,
        "graceful_timeout": 20,
    }
    _Gunicorn(create_wsgi_app(settings), options).run()
