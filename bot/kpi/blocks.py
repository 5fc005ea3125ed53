"""`/kpi` answers as Block Kit, and the same figures as plain text for the terminal."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from bot.core.blocks import Block, channel, context, mrkdwn, plain, section
from bot.core.durations import seconds_text
from bot.core.formatting import percent
from bot.kpi.subjects import FAMILY_TITLES, SUBJECTS
from bot.nps.blocks import nps_extra_blocks, nps_lines

USAGE = (
    "*Usage:* `/kpi [subject] [period] [#channel]`\n"
    f"• subject: {', '.join(f'`{s}`' for s in SUBJECTS)} (default `summary`)\n"
    "• period: `7d` (default), `30d`, `90d`, or weeks such as `4w`; at most 365 days\n"
    "• `#channel`: only what was raised in that channel\n"
    "• `/kpi chart latency|escalations|blockers|nps`: the weekly chart, sent to you by DM\n"
    "• `/kpi scorecard`: the transfer-readiness scorecard\n"
    "• `/kpi checkin [N]`: for the team's leads, the check-in of the last ended sprint (or N)\n"
    "• `/kpi settings`: for the workspace's admins, this workspace's settings\n"
    "• `/kpi forget-me`: Baton forgets you (it asks you to confirm first)\n"
    "Examples: `/kpi`, `/kpi escalations 30d`, `/kpi blockers 4w #payments`"
)


def _escalation_lines(figures: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        ("Opened", str(figures["opened"])),
        ("Acknowledged", str(figures["acknowledged"])),
        ("Resolved", str(figures["resolved"])),
        ("Open now", str(figures["open_now"])),
        ("Mean time to acknowledge", seconds_text(figures["mtta_seconds"])),
        ("Mean time to resolve", seconds_text(figures["mttr_seconds"])),
    ]


def _blocker_lines(figures: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        ("Raised", str(figures["opened"])),
        ("Resolved", str(figures["resolved"])),
        ("Open now", str(figures["open_now"])),
        ("Overdue", str(figures["overdue"])),
        ("Resolved within SLA", percent(figures["resolution_rate"])),
        ("Median time to resolve", seconds_text(figures["median_resolve_seconds"])),
    ]


_LATENCY_CHANNELS_SHOWN = 15


def _latency_lines(figures: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        ("Waiting for an answer", str(figures["waiting"])),
        ("Answered", str(figures["answered"])),
        ("Unanswered", str(figures["unanswered"])),
        ("Answered within SLA", percent(figures["within_sla_rate"])),
        (
            "Median wait",
            f"{seconds_text(figures['median_seconds'])} "
            f"({seconds_text(figures['median_business_seconds'])} business)",
        ),
        (
            "90th percentile wait",
            f"{seconds_text(figures['p90_seconds'])} "
            f"({seconds_text(figures['p90_business_seconds'])} business)",
        ),
    ]


def _latency_line(label: str, figures: dict[str, Any]) -> str:
    return (
        f"{label}: {figures['waiting']} waiting · median {seconds_text(figures['median_seconds'])} "
        f"({seconds_text(figures['median_business_seconds'])} business) · "
        f"p90 {seconds_text(figures['p90_seconds'])} · "
        f"{percent(figures['within_sla_rate'])} within SLA · {figures['unanswered']} unanswered"
    )


def latency_breakdown(figures: dict[str, Any], *, slack: bool = True) -> list[list[str]]:
    """Lines per direction, then per channel (busiest first), for `/kpi latency` and the CLI."""
    directions = [
        _latency_line(name.replace("→", " → "), values)
        for name, values in figures["by_direction"].items()
    ]
    channels = [
        _latency_line(channel(channel_id) if slack else channel_id, values)
        for channel_id, values in list(figures["by_channel"].items())[:_LATENCY_CHANNELS_SHOWN]
    ]
    hidden = len(figures["by_channel"]) - len(channels)
    if hidden > 0:
        channels.append(f"…and {hidden} more channels")
    unreadable = figures.get("unreadable_group_mentions") or 0
    notes = [
        f"{unreadable} messages mention a user group whose members Baton cannot read, and wait "
        "for nobody: check the app has the usergroups:read scope and the group still exists."
    ] if unreadable else []  # fmt: skip
    kept = figures.get("kept_weeks")
    if kept:
        notes.append(kept_weeks_note(kept["from"], kept["until"]))
    return [lines for lines in (directions, channels, notes) if lines]


def kept_weeks_note(first: str, until: str) -> str:
    """Which part of a period is counted from kept weekly figures (dates as ISO text)."""
    start, end = date.fromisoformat(first), date.fromisoformat(until) - timedelta(days=1)
    return (
        f"The weeks from {start:%a %-d %b %Y} to {end:%a %-d %b %Y} are counted, whole, from "
        "the weekly figures Baton stored before deleting their messages (BATON_RETENTION_DAYS)."
    )


_FAMILY_LINES = {
    "escalations": _escalation_lines,
    "blockers": _blocker_lines,
    "latency": _latency_lines,
    "nps": nps_lines,
}


def _severity_line(figures: dict[str, Any]) -> str:
    parts = [
        f"{label}: {values['opened']} opened, {values['open_now']} open"
        for label, values in figures["by_severity"].items()
        if values["opened"] or values["open_now"]
    ]
    return " · ".join(parts) or "No escalations in this period."


def _family_blocks(
    name: str,
    figures: dict[str, Any],
    previous: dict[str, Any] | None = None,
    baseline: dict[str, Any] | None = None,
    previous_label: str = "",
) -> list[Block]:
    fields = _compared_fields(name, figures, previous, baseline, previous_label)
    blocks: list[Block] = [
        {"type": "section", "text": mrkdwn(f"*{FAMILY_TITLES[name]}*"), "fields": fields}
    ]
    if name == "escalations":
        blocks.append(context(_severity_line(figures)))
    if name == "nps":
        blocks.extend(nps_extra_blocks(figures))
    if name == "latency":
        blocks.extend(section("\n".join(lines)) for lines in latency_breakdown(figures))
    return blocks


def scope(days: int, channel_id: str | None) -> str:
    where = f" in {channel(channel_id)}" if channel_id else ""
    return f"last {days} days{where}"


def build_kpi_message(
    subject: str,
    answer: dict[str, Any],
    *,
    days: int,
    channel_id: str | None,
    previous: dict[str, Any] | None = None,
    baseline: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The ephemeral answer to `/kpi`; `previous` and `baseline` are shaped like `answer`."""
    families = answer if subject == "summary" else {subject: answer}
    before = (previous if subject == "summary" else {subject: previous}) if previous else {}
    usual = (baseline if subject == "summary" else {subject: baseline}) if baseline else {}
    blocks: list[Block] = [{"type": "header", "text": plain(f"KPIs · {scope(days, channel_id)}")}]
    for name, figures in families.items():
        if name in _FAMILY_LINES:
            blocks.extend(
                _family_blocks(
                    name, figures, before.get(name), usual.get(name), f"previous {days} days"
                )
            )
    if before or usual:
        blocks.append(
            context(
                f"▲/▼: change against the {days} days before, and against the baseline (the "
                f"median week of the first weeks of operation, scaled to {days} days for counts)."
            )
        )
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
        lines.append(FAMILY_TITLES[name])
        lines.extend(f"  {label:<26} {value}" for label, value in _FAMILY_LINES[name](figures))
        if name == "latency":
            for part in latency_breakdown(figures, slack=False):
                lines.extend(["", *(f"  {line}" for line in part)])
    return "\n".join(lines)


