"""A clean database per test, on SQLite and (when SIGAP_TEST_POSTGRES_URL is set) PostgreSQL.

The schema is built once per backend and worker with the real Alembic migrations; each test
then gets a copy (SQLite) or truncated tables (PostgreSQL).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

import sigap.models  # noqa: F401
from sigap.config import Settings
from sigap.db import migrate
from sigap.db.base import Base
from sigap.db.session import make_engine, make_sessionmaker, normalise_url

IN_CI = os.environ.get("CI", "").lower() == "true"
PG_URL = os.environ.get("SIGAP_TEST_POSTGRES_URL")

BACKENDS = ["sqlite"]
if PG_URL or IN_CI:
    BACKENDS.append("postgresql")


def pytest_report_header() -> str:
    return f"sigap database backends: {', '.join(BACKENDS)}"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    if not PG_URL:
        pytest.fail("PostgreSQL tests need SIGAP_TEST_POSTGRES_URL (CI=true requires them)")
    admin_url = normalise_url(PG_URL)
    name = f"sigap_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # the real part is missing: fail loudly, never skip
        pytest.fail(f"PostgreSQL at {PG_URL} is not usable: {exc}")
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    migrate.upgrade(url)
    yield url
    with admin.connect() as conn:
        conn.execute(text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"
        ), {"n": name})
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        target = tmp_path / "sigap.db"
        shutil.copyfile(template, target)
        return f"sqlite:///{target}"
    url: str = request.getfixturevalue("postgres_database")
    engine = create_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    # The test's own session reads while the app writes: deferred BEGIN, so a read in the
    # test never holds SQLite's write lock against the app.
    eng = make_engine(db_url, lock_at_begin=False)
    yield eng
    eng.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return make_sessionmaker(engine)


@pytest.fixture
def session(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """A session for arranging and checking data; tests commit when they need to."""
    s = sessions()
    yield s
    s.rollback()
    s.close()


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(database_url=db_url, secret_key="test-secret-key-not-for-production")


@pytest.fixture
def app(settings: Settings):  # type: ignore[no-untyped-def]
    from sigap.app import create_app

    application = create_app(settings)
    yield application
    application.state.engine.dispose()


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    with TestClient(app) as c:
        yield c
