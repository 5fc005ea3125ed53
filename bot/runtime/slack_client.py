"""The one way Baton reaches the Slack Web API (SLACK_API_URL, with retries); its errors read.

slack_sdk takes a twentieth of a second to import; commands that never call Slack (`baton kpi`,
`baton export`) do not pay it: it is loaded when a client is first made or an error first read.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

from bot.config.settings import Settings
from bot.core.lazy import lazy_module

if TYPE_CHECKING:
    from slack_sdk import WebClient, web
    from slack_sdk import errors as slack_errors
    from slack_sdk.http_retry import RetryHandler
    from slack_sdk.http_retry import builtin_handlers as retries
else:
    slack_errors = lazy_module("slack_sdk.errors")
    retries = lazy_module("slack_sdk.http_retry.builtin_handlers")
    web = lazy_module("slack_sdk.web")

# The Slack SDK's error classes, for `except slack_errors.SlackApiError`.
__all__ = [
    "error_code",
    "is_permanent",
    "is_rate_limited",
    "is_transient",
    "log_failure",
    "lookup_client",
    "make_client",
    "may_have_reached_slack",
    "retry_after",
    "retry_handlers",
    "slack_errors",
]


def retry_handlers(*, unsure: bool = True) -> list[RetryHandler]:
    """429s (after Retry-After) are tried again, and with `unsure` dropped connections and 5xx
    too (after which Slack may or may not have done the call); API errors are not."""
    handlers: list[RetryHandler] = [retries.RateLimitErrorRetryHandler(max_retry_count=3)]
    if unsure:
        handlers.append(retries.ConnectionErrorRetryHandler(max_retry_count=2))
        handlers.append(retries.ServerErrorRetryHandler(max_retry_count=2))
    return handlers


# What Slack's error codes look like: `channel_not_found`, `ratelimited`.
_CODE = re.compile(r"[a-z0-9_.]{1,64}")

# Error codes Slack answers with HTTP 200 that still mean "try again later".
_PASSING_CODES = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)


def make_client(
    settings: Settings,
    token: str | None = None,
    *,
    timeout: int = 10,
    retry: bool = True,
    retry_unsure: bool = True,
) -> WebClient:
    """A WebClient on SLACK_API_URL with `token` (else SLACK_BOT_TOKEN), retrying dropped
    connections, 429s (after Retry-After), 5xx.

    Without `retry`, one try: for a call made before Slack gets its answer, which a retry's
    wait (a 429's Retry-After alone may be seconds) would push past Slack's 3 seconds. Without
    `retry_unsure`, only 429s are retried: for posts, whose caller looks before posting again.
    """
    client: WebClient = web.WebClient(
        token=token or settings.slack_bot_token or None,
        base_url=settings.slack_api_url,
        timeout=timeout,
        # An empty list, not None: None would give slack_sdk's own default retries.
        retry_handlers=retry_handlers(unsure=retry_unsure) if retry else [],
    )
    return client


def lookup_client(settings: Settings, token: str | None, timeout: int) -> WebClient:
    """A client for a lookup made while Slack waits for its answer (a message event's 3 s):
    one short try, and one more only after a dropped connection; never sleeping on a 429."""
    client = make_client(settings, token, timeout=timeout, retry=False)
    client.retry_handlers = [retries.ConnectionErrorRetryHandler(max_retry_count=1)]
    return client


def error_code(error: Exception) -> str:
    """Slack's error code (`channel_not_found`, …), or what went wrong on the way to Slack."""
    if isinstance(error, slack_errors.SlackApiError):
        try:
            code = error.response.get("error")
        except Exception:  # a body that is not JSON, such as a proxy's error page
            code = None
        # The SDK puts a body it cannot read (a proxy's error page) in `error`, as prose.
        if not isinstance(code, str) or not _CODE.fullmatch(code):
            return f"HTTP {error.response.status_code}"
        return code
    return type(error).__name__


def is_rate_limited(error: Exception) -> bool:
    """Slack asked Baton to slow down (HTTP 429)."""
    return isinstance(error, slack_errors.SlackApiError) and (
        error.response.status_code == 429 or error_code(error) == "ratelimited"
    )


def may_have_reached_slack(error: Exception) -> bool:
    """A dropped connection, a time-out or a 5xx: Slack may have done the call before it failed.
    A 429 or an API error says it did not."""
    if not isinstance(error, slack_errors.SlackApiError):
        return True
    return int(error.response.status_code) >= 500


def is_transient(error: Exception) -> bool:
    """The call may work if tried again later: a dropped connection, a 429, a 5xx, Slack unwell."""
    if not isinstance(error, slack_errors.SlackApiError):
        return True
    status = error.response.status_code
    return status == 429 or status >= 500 or error_code(error) in _PASSING_CODES


def is_permanent(error: Exception) -> bool:
    """Slack refused the call itself (`channel_not_found`, …): trying it again will not help."""
    return not is_transient(error)


def slack_was_unwell(error: Exception) -> bool:
    """A 429, a 5xx, a passing API error or a dropped connection: nothing is wrong with Baton,
    and the same call may work later. Unlike is_transient, any other error (a bug) is not."""
    return isinstance(error, slack_errors.SlackApiError | OSError) and is_transient(error)


def log_failure(logger: logging.Logger, error: Exception, message: str, *args: object) -> None:
    """A job's failure that the next tick tries again: one line with Slack's error code when
    Slack was unwell, the traceback otherwise (that is a bug to read)."""
    if slack_was_unwell(error):
        logger.warning(message + " (%s)", *args, error_code(error))
    else:
        # The error's own traceback, so that a failure logged after its `except` keeps it.
        logger.error(message, *args, exc_info=error)


def retry_after(error: slack_errors.SlackApiError, default: float = 1.0) -> float:
    """The seconds a 429 asks Baton to wait (its Retry-After header)."""
    headers = error.response.headers or {}
    try:
        return float(headers.get("Retry-After") or headers.get("retry-after") or default)
    except (TypeError, ValueError):
        return default
