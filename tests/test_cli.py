"""The `sigap` command: schema upgrade and the demo, through Typer's test runner."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from sigap.cli import app
from sigap.config import get_settings
from sigap.customers.models import Customer
from sigap.db import migrate
from sigap.org.models import Role, Staff
from sigap.tickets.models import Ticket

runner = CliRunner()
DEMO = ["demo", "--scale", "0.002", "--days", "1", "--today", "2026-11-18",
        "--password", "rahasia-demo"]


@pytest.fixture(autouse=True)
def _fresh_settings() -> Iterator[None]:
    yield
    get_settings.cache_clear()


def test_db_upgrade_on_a_new_sqlite_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new' / 'sigap.db'}"
    env = {"SIGAP_DATABASE_URL": url}
    before = runner.invoke(app, ["db", "current"], env=env)
    assert before.exit_code == 0, before.output
    assert "Belum ada skema" in before.output
    result = runner.invoke(app, ["db", "upgrade"], env=env)
    assert result.exit_code == 0, result.output
    head = ScriptDirectory.from_config(migrate.alembic_config(url)).get_current_head()
    assert head and head in result.output
    current = runner.invoke(app, ["db", "current"], env=env)
    assert current.output.strip() == head


def test_db_upgrade_is_idempotent(db_url: str) -> None:
    result = runner.invoke(app, ["db", "upgrade"], env={"SIGAP_DATABASE_URL": db_url})
    assert result.exit_code == 0, result.output


def test_demo_then_refuse_then_if_empty(db_url: str, sessions: sessionmaker[Session]) -> None:
    env = {"SIGAP_DATABASE_URL": db_url}
    result = runner.invoke(app, DEMO, env=env)
    assert result.exit_code == 0, result.output
    assert "Kata sandi semua akun demo" in result.output and "rahasia-demo" in result.output
    with sessions() as session:
        customers = session.scalar(select(func.count(Customer.id)))
        tickets = session.scalar(select(func.count(Ticket.id)))
        manager = session.scalar(select(Staff.login_code).where(Staff.role == Role.manager))
    assert customers == 640 and tickets and tickets > 0
    assert str(manager) in result.output

    again = runner.invoke(app, DEMO, env=env)
    assert again.exit_code == 1
    assert "tidak kosong" in again.output

    skipped = runner.invoke(app, [*DEMO, "--if-empty"], env=env)
    assert skipped.exit_code == 0, skipped.output
    assert "sudah berisi data" in skipped.output
    assert str(manager) in skipped.output
    for role in ("agent", "team_leader", "supervisor", "it"):
        assert role in skipped.output
    with sessions() as session:
        assert session.scalar(select(func.count(Customer.id))) == customers


def test_demo_rejects_a_bad_date(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'sigap.db'}"
    env = {"SIGAP_DATABASE_URL": url}
    assert runner.invoke(app, ["db", "upgrade"], env=env).exit_code == 0
    result = runner.invoke(app, ["demo", "--today", "18-11-2026"], env=env)
    assert result.exit_code == 2
    assert "YYYY-MM-DD" in result.output


def test_domain_commands_are_mounted() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("db", "serve", "worker", "demo", "user", "import"):
        assert command in result.output
