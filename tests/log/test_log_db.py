"""Opening the log database: URL handling, SQLite settings, and Alembic migrations."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from formcheck.errors import DatabaseUnavailableError, DatabaseUrlError
from formcheck.log import db as dbmod
from formcheck.log.db import current_revision, migrate, open_database, resolve_url
from formcheck.log.models import Base

TABLES = {
    "lifters",
    "exercises",
    "sessions",
    "sets",
    "pain_reports",
    "video_analyses",
    "video_faults",
    "triage_results",
    "web_jobs",
}


def _tables(engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def test_migrations_up_from_empty_down_and_up_again(db_url: str) -> None:
    database = open_database(db_url, upgrade=False)
    engine = database.engine
    assert _tables(engine) == set()
    assert current_revision(engine) is None
    migrate(engine, "0001_training_core")
    assert current_revision(engine) == "0001_training_core"
    assert _tables(engine) == {"lifters", "exercises", "sessions", "sets"}
    migrate(engine)
    assert current_revision(engine) == dbmod.HEAD
    assert _tables(engine) == TABLES
    migrate(engine, "0001_training_core")
    assert _tables(engine) == {"lifters", "exercises", "sessions", "sets"}
    migrate(engine, "base")
    assert _tables(engine) == set()
    assert current_revision(engine) is None
    migrate(engine, "head")
    assert _tables(engine) == TABLES
    database.close()


def test_models_match_the_migrated_schema(db: dbmod.LogDatabase) -> None:
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def test_reopening_keeps_data_and_revision(db_url: str) -> None:
    first = open_database(db_url)
    with first.transaction() as s:
        s.execute(
            text("INSERT INTO exercises (key, name, lift) VALUES ('squat', 'Squat', 'squat')")
        )
    first.close()
    second = open_database(db_url)
    with second.transaction() as s:
        assert s.execute(text("SELECT count(*) FROM exercises")).scalar() == 1
    assert current_revision(second.engine) == dbmod.HEAD
    second.close()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(sqlite_db: dbmod.LogDatabase) -> None:
    with sqlite_db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_plain_postgresql_url_maps_to_psycopg3() -> None:
    assert resolve_url("postgresql://u:pw@db.example:5432/log") == (
        "postgresql+psycopg://u:pw@db.example:5432/log"
    )
    assert resolve_url("postgres://u@h/log").startswith("postgresql+psycopg://")
    assert resolve_url("postgresql+psycopg://u@h/log") == "postgresql+psycopg://u@h/log"


def test_url_comes_from_flag_then_env_then_user_data_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("FORMCHECK_DB", f"sqlite:///{tmp_path / 'env.db'}")
    assert resolve_url(f"sqlite:///{tmp_path / 'flag.db'}").endswith("flag.db")
    assert resolve_url(None).endswith("env.db")
    assert resolve_url(str(tmp_path / "plain.db")) == f"sqlite:///{tmp_path / 'plain.db'}"
    monkeypatch.delenv("FORMCHECK_DB")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert resolve_url(None) == f"sqlite:///{tmp_path / 'xdg' / 'formcheck' / 'log.db'}"


def test_default_database_is_created_in_the_data_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("FORMCHECK_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    database = open_database()
    database.close()
    assert (tmp_path / "xdg" / "formcheck" / "log.db").is_file()


def test_bad_url_is_a_named_error() -> None:
    with pytest.raises(DatabaseUrlError, match="expected a SQLAlchemy URL"):
        resolve_url("postgresql://user@host:notaport/db")
    with pytest.raises(DatabaseUrlError, match="expected sqlite:/// or postgresql://"):
        open_database("nosuchdriver://x/y")


def test_unreachable_server_is_a_named_error() -> None:
    # Port 9 (discard) on localhost has no PostgreSQL server; the message names the URL.
    with pytest.raises(DatabaseUnavailableError, match="expected a reachable database at"):
        open_database("postgresql://nobody@127.0.0.1:9/none?connect_timeout=2")


def test_migration_scripts_ship_inside_the_package() -> None:
    root = resources.files("formcheck.log").joinpath("migrations")
    names = {p.name for p in root.iterdir()}
    assert {"env.py", "script.py.mako", "versions"} <= names
    versions = {p.name for p in root.joinpath("versions").iterdir()}
    assert {"__init__.py", "0001_training_core.py", "0002_pain_video_triage.py"} <= versions


def test_a_failed_action_rolls_back(sqlite_db: dbmod.LogDatabase) -> None:
    with pytest.raises(RuntimeError, match="boom"), sqlite_db.transaction() as s:
        s.execute(text("INSERT INTO exercises (key, name, lift) VALUES ('a', 'A', 'other')"))
        raise RuntimeError("boom")
    engine = create_engine(sqlite_db.url)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM exercises")).scalar() == 0
    engine.dispose()


def test_head_constant_matches_the_scripts(sqlite_db: dbmod.LogDatabase) -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    cfg = Config()
    cfg.set_main_option("script_location", dbmod.MIGRATIONS)
    assert ScriptDirectory.from_config(cfg).get_current_head() == dbmod.HEAD
    assert current_revision(sqlite_db.engine) == dbmod.HEAD


def test_a_newer_schema_is_a_named_error(db_url: str) -> None:
    database = open_database(db_url)
    with database.transaction() as s:
        s.execute(text("UPDATE alembic_version SET version_num = '0099_from_the_future'"))
    database.close()
    with pytest.raises(DatabaseUnavailableError, match=r"'0099_from_the_future'.*newer formcheck"):
        open_database(db_url)


def test_upgrading_from_the_first_revision_keeps_training_data(db_url: str) -> None:
    database = open_database(db_url, upgrade=False)
    migrate(database.engine, "0001_training_core")
    with database.engine.begin() as conn:
        conn.execute(
            text("INSERT INTO exercises (key, name, lift) VALUES ('squat', 'Squat', 'squat')")
        )
    migrate(database.engine)
    with database.engine.connect() as conn:
        assert conn.execute(text("SELECT name FROM exercises")).scalar() == "Squat"
        assert conn.execute(text("SELECT count(*) FROM pain_reports")).scalar() == 0
    database.close()
