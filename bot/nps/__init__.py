"""Internal NPS: survey rounds by DM, anonymous answers, reminders, the numbers."""
