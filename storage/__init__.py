"""Baton's storage: SQLAlchemy 2.0 models, the unit of work, queries and migrations.

Functions here take a session and never commit: the caller's unit of work does.
"""
