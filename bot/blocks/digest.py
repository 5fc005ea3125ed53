"""The weekly digest as Block Kit and as a Markdown preview: the same content, two renderings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from bot.alerts import RATE, SCORE, SECONDS, Finding
from bot.blocks.alerts import finding_line, to_markdown
from bot.blocks.common import Block, context, escape, mrkdwn, plain, section, slack_date, user
from bot.blocks.kpi import change_text, duration, percent
from bot.severity import Severity

if TYPE_CHECKING:
    from bot.charts import Chart
    from bot.digest import Digest, Headline

FAMILY_TITLES = {
    "escalations": "Escalations",
    "blockers": "Blockers",
    "latency": "Response latency",
    "nps": "Internal NPS",
}
_MAX_ALERT_LINES = 10
_TITLE_SHOWN = 80


def value_text(value: float | None, unit: str) -> str:
    """A figure as people read it: 7, 3 h 20 min, 85%, +42; an en dash when missing."""
    if value is None:
        return "–"
    if unit == SECONDS:
        return duration(value)
    if unit == RATE:
        return percent(value)
    if unit == SCORE:
        return f"{value:+.0f}"
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"


def trend_text(slope: float | None, unit: str) -> str | None:
    """The 8-week trend: `+0.5 a week`, `−12 min a week`, `+2 pts a week`."""
    if slope is None:
        return None
    sign = "+" if slope >= 0 else "−"
    if unit == SECONDS:
        return f"{sign}{duration(abs(slope))} a week"
    if unit == RATE:
        return f"{sign}{abs(slope) * 100:.1f} pts a week"
    if unit == SCORE:
        return f"{sign}{abs(slope):.1f} pts a week"
    return f"{sign}{abs(slope):.1f} a week"


def headline_note(line: Headline, previous_label: str = "last week") -> str:
    """`▲ 40% vs last week · ▲ 75% vs baseline (4) · trend +0.5 a week`."""
    parts = []
    key = "score" if line.unit == SCORE else line.key
    against_previous = change_text(line.value, line.previous, key)
    if against_previous:
        parts.append(f"{against_previous} vs {previous_label}")
    against_baseline = change_text(line.value, line.baseline, key)
    if against_baseline:
        parts.append(f"{against_baseline} vs baseline ({value_text(line.baseline, line.unit)})")
    slope = trend_text(line.trend, line.unit)
    if slope:
        parts.append(f"trend {slope}")
    return " · ".join(parts)


def _period(week: date, end: date) -> str:
    """`16 – 22 Nov 2026`, `30 Nov – 6 Dec 2026`, `28 Dec 2026 – 3 Jan 2027`."""
    last = f"{end.day} {end:%b %Y}"
    if week.year != end.year:
        return f"{week.day} {week:%b %Y} – {last}"
    if week.month != end.month:
        return f"{week.day} {week:%b} – {last}"
    return f"{week.day} – {last}"


def _baseline_note(digest: Digest) -> str:
    if digest.baseline_first is None:
        return "no baseline yet"
    return (
        f"baseline: the median week of the first {digest.baseline_weeks} weeks from "
        f"{digest.baseline_first:%d %b %Y}"
    )


def _previous_label(family: str) -> str:
    return "the round before" if family == "nps" else "last week"


def _family_section(digest: Digest, family: str) -> list[Block]:
    title = FAMILY_TITLES[family]
    if family in digest.not_measured:
        return [section(f"*{title}*\nNot measured yet.")]
    fields = []
    for line in digest.headlines.get(family, [])[:10]:
        text = f"*{line.label}*\n{value_text(line.value, line.unit)}"
        note = headline_note(line, _previous_label(family))
        if note:
            text += f"\n_{note}_"
        fields.append(mrkdwn(text))
    return [{"type": "section", "text": mrkdwn(f"*{title}*"), "fields": fields}]


def _escalation_line(row: dict[str, Any]) -> str:
    severity = Severity(row["severity"])
    title = row["title"] if len(row["title"]) <= _TITLE_SHOWN else row["title"][:79] + "…"
    holder = row.get("assignee_id") or row.get("owner_id")
    return (
        f"• *#{row['id']}* {severity.label} · {escape(title)} · {row['status']} · "
        f"with {user(holder)} · opened {slack_date(row['created_at'], '{ago}')}"
    )


def _blocker_line(row: dict[str, Any]) -> str:
    text = row["text"] if len(row["text"]) <= _TITLE_SHOWN else row["text"][:79] + "…"
    return (
        f"• *#{row['id']}* {escape(text)} · raised by {user(row['reporter_id'])} · "
        f"open since {slack_date(row['created_at'], '{ago}')}"
    )


def _alert_lines(alerts: Sequence[Finding]) -> str:
    if not alerts:
        return ":white_check_mark: *No alerts firing.*"
    lines = [f":rotating_light: *Alerts firing ({len(alerts)})*"]
    lines.extend(f"• {finding_line(finding)}" for finding in alerts[:_MAX_ALERT_LINES])
    if len(alerts) > _MAX_ALERT_LINES:
        lines.append(f"…and {len(alerts) - _MAX_ALERT_LINES} more.")
    return "\n".join(lines)


def _oldest(title: str, lines: list[str], total: int, empty: str) -> str:
    if not lines:
        return f"*{title}*\n{empty}"
    shown = f" ({len(lines)} of {total} open)" if total > len(lines) else f" ({total} open)"
    return f"*{title}*{shown}\n" + "\n".join(lines)


def build_digest_message(digest: Digest) -> dict[str, Any]:
    """The digest's message; its charts follow in the thread."""
    period = _period(digest.week, digest.week_end)
    blocks: list[Block] = [
        {"type": "header", "text": plain(f"Weekly digest · {period}", 150)},
        context(
            f"Monday to Sunday in {digest.timezone}. ▲/▼ against last week and the "
            f"{_baseline_note(digest)}; trends are least-squares slopes over 8 weeks."
        ),
    ]
    for family in ("escalations", "blockers", "latency", "nps"):
        blocks.extend(_family_section(digest, family))
    blocks.append({"type": "divider"})
    blocks.append(section(_alert_lines(digest.alerts)))
    blocks.append(
        section(
            _oldest(
                "Oldest open escalations",
                [_escalation_line(row) for row in digest.oldest_escalations],
                digest.open_escalations,
                "None open.",
            )
        )
    )
    blocks.append(
        section(
            _oldest(
                "Oldest open blockers",
                [_blocker_line(row) for row in digest.oldest_blockers],
                digest.open_blockers,
                "None open.",
            )
        )
    )
    blocks.append(
        context(
            f"Charts of the last {digest.weeks.count} weeks in the thread. "
            "`/kpi` answers any number on demand; `/kpi chart latency` sends a chart by DM."
        )
    )
    return {"text": f"Weekly digest, {period}", "blocks": blocks}


