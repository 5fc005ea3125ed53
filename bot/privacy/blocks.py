"""The `/kpi forget-me` modal and what it says once done."""

from __future__ import annotations

from typing import Any

from bot.core.blocks import modal, notice, section
from bot.core.ids import PrivacyView
from bot.privacy.flows import Forgotten

# What the person is asked to confirm: everything it touches, and what it cannot do.
CONFIRM = (
    "*Baton will forget you.* Everywhere it keeps your user id, a pseudonym takes its place: "
    "escalations and blockers you raised, own, acknowledged or resolved, and your mentions in "
    "their titles; the times of your messages and of your answers (Baton never stores what "
    "anyone writes); the check-ins you entered; your survey invitations (answers never named "
    "anyone). Counts stay as they are, so the team's figures do not change.\n\n"
    "This cannot be undone. Messages you write from now on, in channels Baton is in, are "
    "timed as everyone's are."
)


def build_forget_me_modal() -> dict[str, Any]:
    return modal(PrivacyView.FORGET_ME, "Forget me", [section(CONFIRM)], submit="Forget me")


def build_forgotten_view(done: Forgotten) -> dict[str, Any]:
    if not done.changed:
        return notice("Baton keeps nothing that names you: nothing changed.", "Forget me")
    return notice(
        f"Done: you are `{done.pseudonym}` in the {done.rows} records that named you. "
        "Nobody, Baton's admins included, can tell who that was.",
        "Forget me",
    )
