"""Who may change a workspace's settings, and what a change is, in plain values."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.core.blocks import user
from bot.runtime.users import Person


@dataclass(frozen=True)
class Change:
    """One change of a workspace's setting; None is the environment's value."""

    name: str
    old: str | None
    new: str | None
    by: str
    at: datetime


@dataclass(frozen=True)
class HomePart:
    """What the App Home shows an admin: the values the workspace set itself (name, its value,
    the environment's) and its last changes, the latest first."""

    own: Sequence[tuple[str, str, str | None]]
    changes: Sequence[Change]


def may_change(user_id: str, admins: Iterable[str], person: Person | None) -> bool:
    """Whether `user_id` may change the workspace's settings: a Baton admin (BATON_ADMINS), or
    an admin or owner of the Slack workspace. Someone Slack cannot tell about right now
    (`person` None) is not let in on a guess."""
    if user_id in admins:
        return True
    return person is not None and person.exists and (person.is_admin or person.is_owner)


def refusal(admins: Iterable[str]) -> str:
    """What someone who may not change the settings is told."""
    named = ", ".join(user(admin) for admin in sorted(admins))
    baton_admins = f"Baton's admins ({named})" if named else "Baton's admins (BATON_ADMINS)"
    return (
        "Only this workspace's Slack admins and owners, and "
        f"{baton_admins}, can change Baton's settings here. Nothing was changed."
    )
