"""Forgetting a person: their user id, wherever Baton keeps it, replaced by a pseudonym."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from bot.core.errors import InvalidInput
from storage import forget as store
from storage.db import Database

_USER_ID = re.compile(r"[UW][A-Z0-9]{2,}")


@dataclass(frozen=True)
class Forgotten:
    """What forgetting `user_id` changed: rows by table.column; empty when nothing named them."""

    user_id: str
    pseudonym: str
    changed: dict[str, int]

    @property
    def rows(self) -> int:
        return sum(self.changed.values())


def check_user_id(raw: str) -> str:
    """A Slack user id such as U012AB3CD; InvalidInput for anything else."""
    user_id = raw.strip()
    if not _USER_ID.fullmatch(user_id):
        raise InvalidInput(f"{raw!r} is not a Slack user id such as U012AB3CD.")
    return user_id


def forget(db: Database, user_id: str) -> Forgotten:
    """Make every row that names `user_id` name a new pseudonym instead, in one transaction.

    A new pseudonym each time, drawn at random: nothing leads from it back to the person, and
    the rows of two people forgotten stay two people's. Running it again changes nothing.
    """
    pseudonym = f"forgotten-{secrets.token_hex(3)}"
    with db.unit_of_work() as session:
        changed = store.forget_user(session, check_user_id(user_id), pseudonym=pseudonym)
    return Forgotten(user_id, pseudonym, changed)


def report_lines(done: Forgotten) -> list[str]:
    """What `baton forget-user` prints."""
    if not done.changed:
        return [f"Nothing names {done.user_id}: nothing changed."]
    lines = [f"{done.user_id} is now {done.pseudonym} in {done.rows} rows:"]
    lines += [f"  {name}  {count}" for name, count in sorted(done.changed.items())]
    return lines
