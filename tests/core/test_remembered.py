"""What a process remembers: trusted for its seconds from the moment it was read, then read
again."""

from __future__ import annotations

from bot.core.remembered import Remembered


def test_a_value_is_trusted_from_its_reading_until_its_seconds_have_passed() -> None:
    moments = [100.0]
    remembered: Remembered[str, str] = Remembered(5.0, clock=lambda: moments[0])
    assert remembered.get("T1") is None  # never read
    read_at = remembered.now()
    moments[0] = 101.5  # the reading took 1.5 s: its 5 s count from 100
    remembered.put("T1", "xoxb-1", read_at=read_at)
    moments[0] = 104.999
    assert remembered.get("T1") == "xoxb-1"
    moments[0] = 105.0
    assert remembered.get("T1") is None


def test_forget_and_clear_drop_what_was_read() -> None:
    remembered: Remembered[str, int] = Remembered(60.0, clock=lambda: 0.0)
    remembered.put("a", 1, read_at=0.0)
    remembered.put("b", 2, read_at=0.0)
    remembered.forget("a")
    assert (remembered.get("a"), remembered.get("b")) == (None, 2)
    remembered.clear()
    assert remembered.get("b") is None
