"""The one way Baton reaches the Slack Web API: SLACK_API_URL, with retries."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)

from bot.config import Settings

# Dropped connections, 429s (after Retry-After) and 5xx are tried again; API errors are not.
RETRY_HANDLERS = (
    ConnectionErrorRetryHandler(max_retry_count=2),
    RateLimitErrorRetryHandler(max_retry_count=3),
    ServerErrorRetryHandler(max_retry_count=2),
)


def make_client(settings: Settings, *, timeout: int = 10, retry: bool = True) -> WebClient:
    """A WebClient that retries dropped connections, 429s (after Retry-After) and 5xx.

    Without `retry`, one try: for a call made before Slack gets its answer, which a retry's
    wait (a 429's Retry-After alone may be seconds) would push past Slack's 3 seconds.
    """
    return WebClient(
        token=settings.slack_bot_token or None,
        base_url=settings.slack_api_url,
        timeout=timeout,
        # An empty list, not None: None would give slack_sdk's own default retries.
        retry_handlers=list(RETRY_HANDLERS) if retry else [],
    )


def error_code(error: Exception) -> str:
    """Slack's error code (`channel_not_found`, …), or what went wrong on the way to Slack."""
    if isinstance(error, SlackApiError):
        try:
            code = error.response.get("error")
        except Exception:  # a body that is not JSON, such as a proxy's error page
            code = None
        return str(code or f"HTTP {error.response.status_code}")
    return type(error).__name__


def is_permanent(error: Exception) -> bool:
    """Slack answered with an error code: trying the same call again will not help."""
    return isinstance(error, SlackApiError) and error.response.status_code == 200
