"""The partner's monthly post: every workspace's scorecard side by side, in one channel of the
partner's own workspace (BATON_PORTFOLIO_CHANNEL), when the monthly review is due."""

from __future__ import annotations

import logging
from datetime import date, datetime, time
from typing import Any

from bot.core.blocks import Block, context, section
from bot.digest.review import due_month
from bot.kpi.portfolio import COLOURS, NOT_KNOWN, Row, portfolio
from bot.kpi.scorecard import UNITS
from bot.kpi.scorecard_blocks import TITLES, value_text
from bot.runtime.posts import post_once
from bot.runtime.scheduler import Work, run_once
from bot.runtime.services import Services
from storage.scope import acting_for

log = logging.getLogger(__name__)

# A message holds at most 50 blocks: a heading and a legend beside one section a workspace.
WORKSPACES_PER_MESSAGE = 45
# When the month's post is due where the review is off: the first Monday's morning.
DEFAULT_AT = time(9, 0)
LEGEND = "🟢 green · 🟠 amber · 🔴 red · ⚪ not known yet · one line per workspace Baton serves"


def post_portfolio(services: Services, now: datetime) -> None:
    """The clock's upkeep: once a month, each workspace's scorecard, counted from its own
    records, posted with the partner's workspace's token to its channel."""
    target = services.defaults.digest.portfolio
    if target is None:
        return

    # The partner's workspace: its calendar and review time, its claim, its token.
    with acting_for(target.team_id):
        settings = services.settings
        month = due_month(now, settings.checkins.review_at or DEFAULT_AT, settings.calendar.tz)

        def post() -> None:
            # Each row is counted acting for its own workspace (bot.kpi.portfolio).
            rows = portfolio(services, now)
            for number, message in enumerate(portfolio_messages(rows, month), start=1):
                ref = f"portfolio:{month:%Y-%m}:{number}"
                post_once(services, ref=ref, channel=target.channel, **message)

        if run_once(services, Work("portfolio", target.channel, f"{month:%Y-%m}"), post):
            log.info("portfolio of %s posted to %s", f"{month:%Y-%m}", target.channel)


def portfolio_messages(rows: list[Row], month: date) -> list[dict[str, Any]]:
    """The post, in messages of at most WORKSPACES_PER_MESSAGE workspaces each."""
    title = f"*Portfolio · {month:%B %Y}* · {len(rows)} workspaces"
    if not rows:
        return [{"text": title, "blocks": [section(title + "\nNo workspace has records yet.")]}]
    messages = []
    for start in range(0, len(rows), WORKSPACES_PER_MESSAGE):
        chunk = rows[start : start + WORKSPACES_PER_MESSAGE]
        blocks: list[Block] = [section(title)] if start == 0 else []
        blocks += [section(workspace_line(row)) for row in chunk]
        blocks.append(context(LEGEND))
        messages.append({"text": title, "blocks": blocks})
    return messages


def workspace_line(row: Row) -> str:
    """`*T012AB3CD* · readiness 72% · 120 days to transfer`, then each KPI known."""
    card = row.card
    head = [f"*{row.team_id}*"]
    if card.readiness is not None:
        head.append(f"readiness {card.readiness * 100:.0f}%")
    if card.days_to_transfer is not None:
        head.append(f"{card.days_to_transfer} days to transfer")
    cells = []
    for name, kpi in card.kpis.items():
        if kpi.known and kpi.value is not None:
            cells.append(
                f"{COLOURS[kpi.status]} {TITLES[name]} {value_text(kpi.value, UNITS[name])}"
            )
    unknown = sum(1 for kpi in card.kpis.values() if not (kpi.known and kpi.value is not None))
    if unknown:
        cells.append(f"{NOT_KNOWN} {unknown} not known yet")
    return " · ".join(head) + "\n" + " · ".join(cells)
