"""The wiring: the process's services, the Bolt app and its listeners, what the outbox and the
clock run, and the drainer beside the web workers.

This is the one module of `bot/` that knows every capability (and `handlers/`): the outbox and
the scheduler are handed their maps of work here, so that no capability imports another's jobs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from slack_bolt import App, BoltContext, BoltResponse
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped

import handlers
from bot.alerts.jobs import run_alerts
from bot.blockers.flows import post_task as blocker_post_task
from bot.blockers.flows import update_task as blocker_update_task
from bot.blockers.jobs import remind_overdue_blockers
from bot.checkins.flows import done_task as checkin_done_task
from bot.checkins.jobs import ask_leads
from bot.config.settings import Settings
from bot.core.ids import OutboxKind
from bot.digest.chart_dm import chart_task
from bot.digest.jobs import run_digests
from bot.digest.portfolio import post_portfolio
from bot.digest.review_flows import run_reviews
from bot.escalations.flows import announce_task, refresh_task
from bot.escalations.jobs import escalate_unacknowledged
from bot.home.flows import publish_task
from bot.kpi.deferred import reply_task
from bot.latency.jobs import refresh_groups, refresh_sides, refresh_statistics
from bot.nps.flows import start_task as nps_start_task
from bot.nps.jobs import nps_rounds, promise_sending
from bot.nps.sending import send_task as nps_send_task
from bot.privacy.retention import forget_old_timings
from bot.runtime.outbox import Drainer, Task, drain_in_child
from bot.runtime.scheduler import Job, forget_old_events
from bot.runtime.services import Services, build_services
from bot.runtime.slack_client import make_client
from storage.scope import act_for

# Which function does each kind of work promised in the outbox.
TASKS: Mapping[str, Task] = {
    OutboxKind.ESCALATION_ANNOUNCE: announce_task,
    OutboxKind.ESCALATION_REFRESH: refresh_task,
    OutboxKind.BLOCKER_POST: blocker_post_task,
    OutboxKind.BLOCKER_UPDATE: blocker_update_task,
    OutboxKind.HOME_PUBLISH: publish_task,
    OutboxKind.KPI_REPLY: reply_task,
    OutboxKind.KPI_CHART: chart_task,
    OutboxKind.CHECKIN_DONE: checkin_done_task,
    OutboxKind.NPS_START: nps_start_task,
    OutboxKind.NPS_SEND: nps_send_task,
}


def drain_outbox(services: Services, now: datetime) -> None:
    """The clock drains too, so promised Slack work gets done even if no web drainer runs."""
    Drainer(services, TASKS).drain(timeout=30)


# Each workspace's jobs, run in this order at every tick, acting for one workspace after
# another (each with its own settings and token); the deletion of old message timings, which
# may take its whole budget of a tick, last.
JOBS: Mapping[str, Job] = {
    "escalation_reminders": escalate_unacknowledged,
    "blocker_reminders": remind_overdue_blockers,
    "latency_sides": refresh_sides,
    "latency_groups": refresh_groups,
    "latency_statistics": refresh_statistics,
    "nps_rounds": nps_rounds,
    "nps_send": promise_sending,
    "checkin_prompts": ask_leads,
    "digest": run_digests,
    "review": run_reviews,
    "alerts": run_alerts,
    "retention": forget_old_timings,
}

# The deployment's own work, once a tick after every workspace's jobs. The outbox comes after
# the jobs that promise it work (survey DMs), so that the work starts in the same tick; each
# of its tasks acts for the workspace it was promised for.
UPKEEP: Mapping[str, Job] = {
    "forget_old_events": forget_old_events,
    "portfolio": post_portfolio,
    "outbox": drain_outbox,
}


def build_app(settings: Settings, services: Services | None = None) -> App:
    """A Bolt app with every Baton listener registered; nothing is sent to Slack here."""
    services = services or build_services(settings)
    # Bolt logs a refused request's whole body at INFO, message text included: keep it out.
    bolt_logger = logging.getLogger("baton.bolt")
    bolt_logger.setLevel(logging.WARNING)
    if not any(isinstance(known, _TokenNotice) for known in bolt_logger.filters):
        bolt_logger.addFilter(_TokenNotice())
    app = App(
        signing_secret=settings.slack_signing_secret,
        # Answer Slack when the listener returns: listeners ack() first and promise slow work
        # to the outbox, which is far faster than Bolt's 10 ms ack polling.
        process_before_response=True,
        token_verification_enabled=False,
        logger=bolt_logger,
        **(_many_workspaces(services) if settings.installs else {"client": services.client}),
    )
    app.use(_provide(services))
    handlers.register(app)
    return app


def _many_workspaces(services: Services) -> dict[str, Any]:
    """Bolt's arguments for serving every workspace Baton is installed in: Slack's install
    flow, and each request answered with its own workspace's token."""
    # Loaded only here: slack_sdk's stores bring SQLAlchemy's asyncio.
    from bot.runtime.install_flow import InstalledAuthorize, oauth_settings

    settings = services.defaults
    return {
        # Each request's client is this one holding the request's workspace's token.
        "client": make_client(settings),
        "authorize": InstalledAuthorize(services.installations),
        "oauth_settings": oauth_settings(
            settings.slack_client_id or "",
            settings.slack_client_secret or "",
            services.installations,
            services.db,
        ),
    }


class _TokenNotice(logging.Filter):
    """Bolt reads SLACK_BOT_TOKEN from the environment by itself, and warns that the client it
    is given wins over it; that client holds the same token, so the warning says nothing."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()


def _provide(services: Services) -> Callable[..., BoltResponse]:
    """Middleware that hands every listener the process's services, as `services`, and lets it
    see and change only the rows of the workspace the request comes from."""

    def provide(context: BoltContext, next_: Callable[[], BoltResponse]) -> BoltResponse:
        context["services"] = services
        act_for(context.team_id)
        return next_()

    return provide


def start_drainer(services: Services) -> int:
    """The outbox drainer, forked beside this process; its process id."""
    return drain_in_child(services, TASKS)