def build_digest_markdown(digest: Digest, charts: Sequence[Chart]) -> str:
    """A Markdown preview of the digest, with its charts as images next to the file."""
    period = _period(digest.week, digest.week_end)
    lines = [
        f"# Weekly digest · {period}",
        "",
        f"_Monday to Sunday in {digest.timezone}. ▲/▼ against last week and the "
        f"{_baseline_note(digest)}; trends are least-squares slopes over 8 weeks._",
        "",
    ]
    for family in ("escalations", "blockers", "latency", "nps"):
        lines.append(f"## {FAMILY_TITLES[family]}")
        lines.append("")
        if family in digest.not_measured:
            lines.extend(["Not measured yet.", ""])
            continue
        lines.extend(["| Figure | This week | Compared |", "|---|---:|---|"])
        for line in digest.headlines.get(family, []):
            note = headline_note(line, _previous_label(family)) or "–"
            lines.append(f"| {line.label} | {value_text(line.value, line.unit)} | {note} |")
        lines.append("")
    lines.extend(["## Alerts", "", to_markdown(_alert_lines(digest.alerts)), ""])
    for title, rows, total, render in (
        ("Oldest open escalations", digest.oldest_escalations, digest.open_escalations,
         _escalation_line),
        ("Oldest open blockers", digest.oldest_blockers, digest.open_blockers, _blocker_line),
    ):  # fmt: skip
        lines.extend([f"## {title}", ""])
        lines.append(to_markdown("\n".join(render(row) for row in rows)) if rows else "None open.")
        if total > len(rows):
            lines.append(f"\n…{total} open in all.")
        lines.append("")
    lines.extend(["## Charts", ""])
    for chart in charts:
        lines.extend([f"![{chart.alt_text}]({chart.filename})", ""])
    return "\n".join(lines)
