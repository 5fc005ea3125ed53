"""The app factory: builds the Bolt app and registers every listener."""

from __future__ import annotations

import logging

from slack_bolt import App

from bot.config import Settings
from bot.services import Services
from bot.slack_client import make_client
from storage.db import Database


def build_services(settings: Settings, *, db: Database | None = None) -> Services:
    """The process's database, Slack client and background worker."""
    return Services(
        settings=settings,
        db=db or Database(settings.database_url),
        client=make_client(settings),
    )


def build_app(settings: Settings, services: Services | None = None) -> App:
    """A Bolt app with every Baton listener registered; nothing is sent to Slack here."""
    import handlers  # the wiring is the one place bot/ reaches into handlers/

    services = services or build_services(settings)
    # Bolt logs a refused request's whole body at INFO, message text included: keep it out.
    bolt_logger = logging.getLogger("baton.bolt")
    bolt_logger.setLevel(logging.WARNING)
    app = App(
        signing_secret=settings.slack_signing_secret,
        client=services.client,
        # Answer Slack when the listener returns: listeners ack() first and hand slow work to
        # services.background, which is far faster than Bolt's 10 ms ack polling.
        process_before_response=True,
        token_verification_enabled=False,
        logger=bolt_logger,
    )
    handlers.register(app, services)
    return app
