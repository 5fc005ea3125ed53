"""The App Home tab: what waits on the person looking, and the team's week at a glance."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.blockers.blocks import waits_on
from bot.blockers.rules import BlockerCard
from bot.checkins.blocks import sprint_dates
from bot.checkins.rules import Sprint
from bot.core.blocks import Block, button, context, plain, section, slack_date, user
from bot.core.durations import seconds_text
from bot.core.formatting import percent
from bot.core.ids import CheckinAction
from bot.escalations.blocks import SEVERITY_ICONS, STATUS_NAMES, rich
from bot.escalations.rules import Snapshot
from bot.kpi.scorecard import Scorecard
from bot.kpi.scorecard_blocks import build_scorecard_blocks
from bot.settings.blocks import build_home_part
from bot.settings.rules import HomePart

# A Home tab holds at most 100 blocks; each list keeps to a few.
HOME_LIST_LIMIT = 10

HELP = (
    "*Commands*\n"
    "• `/escalate [sev1-4] [@owner] title`, or `/escalate` for the form · `/escalate list`\n"
    "• `/blocker text with @people and #channels`, or `/blocker` for the form · "
    "`/blocker list` · `/blocker mine`\n"
    "• `/kpi [escalations|blockers] [7d|30d|4w] [#channel]` · `/kpi scorecard` · `/kpi help`"
)


def _escalation_line(esc: Snapshot) -> str:
    return (
        f"*#{esc.id}* {SEVERITY_ICONS[esc.severity]} {esc.severity.label} · {rich(esc.title)}\n"
        f"{STATUS_NAMES.get(esc.status, esc.status)} · owner {user(esc.owner_id)} · "
        f"opened {slack_date(esc.created_at, '{ago}')}"
    )


def _blocker_line(card: BlockerCard, label: str) -> str:
    text = card.text if len(card.text) <= 120 else card.text[:119] + "…"
    return (
        f"*#{card.id}* · _{label}_ · waiting on {waits_on(card)} · "
        f"open {slack_date(card.created_at, '{ago}')}\n{rich(text)}"
    )


def _listing(title: str, lines: Sequence[str], empty: str) -> list[Block]:
    blocks: list[Block] = [{"type": "header", "text": plain(title)}]
    if not lines:
        return [*blocks, context(empty)]
    blocks.extend(section(line) for line in lines[:HOME_LIST_LIMIT])
    if len(lines) > HOME_LIST_LIMIT:
        blocks.append(context(f"…and {len(lines) - HOME_LIST_LIMIT} more."))
    return blocks


def _checkin(sprint: Sprint, entered: bool) -> list[Block]:
    dates = sprint_dates(sprint)
    if entered:
        text = f":white_check_mark: Your check-in for sprint {sprint.number} ({dates}) is in."
        label = "Change it"
    else:
        text = f":clipboard: Your check-in for sprint {sprint.number} ({dates}) is not in yet."
        label = "Fill it in"
    open_form = button(
        label, CheckinAction.OPEN, str(sprint.number), None if entered else "primary"
    )
    return [section(text), {"type": "actions", "elements": [open_form]}]


def build_home_view(
    *,
    escalations: Sequence[Snapshot],
    blockers: Sequence[tuple[BlockerCard, str]],
    week: dict[str, Any],
    scorecard: Scorecard | None = None,
    checkin: tuple[Sprint, bool] | None = None,
    settings: HomePart | None = None,
) -> dict[str, Any]:
    """The Home tab: the scorecard (as the viewer may see it), a lead's latest check-in, the
    viewer's open escalations and blockers, the last 7 days, then, for an admin of the
    workspace, its own settings."""
    escalation_figures = week["escalations"]
    blocker_figures = week["blockers"]
    glance = (
        f"*Escalations:* {escalation_figures['opened']} opened · "
        f"{escalation_figures['open_now']} open now · "
        f"acknowledged in {seconds_text(escalation_figures['mtta_seconds'])} on average\n"
        f"*Blockers:* {blocker_figures['opened']} raised · {blocker_figures['overdue']} overdue · "
        f"{percent(blocker_figures['resolution_rate'])} resolved within SLA"
    )
    top: list[Block] = []
    if scorecard is not None:
        top += [{"type": "header", "text": plain("Transfer readiness")}]
        top += [*build_scorecard_blocks(scorecard), {"type": "divider"}]
    if checkin is not None:
        top += [*_checkin(*checkin), {"type": "divider"}]
    blocks: list[Block] = [
        *top,
        *_listing(
            "Your open escalations",
            [_escalation_line(esc) for esc in escalations],
            "Nothing open that you own, hold or raised.",
        ),
        {"type": "divider"},
        *_listing(
            "Your open blockers",
            [_blocker_line(card, label) for card, label in blockers],
            "Nothing open that you raised or that waits on you.",
        ),
        {"type": "divider"},
        {"type": "header", "text": plain("The last 7 days")},
        section(glance),
        {"type": "divider"},
    ]
    if settings is not None:
        blocks += [*build_home_part(settings), {"type": "divider"}]
    blocks.append(context(HELP))
    return {"type": "home", "blocks": blocks}
