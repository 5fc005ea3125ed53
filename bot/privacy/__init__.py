"""Forgetting a person: `baton forget-user` and `/kpi forget-me`."""
