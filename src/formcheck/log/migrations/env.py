"""Alembic environment: migrate the connection handed over by formcheck.log.db."""

from __future__ import annotations

from alembic import context

from formcheck.log.models import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None:
    # Only programmatic use is supported: the URL handling (psycopg mapping, SQLite pragmas)
    # lives in formcheck.log.db and must not be duplicated here.
    raise RuntimeError("run migrations through formcheck.log.db.migrate(), not the alembic CLI")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    # SQLite cannot ALTER most things in place; batch mode rebuilds tables instead.
    render_as_batch=connection.dialect.name == "sqlite",
    transaction_per_migration=False,
)
with context.begin_transaction():
    context.run_migrations()
