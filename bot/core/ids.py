"""Action, callback and block ids, shared by the message builders and the listeners."""

from __future__ import annotations

from enum import StrEnum


class EscalationAction(StrEnum):
    ACKNOWLEDGE = "escalation_acknowledge"
    RESOLVE = "escalation_resolve"


class EscalationView(StrEnum):
    CREATE = "escalation_create"
    RESOLVE = "escalation_resolve_note"


class EscalationBlock(StrEnum):
    TITLE = "escalation_title"
    SEVERITY = "escalation_severity"
    OWNER = "escalation_owner"
    DESCRIPTION = "escalation_description"
    LINK = "escalation_link"
    NOTE = "escalation_note"
    ACTIONS = "escalation_actions"


class BlockerAction(StrEnum):
    RESOLVE = "blocker_resolve"


class BlockerView(StrEnum):
    CREATE = "blocker_create"
    RESOLVE = "blocker_resolve_note"


class BlockerBlock(StrEnum):
    TEXT = "blocker_text"
    WAITS_ON_USERS = "blocker_waits_on_users"
    WAITS_ON_CHANNELS = "blocker_waits_on_channels"
    NOTE = "blocker_note"
    ACTIONS = "blocker_actions"


class NpsAction(StrEnum):
    # The eleven buttons are nps_score_0 … nps_score_10: ids must differ within a block.
    SCORE = "nps_score"


class NpsView(StrEnum):
    COMMENT = "nps_comment"


class NpsBlock(StrEnum):
    QUESTION = "nps_question"
    SCORES = "nps_scores"
    COMMENT = "nps_comment"


class CheckinAction(StrEnum):
    OPEN = "checkin_open"


class CheckinView(StrEnum):
    # Its input blocks' ids are the check-in's field names.
    SUBMIT = "checkin_submit"


class SettingsAction(StrEnum):
    OPEN = "settings_open"


class SettingsView(StrEnum):
    # Its input blocks' ids are the names of the variables (bot.config.workspace).
    SUBMIT = "settings_submit"


# The value every input block in a Baton modal uses for its single element.
class PrivacyView(StrEnum):
    FORGET_ME = "privacy_forget_me"


INPUT = "value"


class OutboxKind(StrEnum):
    """Kinds of work promised in the outbox (bot/app.py says which function does each)."""

    ESCALATION_ANNOUNCE = "escalation.announce"
    ESCALATION_REFRESH = "escalation.refresh"
    BLOCKER_POST = "blocker.post"
    BLOCKER_UPDATE = "blocker.update"
    HOME_PUBLISH = "home.publish"
    KPI_REPLY = "kpi.reply"
    KPI_CHART = "kpi.chart"
    CHECKIN_DONE = "checkin.done"
    NPS_START = "nps.start"
    NPS_SEND = "nps.send"
