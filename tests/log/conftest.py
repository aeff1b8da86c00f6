"""Fixtures of the training-log tests: a real SQLite file and a real PostgreSQL server.

PostgreSQL comes from FORMCHECK_TEST_PG_URL. Each test run creates its own database (so
parallel runs never collide) and each test its own schema inside it; both are dropped at
the end. Without the variable the PostgreSQL cases skip, unless FORMCHECK_REQUIRE_SERVICES=1,
in which case they fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import URL, make_url

from formcheck.log.db import LogDatabase, open_database

FIXTURES = Path(__file__).parent / "fixtures"
PG_ENV = "FORMCHECK_TEST_PG_URL"


@pytest.fixture(scope="session")
def pg_server_url() -> Iterator[URL]:
    raw = os.environ.get(PG_ENV)
    if not raw:
        if os.environ.get("FORMCHECK_REQUIRE_SERVICES") == "1":
            pytest.fail(f"{PG_ENV} is not set but FORMCHECK_REQUIRE_SERVICES=1")
        pytest.skip(f"{PG_ENV} not set: no PostgreSQL server to test against")
    url = make_url(raw)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    name = f"formcheck_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # the server is configured but unusable: say so plainly
        admin.dispose()
        pytest.fail(f"{PG_ENV}={url.render_as_string()} is set but unusable: {exc}")
    yield url.set(database=name)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _pg_schema_url(server: URL) -> str:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    # search_path makes every table, and alembic_version, live in this test's schema.
    return server.set(query={"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False
    )


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'log.db'}"
    return _pg_schema_url(request.getfixturevalue("pg_server_url"))


@pytest.fixture
def db(db_url: str) -> Iterator[LogDatabase]:
    database = open_database(db_url)
    yield database
    database.close()


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[LogDatabase]:
    database = open_database(f"sqlite:///{tmp_path / 'log.db'}")
    yield database
    database.close()