# Comparisons: each number against the period before and against the baseline.
# Keyed by the label each family's lines use, so the families' lines stay as they are.
COMPARED: dict[str, dict[str, str]] = {
    "escalations": {
        "Opened": "opened",
        "Acknowledged": "acknowledged",
        "Resolved": "resolved",
        "Open now": "open_now",
        "Mean time to acknowledge": "mtta_seconds",
        "Mean time to resolve": "mttr_seconds",
    },
    "blockers": {
        "Raised": "opened",
        "Resolved": "resolved",
        "Open now": "open_now",
        "Overdue": "overdue",
        "Resolved within SLA": "resolution_rate",
        "Median time to resolve": "median_resolve_seconds",
    },
    "latency": {
        "Waiting for an answer": "waiting",
        "Answered": "answered",
        "Unanswered": "unanswered",
        "Answered within SLA": "within_sla_rate",
        "Median wait": "median_seconds",
        "90th percentile wait": "p90_seconds",
    },
}


def in_points(key: str) -> bool:
    """Whether a change of `key` is told in points: rates (0 to 1, told as percentages, so that
    72% → 91% is 19 points, not 26%) and scores (which cross zero and have no ratio). Counts and
    durations change in percent."""
    return key == "score" or key.endswith("_rate")


def change_text(value: float | None, reference: float | None, key: str = "") -> str | None:
    """`▲ 25%`, `▼ 10%`, `= 0%`, or `▲ 19 pts` for a rate or a score; None when there is
    nothing to say."""
    if value is None or reference is None:
        return None
    if in_points(key):
        scale = 100 if key.endswith("_rate") else 1
        points = round((value - reference) * scale)
        arrow = "▲" if points > 0 else "▼" if points < 0 else "="
        return f"{arrow} {abs(points)} pts"
    if reference == 0:
        return "= 0%" if value == 0 else "▲ from 0"
    ratio = (value - reference) / abs(reference)
    shown = round(ratio * 100)
    arrow = "▲" if shown > 0 else "▼" if shown < 0 else "="
    return f"{arrow} {abs(shown)}%"


def comparison(
    value: float | None,
    *,
    previous: float | None,
    baseline: float | None,
    previous_label: str,
    key: str = "",
) -> str:
    """`▲ 25% vs last week · ▼ 10% vs baseline`, leaving out what cannot be compared."""
    parts = []
    against_previous = change_text(value, previous, key)
    if against_previous:
        parts.append(f"{against_previous} vs {previous_label}")
    against_baseline = change_text(value, baseline, key)
    if against_baseline:
        parts.append(f"{against_baseline} vs baseline")
    return " · ".join(parts)


def _compared_fields(
    name: str,
    figures: dict[str, Any],
    previous: dict[str, Any] | None,
    baseline: dict[str, Any] | None,
    previous_label: str,
) -> list[dict[str, Any]]:
    keys = COMPARED.get(name, {})
    fields = []
    for label, value in _FAMILY_LINES[name](figures):
        text = f"*{label}*\n{value}"
        key = keys.get(label)
        if key is not None:
            note = comparison(
                _number(figures.get(key)),
                previous=_number((previous or {}).get(key)),
                baseline=_number((baseline or {}).get(key)),
                previous_label=previous_label,
            )
            if note:
                text += f"\n_{note}_"
        fields.append(mrkdwn(text))
    return fields


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
