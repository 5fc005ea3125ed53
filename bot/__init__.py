"""Baton: the Slack app Build-Operate-Transfer teams run on."""
