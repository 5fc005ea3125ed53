"""Block Kit for check-ins: the DM that asks a lead, its reminder and "done", and the form."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from bot.checkins.fields import SECTION_TITLES, fields_of
from bot.checkins.rules import Sprint, number_text
from bot.config.checkins import Section
from bot.core.blocks import Block, button, context, modal, plain, section
from bot.core.ids import INPUT, CheckinAction, CheckinView


def sprint_dates(sprint: Sprint) -> str:
    """`7 – 20 Sep 2026`, the sprint's first and last days."""
    first, last = sprint.start, sprint.last_day
    if first.year != last.year:
        return f"{first.day} {first:%b %Y} – {last.day} {last:%b %Y}"
    if first.month != last.month:
        return f"{first.day} {first:%b} – {last.day} {last:%b %Y}"
    return f"{first.day} – {last.day} {last:%b %Y}"


def _sections_text(sections: frozenset[Section]) -> str:
    return ", ".join(SECTION_TITLES[s].lower() for s in Section if s in sections)


def build_prompt(
    sprint: Sprint, sections: frozenset[Section], *, reminder: bool = False
) -> dict[str, Any]:
    """The DM asking a lead for a sprint's numbers, with the button to the form."""
    what = f"sprint {sprint.number} ({sprint_dates(sprint)})"
    if reminder:
        text = (
            f":wave: A reminder: the check-in for {what} is still open. It takes a minute, and the "
            "transfer-readiness scorecard waits for it."
        )
    else:
        text = (
            f":clipboard: Sprint {sprint.number} ended. Please add its numbers ("
            f"{_sections_text(sections)}) to Baton: {sprint_dates(sprint)}."
        )
    open_form = button("Fill in the check-in", CheckinAction.OPEN, str(sprint.number), "primary")
    blocks: list[Block] = [
        section(text),
        {"type": "actions", "elements": [open_form]},
        context("Leave a field empty if you do not know it; 0 is a number. `/kpi checkin` opens "
                "the latest sprint's form, `/kpi checkin N` an earlier one."),
    ]  # fmt: skip
    lead = "Reminder: check-in" if reminder else "Check-in"
    return {"text": f"{lead} for {what}", "blocks": blocks}


def build_done(sprint: Sprint) -> dict[str, Any]:
    """What the DM becomes once the lead's check-in is in: nothing left to click."""
    text = (
        f":white_check_mark: The check-in for sprint {sprint.number} ({sprint_dates(sprint)}) is "
        "in. Thank you! `/kpi checkin` reopens it to change a number."
    )
    return {"text": f"Check-in for sprint {sprint.number} done", "blocks": [section(text)]}


def _number_input(name: str, label: str, value: float | None, percent: bool) -> Block:
    element: dict[str, Any] = {
        "type": "number_input",
        "action_id": INPUT,
        "is_decimal_allowed": True,
        "min_value": "0",
    }
    if percent:
        element["max_value"] = "100"
    if value is not None:
        element["initial_value"] = number_text(value)
    return {
        "type": "input",
        "block_id": name,
        "optional": True,
        "label": plain(label, 2000),
        "element": element,
    }


def build_form(
    sprint: Sprint, sections: frozenset[Section], stored: Mapping[str, float | None]
) -> dict[str, Any]:
    """The check-in form of a lead's sections, with what is stored for the sprint."""
    blocks: list[Block] = [
        context(
            f"Sprint {sprint.number}: {sprint_dates(sprint)}. An empty field is cleared; 0 is a "
            "number. Levels are as at the sprint's last day; the rest is what happened in it."
        )
    ]
    for part in Section:
        if part not in sections:
            continue
        blocks.append({"type": "header", "text": plain(SECTION_TITLES[part])})
        for field in fields_of(frozenset({part})):
            blocks.append(
                _number_input(field.name, field.label, stored.get(field.name), field.percent)
            )
    return modal(
        CheckinView.SUBMIT,
        f"Sprint {sprint.number} check-in",
        blocks,
        submit="Save",
        private_metadata=json.dumps({"sprint": sprint.number}),
    )


def saved_text(sprint: Sprint, count: int, cleared: int) -> str:
    """The lead's note once the form is saved."""
    cleared_text = f", {cleared} cleared" if cleared else ""
    return (
        f":white_check_mark: Sprint {sprint.number} check-in saved: {count} numbers"
        f"{cleared_text}. `/kpi scorecard` shows what they change."
    )
