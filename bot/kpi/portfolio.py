"""The partner's view: every workspace's transfer-readiness scorecard side by side, one row per
workspace and one column per KPI, each workspace's figures counted from its own rows only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.kpi.scorecard import AMBER, GREEN, RED, UNITS, Scorecard, kpi_json, scorecard
from bot.kpi.scorecard_blocks import TITLES, value_text
from bot.runtime.services import Services
from storage.scope import acting_for
from storage.workspaces import stored_teams

# Colours a Markdown viewer shows as they are, where Slack's :emoji: names would be text.
COLOURS = {GREEN: "🟢", AMBER: "🟠", RED: "🔴"}
NOT_KNOWN = "⚪"


@dataclass(frozen=True)
class Row:
    """One workspace's scorecard."""

    team_id: str
    card: Scorecard


def portfolio(services: Services, now: datetime | None = None) -> list[Row]:
    """The scorecard of every workspace the database holds rows of, by workspace id."""
    moment = now or services.now()
    with services.db.reading() as session:
        teams = [team for team in stored_teams(session) if team]
    rows = []
    for team in teams:
        with acting_for(team):
            rows.append(Row(team, scorecard(services, moment)))
    return rows


def portfolio_json(rows: list[Row]) -> dict[str, Any]:
    """What `baton portfolio --json` prints: per workspace, the scorecard's own keys."""
    return {
        "workspaces": [
            {
                "team_id": row.team_id,
                "as_of": row.card.as_of.isoformat(),
                "readiness": None if row.card.readiness is None else round(row.card.readiness, 4),
                "days_to_transfer": row.card.days_to_transfer,
                "kpis": {name: kpi_json(kpi) for name, kpi in row.card.kpis.items()},
            }
            for row in rows
        ]
    }


def portfolio_markdown(rows: list[Row]) -> str:
    """The table, in Markdown: a coloured mark and the value in each KPI's cell."""
    if not rows:
        return "No workspace has any records yet.\n"
    names = list(rows[0].card.kpis)
    head = ["Workspace", "Readiness", "Days to transfer", *(TITLES[name] for name in names)]
    lines = [
        f"# Portfolio · {rows[0].card.as_of.day} {rows[0].card.as_of:%b %Y}",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
    ]
    for row in rows:
        card = row.card
        readiness = "–" if card.readiness is None else f"{card.readiness * 100:.0f}%"
        days = "–" if card.days_to_transfer is None else str(card.days_to_transfer)
        cells = [row.team_id, readiness, days]
        for name in names:
            kpi = card.kpis[name]
            if kpi.known and kpi.value is not None:
                cells.append(f"{COLOURS[kpi.status]} {value_text(kpi.value, UNITS[name])}")
            else:
                cells.append(NOT_KNOWN)
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "🟢 green · 🟠 amber · 🔴 red · ⚪ not known yet"]
    return "\n".join(lines) + "\n"
