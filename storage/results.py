"""What a statement's result says about the rows it touched."""

from __future__ import annotations


def rows_changed(result: object) -> int:
    """How many rows an UPDATE or DELETE changed.

    Session.execute is typed as returning a Result, which has no rowcount; the CursorResult
    it returns for these statements has one on every driver Baton supports.
    """
    return int(getattr(result, "rowcount", 0) or 0)
