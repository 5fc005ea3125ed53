"""Slack listeners only: parse the payload, call bot/ or storage/, answer Slack."""

from __future__ import annotations

from slack_bolt import App

from bot.services import Services
from handlers import blockers, errors, escalations, events, kpi, nps


def register(app: App, services: Services) -> None:
    """Register every Baton listener on `app`."""
    errors.register(app)
    events.register(app, services)
    escalations.register(app, services)
    blockers.register(app, services)
    kpi.register(app, services)
    nps.register(app, services)
