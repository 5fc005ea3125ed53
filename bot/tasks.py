"""Which function does each kind of outbox work."""

from __future__ import annotations

from bot.ids import OutboxKind
from bot.outbox import Task


def registry() -> dict[str, Task]:
    """Every outbox task, by kind."""
    from bot import blocker_flows, escalation_flows, home
    from bot.kpi import deferred

    return {
        OutboxKind.ESCALATION_ANNOUNCE: escalation_flows.announce_task,
        OutboxKind.ESCALATION_REFRESH: escalation_flows.refresh_task,
        OutboxKind.BLOCKER_POST: blocker_flows.post_task,
        OutboxKind.BLOCKER_UPDATE: blocker_flows.update_task,
        OutboxKind.HOME_PUBLISH: home.publish_task,
        OutboxKind.KPI_REPLY: deferred.reply_task,
        OutboxKind.KPI_CHART: deferred.chart_task,
    }
