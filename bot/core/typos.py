"""Telling a mistyped subcommand (`/escalate lsit`) from a one-word title."""

from __future__ import annotations

from collections.abc import Iterable

# Shorter words are too often one slip from anything.
_SHORTEST = 3


def one_slip_from(word: str, choices: Iterable[str]) -> str | None:
    """The choice `word` is one slip away from: a letter wrong, missing or added, or two
    neighbours swapped. None when it is none of them, or is one of them exactly."""
    word = word.lower()
    if len(word) < _SHORTEST:
        return None
    for choice in choices:
        if len(choice) >= _SHORTEST and word != choice and _one_slip(word, choice):
            return choice
    return None


def _one_slip(a: str, b: str) -> bool:
    if len(a) == len(b):
        differ = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(differ) == 1:
            return True
        if len(differ) != 2 or differ[1] != differ[0] + 1:
            return False
        i, j = differ
        return a[i] == b[j] and a[j] == b[i]
    if abs(len(a) - len(b)) != 1:
        return False
    longer, shorter = (a, b) if len(a) > len(b) else (b, a)
    return any(longer[:i] + longer[i + 1 :] == shorter for i in range(len(longer)))


def mistyped(command: str, word: str, meant: str, record: str) -> str:
    """What someone who typed `command word` is told, `word` being one slip from `meant`."""
    return (
        f"`{command} {word}` looks like a slip for `{command} {meant}`, so nothing was "
        f"recorded. To record {record} with a one-word title, open the form with `{command}` "
        "alone."
    )
