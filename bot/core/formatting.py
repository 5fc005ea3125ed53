"""Numbers as people read them: counts, rates, scores and lengths of time."""

from __future__ import annotations

from enum import StrEnum

from bot.core.durations import seconds_text


class Unit(StrEnum):
    """What a figure measures, which decides how it is written and how it changes."""

    COUNT = "count"
    SECONDS = "seconds"
    RATE = "rate"  # from 0 to 1
    SCORE = "score"  # an NPS score, from −100 to 100


def percent(rate: float | None) -> str:
    """A rate from 0 to 1 as a whole percentage; – for no value."""
    return "–" if rate is None else f"{rate * 100:.0f}%"


def value_text(value: float | None, unit: Unit) -> str:
    """A figure as people read it: 7, 3 h 20 min, 85%, +42; – when missing."""
    if value is None:
        return "–"
    if unit == Unit.SECONDS:
        return seconds_text(value)
    if unit == Unit.RATE:
        return percent(value)
    if unit == Unit.SCORE:
        return f"{value:+.0f}"
    return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"
