"""gunicorn, run from `baton serve` with the settings of bot/gunicorn_config.py."""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication

from bot import gunicorn_config
from bot.config.settings import Settings
from bot.server import create_wsgi_app

_SETTINGS = (
    "workers",
    "preload_app",
    "accesslog",
    "timeout",
    "graceful_timeout",
    "when_ready",
    "post_fork",
    "on_exit",
)


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


def serve(settings: Settings, *, workers: int | None = None, port: int | None = None) -> None:
    """Serve Baton on 0.0.0.0:PORT with gunicorn sync workers until stopped."""
    options = {name: getattr(gunicorn_config, name) for name in _SETTINGS}
    options["bind"] = f"0.0.0.0:{port or settings.port}"
    options["workers"] = workers or settings.web_concurrency
    _Gunicorn(create_wsgi_app(settings), options).run()
