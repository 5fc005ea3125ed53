"""`/kpi forget-me`'s confirmation modal: the person forgets themself."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.core.ids import PrivacyView
from bot.privacy.blocks import build_forgotten_view
from bot.privacy.flows import forget
from bot.runtime.services import Services


def on_confirmed(ack: Ack, body: dict[str, Any], services: Services) -> None:
    """The modal's submit: forget the person who pressed it, and say what changed."""
    done = forget(services.db, str(body["user"]["id"]))
    ack(response_action="update", view=build_forgotten_view(done))


def register(app: App) -> None:
    """The confirmation of `/kpi forget-me` (the command itself is /kpi's)."""
    app.view(PrivacyView.FORGET_ME)(on_confirmed)
