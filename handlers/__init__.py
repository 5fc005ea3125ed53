"""Slack listeners only: parse the payload, call bot/, answer Slack.

Listeners are module-level functions that ask Bolt for what they need by name, `services`
included (the app's middleware puts it in the context); each module's `register` lists its own.
"""

from __future__ import annotations

from slack_bolt import App

from handlers import (
    blockers,
    checkins,
    errors,
    escalations,
    home,
    kpi,
    latency,
    nps,
    privacy,
    settings,
    workspaces,
)


def register(app: App) -> None:
    """Register every Baton listener on `app`."""
    errors.register(app)
    latency.register(app)
    home.register(app)
    escalations.register(app)
    blockers.register(app)
    kpi.register(app)
    nps.register(app)
    checkins.register(app)
    privacy.register(app)
    settings.register(app)
    workspaces.register(app)
