"""Alembic migrations of the training-log schema (run programmatically on open)."""
