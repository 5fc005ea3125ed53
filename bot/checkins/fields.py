"""The numbers of a check-in: their names (the CSV columns, the JSON keys, the modal's block ids),
the section and lead that know them, and which pairs cannot be.

A "flow" happened during the sprint (points delivered, money spent); a "level" is the state at
its end (items validated so far, people on the team).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.config.checkins import Section

SECTION_TITLES = {
    Section.DELIVERY: "Delivery",
    Section.KT: "Knowledge transfer",
    Section.FINANCE: "Finance",
    Section.SUPPORT: "Support",
    Section.PEOPLE: "People",
    Section.ENGINEERING: "Engineering",
}


class Kind(StrEnum):
    FLOW = "flow"  # what happened during the sprint
    LEVEL = "level"  # the state at the sprint's end


@dataclass(frozen=True)
class Field:
    """One number of a check-in."""

    name: str
    section: Section
    kind: Kind
    label: str  # the modal's label, a question a lead answers
    percent: bool = False  # from 0 to 100


FIELDS: tuple[Field, ...] = (
    Field("points_planned", Section.DELIVERY, Kind.FLOW, "Story points planned"),
    Field("points_delivered", Section.DELIVERY, Kind.FLOW, "Story points delivered"),
    Field("milestones_due", Section.DELIVERY, Kind.FLOW, "Milestones due in the sprint"),
    Field("milestones_on_schedule", Section.DELIVERY, Kind.FLOW, "…of them met on schedule"),
    Field("kt_items_total", Section.KT, Kind.LEVEL, "Knowledge-transfer items, in all"),
    Field("kt_items_validated", Section.KT, Kind.LEVEL, "…of them validated by the client"),
    Field("spend", Section.FINANCE, Kind.FLOW, "Spend in the sprint"),
    Field("forecast", Section.FINANCE, Kind.FLOW, "Forecast spend for the sprint"),
    Field("budget_consumed_pct", Section.FINANCE, Kind.LEVEL, "Budget consumed so far (%)", True),
    Field(
        "milestones_completed_pct",
        Section.FINANCE,
        Kind.LEVEL,
        "Milestones completed so far (%)",
        True,
    ),
    Field("tickets_resolved", Section.SUPPORT, Kind.FLOW, "Support tickets resolved"),
    Field("tickets_first_time_fixed", Section.SUPPORT, Kind.FLOW, "…of them fixed the first time"),
    Field("headcount", Section.PEOPLE, Kind.LEVEL, "People on the team"),
    Field("key_roles", Section.PEOPLE, Kind.LEVEL, "People in key roles"),
    Field("leavers", Section.PEOPLE, Kind.FLOW, "People who left in the sprint"),
    Field("key_role_leavers", Section.PEOPLE, Kind.FLOW, "…of them in key roles"),
    Field("deployments", Section.ENGINEERING, Kind.FLOW, "Deployments to production"),
    Field("failed_changes", Section.ENGINEERING, Kind.FLOW, "…of them failed (rollback, hotfix)"),
    Field("lead_time_hours", Section.ENGINEERING, Kind.FLOW, "Median lead time for changes (h)"),
    Field("restore_hours", Section.ENGINEERING, Kind.FLOW, "Median time to restore service (h)"),
)
FIELD_NAMES = tuple(field.name for field in FIELDS)
BY_NAME = {field.name: field for field in FIELDS}


def fields_of(sections: frozenset[Section]) -> tuple[Field, ...]:
    """The fields of `sections`, in the order above."""
    return tuple(field for field in FIELDS if field.section in sections)


@dataclass(frozen=True)
class AtMost:
    """`part` cannot be more than `whole` (both of one section): `problem` says so in words."""

    part: str
    whole: str
    problem: str


# Impossible numbers: each is refused, naming the field that is off.
AT_MOST = (
    AtMost("milestones_on_schedule", "milestones_due", "more milestones on schedule than due"),
    AtMost("kt_items_validated", "kt_items_total", "more items validated than in all"),
    AtMost("tickets_first_time_fixed", "tickets_resolved", "more first-time fixes than resolved"),
    AtMost("key_role_leavers", "leavers", "more key-role leavers than leavers"),
    AtMost("failed_changes", "deployments", "more failed changes than deployments"),
)
