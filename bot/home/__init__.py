"""The App Home tab: what waits on the person looking, and the last 7 days."""
