"""Settings of check-ins, the scorecard and its monthly review: the leads, the Transfer date."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, time
from enum import StrEnum
from types import MappingProxyType

from bot.config.parsing import Env, Variable, clock_time, get, parse, read_part

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")


class Section(StrEnum):
    """What a lead knows; BATON_CHECKIN_LEADS gives each section its lead."""

    DELIVERY = "delivery"
    KT = "kt"
    FINANCE = "finance"
    SUPPORT = "support"
    PEOPLE = "people"
    ENGINEERING = "engineering"


_OFF = ("off", "none", "never")
_TRUE = ("true", "yes", "1", "on")
_FALSE = ("false", "no", "0", "off")


@dataclass(frozen=True)
class CheckinSettings:
    """BATON_CHECKIN_LEADS, BATON_TRANSFER_DATE, BATON_REVIEW_TIME, BATON_REVIEW_PRIVATE."""

    # Each lead's sections (a lead named without a section answers every section).
    leads: Mapping[str, frozenset[Section]] = field(default_factory=lambda: MappingProxyType({}))
    transfer_date: date | None = None
    # When the monthly review is posted (the first Monday of the month); None: never.
    review_at: time | None = time(9, 0)
    # The review channel is private to the leads: the review shows the whole scorecard there.
    review_private: bool = False

    @classmethod
    def from_env(cls, env: Env) -> CheckinSettings:
        part = read_part(
            cls,
            env,
            {
                "leads": Variable(
                    "BATON_CHECKIN_LEADS",
                    parse_leads,
                    "section:user pairs separated by commas, e.g. "
                    "delivery:U012AB3CD,finance:U045EF6GH (sections: "
                    + ", ".join(Section)
                    + "; a user id alone answers every section)",
                ),
                "transfer_date": Variable(
                    "BATON_TRANSFER_DATE", date.fromisoformat, "a date such as 2027-06-30"
                ),
                "review_private": Variable("BATON_REVIEW_PRIVATE", _flag, "true or false"),
            },
        )
        raw = get(env, "BATON_REVIEW_TIME")
        if raw is not None and raw.lower() in _OFF:
            return replace(part, review_at=None)
        at = parse(env, "BATON_REVIEW_TIME", clock_time, "a time of day such as 09:00, or off")
        return part if at is None else replace(part, review_at=at)

    def sections_of(self, user_id: str) -> frozenset[Section]:
        """The sections `user_id` leads; none for anyone who is not a lead."""
        return self.leads.get(user_id, frozenset())


def parse_leads(raw: str) -> Mapping[str, frozenset[Section]]:
    """`delivery:U1,finance:U2,U3` → {U1: {delivery}, U2: {finance}, U3: every section}."""
    leads: dict[str, set[Section]] = {}
    for part in raw.split(","):
        part = part.strip()
        if not part:
            continue
        section_name, separator, user_id = part.rpartition(":")
        user_id = user_id.strip()
        if not _USER_ID.match(user_id):
            raise ValueError(part)
        sections = {Section(section_name.strip().lower())} if separator else set(Section)
        leads.setdefault(user_id, set()).update(sections)
    if not leads:
        raise ValueError(raw)
    return MappingProxyType({user: frozenset(sections) for user, sections in leads.items()})


def _flag(raw: str) -> bool:
    word = raw.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ValueError(raw)
