"""Response latency: how long a message that waits for an answer waits, from live message events."""
