"""Errors Baton knows how to explain to a user."""

from __future__ import annotations


class BatonError(Exception):
    """An error with a message fit to show the user as it is."""

    def __init__(self, user_message: str) -> None:
        super().__init__(user_message)
        self.user_message = user_message


class InvalidInput(BatonError):
    """What the user typed cannot be used; nothing was changed."""


class NotAllowed(BatonError):
    """The user may not do this; nothing was changed."""


class NotFound(BatonError):
    """The thing the user named does not exist."""


class ConfigError(Exception):
    """A setting is missing or malformed; the message names the variable and what it expects."""

    def __init__(self, variable: str, expected: str) -> None:
        super().__init__(f"{variable}: {expected}")
        self.variable = variable
        self.expected = expected
