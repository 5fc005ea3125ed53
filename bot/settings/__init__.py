"""A workspace's own settings, changed by its admins in Slack: `/kpi settings` and the App Home."""
