"""Escalations: `/escalate`, acknowledgement and resolution, reminders and levels."""
