"""Blockers: `/blocker`, who may resolve one, the reminder once it is past its SLA."""
