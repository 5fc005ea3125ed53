"""Sign request bodies exactly as Slack does (v0, HMAC-SHA256 over version, timestamp and body),
and the form of a slash command as Slack posts it."""

from __future__ import annotations

import hashlib
import hmac
import time
from urllib.parse import urlencode

TEAM_ID = "T0BATON"
APP_ID = "A0BATON"


def signature(secret: str, timestamp: int, body: str) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(secret: str, body: str, timestamp: int | None = None) -> dict[str, str]:
    """The two headers Slack adds to every request it sends an app."""
    ts = int(time.time()) if timestamp is None else timestamp
    return {
        "X-Slack-Request-Timestamp": str(ts),
        "X-Slack-Signature": signature(secret, ts, body),
    }


def slash_command_form(
    command: str,
    text: str,
    *,
    user: str,
    channel: str,
    response_url: str,
    trigger_id: str,
    team_id: str = TEAM_ID,
) -> str:
    """The urlencoded body Slack posts for `command text`, typed by `user` in `channel`."""
    return urlencode(
        {
            "token": "legacy-verification-token",
            "team_id": team_id,
            "team_domain": "acme",
            "channel_id": channel,
            "channel_name": "general",
            "user_id": user,
            "user_name": user.lower(),
            "command": command,
            "text": text,
            "api_app_id": APP_ID,
            "response_url": response_url,
            "trigger_id": trigger_id,
        }
    )
