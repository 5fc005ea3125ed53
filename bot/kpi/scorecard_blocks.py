"""The scorecard in words: one line per KPI (colour, value, threshold, projection or what is
missing), as Block Kit, as text for the terminal and as Markdown."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.config.scorecard import Better
from bot.core.blocks import Block, context, plain, section
from bot.kpi.scorecard import AMBER, GREEN, RED, UNITS, Kpi, Projection, Scorecard

TITLES = {
    "nps": "Internal NPS",
    "response_latency": "Questions answered within the SLA",
    "blocker_resolution_rate": "Blockers resolved within the SLA",
    "escalations_per_sprint": "Escalations in the last sprint, against the baseline",
    "velocity_trend": "Velocity trend",
    "milestones_on_schedule": "Milestones on schedule",
    "kt_completion": "Knowledge transfer validated",
    "first_time_fix_rate": "First-time fix rate",
    "burn_vs_forecast": "Spend against forecast",
    "budget_vs_milestones": "Budget consumed ahead of milestones",
    "key_role_attrition": "Key-role attrition (a year)",
    "deployment_frequency": "Deployment frequency",
    "lead_time_for_changes": "Lead time for changes",
    "change_failure_rate": "Change failure rate",
    "time_to_restore": "Time to restore service",
}
ICONS = {GREEN: ":large_green_circle:", AMBER: ":large_orange_circle:", RED: ":red_circle:"}
UNKNOWN_ICON = ":white_circle:"
TEXT_MARKS = {GREEN: "green  ", AMBER: "amber  ", RED: "RED    "}


def value_text(value: float, unit: str) -> str:
    """A KPI's value in its unit: 85%, +42, 1.12×, 18 pts, +2.5 a sprint, 3.5 a week, 36 h."""
    if unit in ("rate", "rate_per_year"):
        return f"{value * 100:.1f}%".replace(".0%", "%")
    if unit == "score":
        return f"{value:+.0f}"
    if unit == "ratio":
        return f"{value:.2f}×"
    if unit == "points":
        return f"{value:g} pts"
    if unit == "points_per_sprint":
        return f"{value:+.1f} points a sprint"
    if unit == "per_week":
        return f"{value:.2g} a week" if value < 10 else f"{value:.0f} a week"
    return f"{value:g} h"


def _line(value: float | None, unit: str) -> str:
    return "–" if value is None else value_text(value, unit)


_MARKS = {
    (Better.HIGHER, False): "≥",
    (Better.HIGHER, True): ">",
    (Better.LOWER, False): "≤",
    (Better.LOWER, True): "<",
}


def threshold_text(kpi: Kpi) -> str:
    """`green ≥ 85%, amber ≥ 70%`, as the band says."""
    band, unit = kpi.band, UNITS[kpi.name]
    mark = _MARKS[(band.better, band.strict)]
    parts = [f"green {mark} {_line(band.green, unit)}"]
    if band.amber is not None:
        parts.append(f"amber {mark} {_line(band.amber, unit)}")
    return ", ".join(parts)


def projection_text(projection: Projection, green: float | None) -> str:
    """`at this pace knowledge transfer reaches 66% by 3 May 2027, short of 80% (sprints 2–6)`."""
    reach = f"{projection.value * 100:.0f}%"
    when = f"{projection.at.day} {projection.at:%b %Y}"
    verdict = ""
    if green is not None:
        line = f"{green * 100:.0f}%"
        verdict = f", short of {line}" if projection.value < green else f", past {line}"
    first, last = projection.sprints[0], projection.sprints[-1]
    return (
        f"at this pace knowledge transfer reaches {reach} by {when}{verdict} "
        f"(from sprints {first}–{last})"
    )


def kpi_sentence(kpi: Kpi) -> str:
    """What one KPI says, after its title: its value and band, or why it is unknown."""
    if not kpi.known:
        return f"unknown: {kpi.reason}"
    text = f"{value_text(kpi.value or 0.0, UNITS[kpi.name])} ({threshold_text(kpi)})"
    if kpi.projection is not None:
        text += f"; {projection_text(kpi.projection, kpi.band.green)}"
    return text


def readiness_text(card: Scorecard) -> str:
    """`Readiness 58%: 7 of 12 known KPIs green · Transfer in 150 days (3 May 2027)`."""
    every = [*card.kpis.values(), *card.hidden.values()]
    known = [kpi for kpi in every if kpi.known]
    greens = sum(1 for kpi in known if kpi.status == GREEN)
    readiness = card.readiness
    head = (
        "Readiness not known yet: no KPI has data"
        if readiness is None
        else f"Readiness {readiness * 100:.0f}%: {greens} of {len(known)} known KPIs green"
    )
    if card.transfer_date is not None:
        days = card.days_to_transfer or 0
        when = f"{card.transfer_date.day} {card.transfer_date:%b %Y}"
        head += (
            f" · Transfer in {days} days ({when})"
            if days >= 0
            else f" · Transfer was {-days} days ago ({when})"
        )
    return head


def build_scorecard_blocks(card: Scorecard) -> list[Block]:
    """The scorecard as sections: readiness, then a line per KPI."""
    lines = [
        f"{ICONS.get(kpi.status, UNKNOWN_ICON)} *{TITLES[name]}*: {kpi_sentence(kpi)}"
        for name, kpi in card.kpis.items()
    ]
    blocks: list[Block] = [section(f"*{readiness_text(card)}*")]
    # A section holds 3,000 characters: a few lines each keeps them whole.
    for start in range(0, len(lines), 5):
        blocks.append(section("\n".join(lines[start : start + 5])))
    if card.hidden:
        blocks.append(
            context(
                f"{len(card.hidden)} finance and people KPIs are shown to the leads and admins "
                "only; readiness counts them."
            )
        )
    return blocks


def build_scorecard_message(card: Scorecard) -> dict[str, Any]:
    """The answer to `/kpi scorecard`."""
    blocks: list[Block] = [
        {"type": "header", "text": plain(f"Transfer-readiness scorecard · {_day(card.as_of)}")},
        *build_scorecard_blocks(card),
        context(
            "Green, amber and red as the README defines each KPI; unknown KPIs say what data "
            "would make them known. `baton kpi scorecard --json` prints every figure."
        ),
    ]
    return {"text": readiness_text(card), "blocks": blocks}


def scorecard_text(card: Scorecard) -> str:
    """The scorecard for a terminal."""
    lines = [f"Transfer-readiness scorecard, {_day(card.as_of)}", readiness_text(card), ""]
    for name, kpi in card.kpis.items():
        mark = TEXT_MARKS.get(kpi.status, "unknown")
        lines.append(f"  {mark} {TITLES[name]}: {kpi_sentence(kpi)}")
    return "\n".join(lines)


def scorecard_markdown(card: Scorecard) -> str:
    """The scorecard as Markdown (the demo, and the review's preview)."""
    lines = [
        f"# Transfer-readiness scorecard · {_day(card.as_of)}",
        "",
        f"**{readiness_text(card)}**",
        "",
    ]
    lines += ["| | KPI | Value and threshold |", "|---|---|---|"]
    for name, kpi in card.kpis.items():
        lines.append(f"| {kpi.status} | {TITLES[name]} | {kpi_sentence(kpi)} |")
    return "\n".join(lines) + "\n"


def _day(day: date) -> str:
    return f"{day.day} {day:%b %Y}"
