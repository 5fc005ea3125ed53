"""The weekly digest as Block Kit and as a Markdown preview: the same content, two renderings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.alerts.blocks import finding_line, to_markdown
from bot.alerts.rules import Finding
from bot.core.blocks import Block, context, escape, mrkdwn, plain, section, slack_date, user
from bot.core.durations import seconds_text
from bot.core.formatting import Unit, value_text
from bot.kpi.blocks import change_text
from bot.kpi.scorecard import RED
from bot.kpi.scorecard_blocks import TITLES, readiness_text
from bot.kpi.subjects import FAMILY_NAMES, FAMILY_TITLES

if TYPE_CHECKING:
    from bot.blockers.rules import BlockerCard
    from bot.digest.build import Digest, Headline
    from bot.digest.charts import Chart
    from bot.escalations.rules import Snapshot

_MAX_ALERT_LINES = 10
_TITLE_SHOWN = 80


def trend_text(slope: float | None, unit: Unit) -> str | None:
    """The 8-week trend: `+0.5 a week`, `−12 min a week`, `+2 pts a week`."""
    if slope is None:
        return None
    sign = "+" if slope >= 0 else "−"
    if unit == Unit.SECONDS:
        return f"{sign}{seconds_text(abs(slope))} a week"
    if unit == Unit.RATE:
        return f"{sign}{abs(slope) * 100:.1f} pts a week"
    if unit == Unit.SCORE:
        return f"{sign}{abs(slope):.1f} pts a week"
    return f"{sign}{abs(slope):.1f} a week"


def headline_note(line: Headline, previous_label: str = "last week") -> str:
    """`▲ 40% vs last week · ▲ 75% vs baseline (4) · trend +0.5 a week`."""
    parts = []
    key = "score" if line.unit == Unit.SCORE else line.key
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


def comparisons_note(digest: Digest) -> str:
    """What the ▲ and ▼ compare against, and what is not known yet."""
    head = f"Monday to Sunday in {digest.timezone}. ▲/▼ against last week"
    if digest.baseline_first is None:
        head += (
            f"; no baseline yet (it will be the median week of the first {digest.baseline_weeks} "
            "full weeks Baton measures)"
        )
    else:
        head += (
            f" and the baseline (the median week of the first {digest.baseline_weeks} weeks from "
            f"{digest.baseline_first:%d %b %Y})"
        )
    return head + "; trends are least-squares slopes over 8 weeks."


# Why a family has no figures yet, in the words of what would give it some.
NOT_MEASURED = {
    "escalations": "no escalation recorded yet (`/escalate`)",
    "blockers": "no blocker recorded yet (`/blocker`)",
    "latency": "no message in the channels Baton is in has waited for an answer yet",
    "nps": "no survey round has closed yet",
}
CHART_NAMES = {
    "latency": "response latency",
    "activity": "escalations and blockers",
    "nps": "internal NPS",
}


def not_measured_text(family: str) -> str:
    return f"Not measured yet: {NOT_MEASURED[family]}."


def charts_note(digest: Digest) -> str:
    """Which charts are in the thread, and why the others are not."""
    missing = {
        "latency": "latency" in digest.not_measured,
        "activity": {"escalations", "blockers"} <= set(digest.not_measured),
        "nps": "nps" in digest.not_measured,
    }
    drawn = [CHART_NAMES[name] for name, gone in missing.items() if not gone]
    skipped = [CHART_NAMES[name] for name, gone in missing.items() if gone]
    if not drawn:
        return "No charts yet: nothing is measured yet."
    note = f"Charts of the last {digest.weeks.count} weeks in the thread: {', '.join(drawn)}."
    if skipped:
        note += f" Not drawn, as not measured yet: {', '.join(skipped)}."
    return note


def _previous_label(family: str) -> str:
    return "the round before" if family == "nps" else "last week"


def _family_section(digest: Digest, family: str) -> list[Block]:
    title = FAMILY_TITLES[family]
    if family in digest.not_measured:
        return [section(f"*{title}*\n{not_measured_text(family)}")]
    fields = []
    for line in digest.headlines.get(family, [])[:10]:
        text = f"*{line.label}*\n{value_text(line.value, line.unit)}"
        note = headline_note(line, _previous_label(family))
        if note:
            text += f"\n_{note}_"
        fields.append(mrkdwn(text))
    return [{"type": "section", "text": mrkdwn(f"*{title}*"), "fields": fields}]


def _escalation_line(esc: Snapshot) -> str:
    title = esc.title if len(esc.title) <= _TITLE_SHOWN else esc.title[:79] + "…"
    return (
        f"• *#{esc.id}* {esc.severity.label} · {escape(title)} · {esc.status} · "
        f"with {user(esc.assignee_id or esc.owner_id)} · "
        f"opened {slack_date(esc.created_at, '{ago}')}"
    )


def _blocker_line(card: BlockerCard) -> str:
    text = card.text if len(card.text) <= _TITLE_SHOWN else card.text[:79] + "…"
    return (
        f"• *#{card.id}* {escape(text)} · raised by {user(card.reporter_id)} · "
        f"open since {slack_date(card.created_at, '{ago}')}"
    )


def readiness_line(digest: Digest) -> str | None:
    """One line of the scorecard, as everyone may see it: readiness, and which KPIs are red."""
    if digest.scorecard is None:
        return None
    card = digest.scorecard.shown_to(False)
    reds = [TITLES[name] for name, kpi in card.kpis.items() if kpi.status == RED]
    hidden = sum(1 for kpi in card.hidden.values() if kpi.status == RED)
    line = f":bar_chart: *{readiness_text(card)}*"
    if reds:
        line += " · red: " + ", ".join(reds)
    if hidden:
        line += f" · {hidden} of the leads' KPIs red"
    return line + " · `/kpi scorecard`"


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
        context(comparisons_note(digest)),
    ]
    for family in FAMILY_NAMES:
        blocks.extend(_family_section(digest, family))
    blocks.append({"type": "divider"})
    readiness = readiness_line(digest)
    if readiness is not None:
        blocks.append(section(readiness))
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
            f"{charts_note(digest)} `/kpi` answers any number on demand; `/kpi chart latency` "
            "sends a chart by DM."
        )
    )
    return {"text": f"Weekly digest, {period}", "blocks": blocks}


def build_digest_markdown(digest: Digest, charts: Sequence[Chart]) -> str:
    """A Markdown preview of the digest, with its charts as images next to the file; its dates
    are in the team's zone, as Slack would show them to someone there."""
    tz = ZoneInfo(digest.timezone)
    period = _period(digest.week, digest.week_end)
    lines = [
        f"# Weekly digest · {period}",
        "",
        f"_{comparisons_note(digest)}_",
        "",
    ]
    for family in FAMILY_NAMES:
        lines.append(f"## {FAMILY_TITLES[family]}")
        lines.append("")
        if family in digest.not_measured:
            lines.extend([not_measured_text(family), ""])
            continue
        lines.extend(["| Figure | This week | Compared |", "|---|---:|---|"])
        for line in digest.headlines.get(family, []):
            note = headline_note(line, _previous_label(family)) or "–"
            lines.append(f"| {line.label} | {value_text(line.value, line.unit)} | {note} |")
        lines.append("")
    readiness = readiness_line(digest)
    if readiness is not None:
        lines.extend(["## Transfer readiness", "", to_markdown(readiness, tz), ""])
    lines.extend(["## Alerts", "", to_markdown(_alert_lines(digest.alerts), tz), ""])
    for title, shown, total in (
        (
            "Oldest open escalations",
            [_escalation_line(esc) for esc in digest.oldest_escalations],
            digest.open_escalations,
        ),
        (
            "Oldest open blockers",
            [_blocker_line(card) for card in digest.oldest_blockers],
            digest.open_blockers,
        ),
    ):
        lines.extend([f"## {title}", ""])
        lines.append(to_markdown("\n".join(shown), tz) if shown else "None open.")
        if total > len(shown):
            lines.append(f"\n…{total} open in all.")
        lines.append("")
    lines.extend(["## Charts", "", charts_note(digest), ""])
    for chart in charts:
        lines.extend([f"![{chart.alt_text}]({chart.filename})", ""])
    return "\n".join(lines)
