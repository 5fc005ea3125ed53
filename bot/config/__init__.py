"""Settings: read from the environment at start, one part per capability."""
