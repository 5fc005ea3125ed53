"""`/kpi` answers as Block Kit, and the same figures as plain text for the terminal."""

from __future__ import annotations

from typing import Any

from bot.blocks.common import Block, channel, context, mrkdwn, plain
from bot.kpi.answers import SUBJECTS

USAGE = (
    "*Usage:* `/kpi [subject] [period] [#channel]`\n"
    f"• subject: {', '.join(f'`{s}`' for s in SUBJECTS)} (default `summary`)\n"
    "• period: `7d` (default), `30d`, `90d`, or weeks such as `4w`; at most 365 days\n"
    "• `#channel`: only what was raised in that channel\n"
    "Examples: `/kpi`, `/kpi escalations 30d`, `/kpi blockers 4w #payments`"
)


def duration(seconds: float | None) -> str:
    """12 s, 7 min, 3 h 20 min, 2 d 4 h; an en dash when there is no value."""
    if seconds is None:
        return "–"
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def percent(rate: float | None) -> str:
    return "–" if rate is None else f"{rate * 100:.0f}%"


def _escalation_lines(figures: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        ("Opened", str(figures["opened"])),
        ("Acknowledged", str(figures["acknowledged"])),
        ("Resolved", str(figures["resolved"])),
        ("Open now", str(figures["open_now"])),
        ("Mean time to acknowledge", duration(figures["mtta_seconds"])),
        ("Mean time to resolve", duration(figures["mttr_seconds"])),
    ]


def _blocker_lines(figures: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        ("Raised", str(figures["opened"])),
        ("Resolved", str(figures["resolved"])),
        ("Open now", str(figures["open_now"])),
        ("Overdue", str(figures["overdue"])),
        ("Resolved within SLA", percent(figures["resolution_rate"])),
        ("Median time to resolve", duration(figures["median_resolve_seconds"])),
    ]


_FAMILY_LINES = {"escalations": _escalation_lines, "blockers": _blocker_lines}
_TITLES = {"escalations": "Escalations", "blockers": "Blockers"}


def _severity_line(figures: dict[str, Any]) -> str:
    parts = [
        f"{label}: {values['opened']} opened, {values['open_now']} open"
        for label, values in figures["by_severity"].items()
        if values["opened"] or values["open_now"]
    ]
    return " · ".join(parts) or "No escalations in this period."


def _family_blocks(name: str, figures: dict[str, Any]) -> list[Block]:
    fields = [mrkdwn(f"*{label}*\n{value}") for label, value in _FAMILY_LINES[name](figures)]
    blocks: list[Block] = [
        {"type": "section", "text": mrkdwn(f"*{_TITLES[name]}*"), "fields": fields}
    ]
    if name == "escalations":
        blocks.append(context(_severity_line(figures)))
    return blocks


def scope(days: int, channel_id: str | None) -> str:
    where = f" in {channel(channel_id)}" if channel_id else ""
    return f"last {days} days{where}"


def build_kpi_message(
    subject: str, answer: dict[str, Any], *, days: int, channel_id: str | None
) -> dict[str, Any]:
    """The ephemeral answer to `/kpi`."""
    families = answer if subject == "summary" else {subject: answer}
    blocks: list[Block] = [{"type": "header", "text": plain(f"KPIs · {scope(days, channel_id)}")}]
    for name, figures in families.items():
        if name in _FAMILY_LINES:
            blocks.extend(_family_blocks(name, figures))
    return {"text": f"Baton KPIs, {scope(days, channel_id)}", "blocks": blocks}


def build_kpi_text(
    subject: str, answer: dict[str, Any], *, days: int, channel_id: str | None
) -> str:
    """The same figures as `build_kpi_message`, for a terminal."""
    families = answer if subject == "summary" else {subject: answer}
    where = f" in {channel_id}" if channel_id else ""
    lines = [f"Baton KPIs, last {days} days{where}"]
    for name, figures in families.items():
        if name not in _FAMILY_LINES:
            continue
        lines.append("")
        lines.append(_TITLES[name])
        lines.extend(f"  {label:<26} {value}" for label, value in _FAMILY_LINES[name](figures))
    return "\n".join(lines)
