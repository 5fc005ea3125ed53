"""Block Kit builders: pure functions from values to message and view dicts."""
