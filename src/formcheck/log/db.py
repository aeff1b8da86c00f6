"""Opening the training-log database: URL resolution, engine set-up and migrations.

The default is an SQLite file in the user's data directory (platformdirs); any SQLAlchemy
URL can be given with ``--db`` or ``FORMCHECK_DB``. Opening always brings the schema to the
newest Alembic revision, so the code never meets an older schema.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from formcheck.errors import DatabaseUnavailableError, DatabaseUrlError

ENV_VAR = "FORMCHECK_DB"
MIGRATIONS = "formcheck.log:migrations"
# The newest migration; a test checks it against the scripts. Knowing it lets an up-to-date
# database open without importing Alembic (a third of the CLI's start-up time).
HEAD = "0003_web_jobs"


def default_database_path() -> Path:
    """Return the default SQLite file: ``log.db`` in the user's formcheck data directory."""
    return platformdirs.user_data_path("formcheck", appauthor=False) / "log.db"


def resolve_url(db: str | None = None) -> str:
    """Return the SQLAlchemy URL to use, from ``db``, then ``FORMCHECK_DB``, then the default.

    Parameters
    ----------
    db
        A SQLAlchemy URL (``sqlite:///log.db``, ``postgresql://user@host/db``) or a plain
        file path, which is taken as an SQLite file.

    Raises
    ------
    DatabaseUrlError
        If the value cannot be parsed as a URL.
    """
    raw = db or os.environ.get(ENV_VAR) or ""
    if not raw:
        return f"sqlite:///{default_database_path()}"
    if "://" not in raw:
        return f"sqlite:///{Path(raw).expanduser()}"
    try:
        url = make_url(raw)
    except (ArgumentError, ValueError) as exc:
        raise DatabaseUrlError(
            f"--db / {ENV_VAR}: expected a SQLAlchemy URL such as sqlite:///path/log.db or "
            f"postgresql://user@host/db, received {raw!r}"
        ) from exc
    # Plain postgresql:// would pick psycopg2, which formcheck does not install.
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url.render_as_string(hide_password=False)


def _prepare_sqlite(engine: Engine, path: str | None) -> None:
    if path and path != ":memory:":
        Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Hand transaction control to SQLAlchemy (see "begin" below) so that DDL in
        # migrations and every user action are one real BEGIN ... COMMIT.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # NORMAL is safe against application crashes in WAL mode; only an OS crash or
        # power cut may lose the last committed transaction, never corrupt the file.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN")


def _alembic_config(connection: Any) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", MIGRATIONS)
    cfg.attributes["connection"] = connection
    return cfg


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade (or, with a lower ``revision``, downgrade) the schema; returns nothing.

    Parameters
    ----------
    engine
        The engine of the database to migrate.
    revision
        Target revision: ``"head"``, ``"base"`` or a named revision such as
        ``"0001_training_core"``.
    """
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from alembic.script.revision import RevisionError
    from alembic.util import CommandError

    with engine.begin() as connection:
        cfg = _alembic_config(connection)
        current = MigrationContext.configure(connection).get_current_revision()
        try:
            _step(cfg, command, ScriptDirectory.from_config(cfg), current, revision)
        except (CommandError, RevisionError) as exc:
            raise DatabaseUnavailableError(
                f"expected a log schema at or below revision {HEAD}, received revision "
                f"{current!r} (made by a newer formcheck?): {exc}"
            ) from exc


def _step(cfg: Any, command: Any, script: Any, current: str | None, revision: str) -> None:
    target = script.get_current_head() if revision == "head" else revision
    if target == "base":
        target = None
    if current == target:
        return
    ancestors = {r.revision for r in script.iterate_revisions(current, None)} if current else set()
    if target is not None and (current is None or target not in ancestors):
        command.upgrade(cfg, revision)
    else:
        command.downgrade(cfg, revision)


def current_revision(engine: Engine) -> str | None:
    """Return the schema revision recorded in the database, or None when it is empty."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _stored_revision(engine: Engine) -> str | None:
    """Return alembic_version's revision with one query, or None if there is no such table."""
    with engine.connect() as conn:
        if not engine.dialect.has_table(conn, "alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


@dataclass
class LogDatabase:
    """An open, migrated training-log database: its URL, engine and session factory."""

    url: str
    engine: Engine
    sessions: sessionmaker[Session]

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """Yield an ORM session inside one transaction: committed on success, else rolled back.

        Notes
        -----
        Every user action (an entry, an import, a stored analysis) runs in exactly one of
        these, so a crash part-way leaves the database as it was before the action.
        """
        with self.sessions.begin() as session:
            yield session

    def close(self) -> None:
        """Dispose of the engine's connections; returns nothing."""
        self.engine.dispose()


def open_database(db: str | None = None, *, upgrade: bool = True) -> LogDatabase:
    """Return the training-log database named by ``db`` (see :func:`resolve_url`), migrated.

    Raises
    ------
    DatabaseUrlError
        If the URL names a driver that is not installed.
    DatabaseUnavailableError
        If the server cannot be reached or the file cannot be opened.
    """
    url = resolve_url(db)
    try:
        engine = create_engine(url)
    except (ArgumentError, NoSuchModuleError) as exc:
        raise DatabaseUrlError(
            f"--db / {ENV_VAR}: expected sqlite:/// or postgresql:// URL, received "
            f"{make_url(url).render_as_string()!r} ({exc})"
        ) from exc
    if engine.dialect.name == "sqlite":
        _prepare_sqlite(engine, engine.url.database)
    try:
        if upgrade and _stored_revision(engine) != HEAD:
            migrate(engine)
        else:
            engine.connect().close()
    except OperationalError as exc:
        engine.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise DatabaseUnavailableError(
            f"expected a reachable database at {engine.url.render_as_string()}, "
            f"but opening it failed: {reason}"
        ) from exc
    return LogDatabase(
        url=url, engine=engine, sessions=sessionmaker(engine, expire_on_commit=False)
    )
