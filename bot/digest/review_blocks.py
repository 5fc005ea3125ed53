"""The monthly review as Block Kit and as Markdown: readiness, what changed since the last
review, the scorecard; its chart goes in the thread."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.core.blocks import Block, context, plain, section
from bot.digest.charts import Chart
from bot.kpi.scorecard import UNKNOWN, Scorecard
from bot.kpi.scorecard_blocks import (
    TITLES,
    build_scorecard_blocks,
    readiness_text,
    scorecard_markdown,
)

if TYPE_CHECKING:
    from bot.digest.review import Review


def changes(card: Scorecard, previous: dict[str, Any] | None) -> list[str]:
    """What changed since the last review's scorecard: readiness in points, and each KPI shown
    whose colour changed."""
    if previous is None:
        return []
    lines = []
    before = previous.get("readiness")
    now = card.readiness
    if before is not None and now is not None:
        points = round((now - float(before)) * 100)
        arrow = "▲" if points > 0 else "▼" if points < 0 else "="
        lines.append(
            f"Readiness {arrow} {abs(points)} pts ({float(before) * 100:.0f}% → {now * 100:.0f}%)"
        )
    was = previous.get("kpis") or {}
    for name, kpi in card.kpis.items():
        old = (was.get(name) or {}).get("status", UNKNOWN)
        if old != kpi.status:
            lines.append(f"{TITLES[name]}: {old} → {kpi.status}")
    return lines


def _since(review: Review) -> str:
    if review.previous is None:
        return "This is the first review: the next one will say what changed."
    day, scorecard = review.previous
    lines = changes(review.scorecard, scorecard)
    head = f"*Since the last review ({day.day} {day:%b %Y})*"
    return head + ("\n" + "\n".join(f"• {line}" for line in lines) if lines else ": no change.")


def build_review_message(review: Review) -> dict[str, Any]:
    """The review's message; the readiness chart follows in its thread."""
    title = f"Monthly review · {review.month:%B %Y}"
    blocks: list[Block] = [
        {"type": "header", "text": plain(title, 150)},
        section(_since(review)),
        *build_scorecard_blocks(review.scorecard),
        context("Readiness over time in the thread. `/kpi scorecard` shows it at any moment."),
    ]
    return {"text": f"{title}: {readiness_text(review.scorecard)}", "blocks": blocks}


def review_markdown(review: Review, chart: Chart) -> str:
    """A Markdown preview of the review, its chart as an image next to the file."""
    since = _since(review).replace("*", "**")
    return (
        f"# Monthly review · {review.month:%B %Y}\n\n{since}\n\n"
        + scorecard_markdown(review.scorecard)
        + f"\n![{chart.alt_text}]({chart.filename})\n"
    )
