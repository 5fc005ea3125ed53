"""The clock's hourly alert job."""

from __future__ import annotations

import logging
from datetime import datetime
from functools import partial

from bot.alerts.evaluate import Context, enabled_rules
from bot.alerts.flows import NotPosted, apply_rule
from bot.runtime.scheduler import run_each_once
from bot.runtime.services import Services
from bot.runtime.slack_client import log_failure

log = logging.getLogger(__name__)

JOB = "alert"


def hour_of(now: datetime) -> str:
    return now.strftime("%Y-%m-%dT%H")


def run_alerts(services: Services, now: datetime) -> None:
    """Evaluate each enabled rule once this hour (claimed per rule and hour) and post changes."""
    settings = services.settings
    if not settings.alerts.channels:
        return
    ctx = Context(services, now)
    failed = run_each_once(
        services, JOB, hour_of(now), enabled_rules(services), partial(apply_rule, ctx)
    )
    for rule, error in failed.items():
        if isinstance(error, NotPosted):
            # Each post that failed was logged with Slack's answer; no traceback to add.
            log.warning("%s; the rule runs again next tick", error)
        else:
            log_failure(log, error, "alert rule %s failed; it runs again next tick", rule)
