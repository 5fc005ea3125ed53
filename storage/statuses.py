"""The values a status column may hold, one enum per table; the tables check them too."""

from __future__ import annotations

from enum import StrEnum


class EscalationStatus(StrEnum):
    """escalations.status: open → acknowledged → resolved."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class BlockerStatus(StrEnum):
    """blockers.status: open → resolved."""

    OPEN = "open"
    RESOLVED = "resolved"


class WaitTarget(StrEnum):
    """blocker_waits.kind: what a blocker waits on."""

    USER = "user"
    CHANNEL = "channel"


class InvitationStatus(StrEnum):
    """nps_invitations.status: pending → sending → sent → answered; or excluded (not a
    person), or undeliverable (Slack refused the DM twice, or the round closed first)."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    ANSWERED = "answered"
    EXCLUDED = "excluded"
    UNDELIVERABLE = "undeliverable"


class GroupMentionState(StrEnum):
    """message_group_mentions.state: what became of a user group a message mentions."""

    EXPANDED = "expanded"  # its members (as when the message was posted) are waited for
    PENDING = "pending"  # its members are not read yet: the clock reads them
    UNREADABLE = "unreadable"  # Slack would not say (missing scope, deleted group)


class PostKind(StrEnum):
    """digests.kind and scorecard_snapshots.kind: what a periodic post is."""

    DIGEST = "digest"  # the weekly digest
    REVIEW = "review"  # the monthly review of the scorecard


def one_of(column: str, values: type[StrEnum]) -> str:
    """The CHECK constraint's condition: `column` holds one of the enum's values."""
    listed = ", ".join(f"'{member.value}'" for member in values)
    return f"{column} IN ({listed})"
