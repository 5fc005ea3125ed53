"""Alert messages: a breach, a repeat while it lasts, a recovery; each with value, threshold,
baseline and what to look at."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.alerts.rules import RECOVER, REPEAT, Finding
from bot.core.blocks import Block, context, escape, section, slack_date
from bot.core.formatting import value_text

UTC_ZONE = ZoneInfo("UTC")


def figures(finding: Finding) -> str:
    """`value 42 · threshold 50 · baseline 61`."""
    parts = [
        f"value {value_text(finding.value, finding.unit)}",
        f"threshold {finding.threshold_text or value_text(finding.threshold, finding.unit)}",
        f"baseline {value_text(finding.baseline, finding.unit)}",
    ]
    return " · ".join(parts)


def finding_line(finding: Finding) -> str:
    """One line for lists (the digest): title, then the figures."""
    title = finding.title
    if finding.extra.get("title"):
        title += f" ({escape(str(finding.extra['title'])[:60])})"
    return f"*{title}*: {figures(finding)}"


def build_alert_message(finding: Finding, *, step: str, since: datetime) -> dict[str, Any]:
    """The channel message for a breach (`breach`), a reminder (`repeat`) or a recovery."""
    title = finding.title
    if finding.extra.get("title"):
        title += f": {escape(str(finding.extra['title'])[:120])}"
    if step == RECOVER:
        text = f":large_green_circle: *Recovered* · {title}"
        lines = [text]
        if finding.value is not None:
            lines.append(figures(finding))
        blocks: list[Block] = [section("\n".join(lines))]
        return {"text": f"Recovered: {finding.title}", "blocks": blocks}
    icon = ":red_circle:" if step != REPEAT else ":large_orange_circle:"
    lead = "Alert" if step != REPEAT else f"Still breaching since {slack_date(since)}"
    lines = [f"{icon} *{lead}* · {title}", figures(finding)]
    if finding.detail:
        lines.append(finding.detail)
    blocks = [section("\n".join(lines))]
    if finding.look_at:
        blocks.append(context(f"*Look at:* {finding.look_at}"))
    return {"text": f"{lead}: {finding.title}", "blocks": blocks}


_SUMMARY_SUBJECTS = {
    "blocker_overdue": ("blockers open past their SLA", "blockers resolved"),
    "unacknowledged_escalation": (
        "escalations unacknowledged past their timeout",
        "escalations acknowledged or resolved",
    ),
}
_SUMMARY_IDS = 20


def build_summary_message(rule: str, step: str, findings: list[Finding]) -> dict[str, Any]:
    """One message for the item alerts past the first few of an evaluation."""
    breached, recovered = _SUMMARY_SUBJECTS.get(rule, ("items breaching", "items recovered"))
    numbers = [finding.subject.partition(":")[2] for finding in findings]
    shown = ", ".join(f"#{number}" for number in numbers[:_SUMMARY_IDS])
    if len(numbers) > _SUMMARY_IDS:
        shown += f" and {len(numbers) - _SUMMARY_IDS} more"
    if step == RECOVER:
        text = f":large_green_circle: *{len(findings)} more {recovered}*: {shown}"
    else:
        lead = "Still: " if step == REPEAT else ""
        text = f":red_circle: *{lead}{len(findings)} more {breached}*: {shown}"
    blocks: list[Block] = [section(text)]
    if findings and findings[0].look_at and step != RECOVER:
        blocks.append(context(f"*Look at:* {findings[0].look_at}"))
    return {"text": text.split("*")[1], "blocks": blocks}


def to_markdown(text: str, tz: ZoneInfo = UTC_ZONE) -> str:
    """Slack mrkdwn to Markdown, near enough for a preview: *bold* → **bold**, and dates (which
    Slack shows in each reader's zone) as text in `tz`, the team's."""

    def local(match: re.Match[str]) -> str:
        moment = datetime.fromtimestamp(int(match.group(1)), tz)
        return f"{moment:%Y-%m-%d %H:%M} {moment.tzname()}"

    text = re.sub(r"<!date\^(\d+)\^[^|]*\|[^>]*>", local, text)
    text = re.sub(r"<@([A-Z0-9]+)>", r"@\1", text)
    text = re.sub(r"<#([A-Z0-9]+)>", r"#\1", text)
    text = re.sub(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])", r"**\1**", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def build_alerts_markdown(
    findings: list[Finding], *, now: datetime, tz: ZoneInfo = UTC_ZONE
) -> str:
    """The alerts firing at `now`, as Markdown in the team's zone `tz` (the demo writes it next
    to the digest)."""
    here = now.astimezone(tz)
    lines = [f"# Alerts firing at {here:%Y-%m-%d %H:%M} {here.tzname()}", ""]
    if not findings:
        lines.append("No alert is firing.")
    for finding in findings:
        lines.append(f"## {finding.title}")
        lines.append("")
        lines.append(figures(finding))
        if finding.detail:
            lines.append("")
            lines.append(to_markdown(finding.detail, tz))
        if finding.look_at:
            lines.extend(["", f"**Look at:** {to_markdown(finding.look_at, tz)}"])
        lines.append("")
    return "\n".join(lines)
