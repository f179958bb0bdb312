"""`sigap kpi rollup [--full]` and the worker's job: the facts follow the event log."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from sigap.auth.models import AuditLog
from sigap.cli import app
from sigap.config import Settings, get_settings
from sigap.jobs import new_queue, register
from sigap.reports.models import KpiTicketFact
from tests.reports.test_rollup import make, update, wib
from tests.tickets.helpers import floor

runner = CliRunner()


@pytest.fixture
def cli_env(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("SIGAP_DATABASE_URL", db_url)
    yield db_url
    get_settings.cache_clear()


def _facts(session: Session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(KpiTicketFact)) or 0


def test_cli_rolls_up_and_the_worker_keeps_up(cli_env: str, session: Session,
                                              settings: Settings, tmp_path: object) -> None:
    world = floor(session)
    first = make(session, world, wib(11, 23, 9), [update(wib(11, 23, 9, 10))])
    session.commit()
    result = runner.invoke(app, ["kpi", "rollup", "--full"])
    assert result.exit_code == 0, result.output
    assert "1 tiket" in result.stdout
    assert _facts(session) == 1
    assert session.scalar(select(func.count()).select_from(AuditLog).where(
        AuditLog.action == "kpi_rollup.refresh")) == 1
    make(session, world, wib(11, 23, 10), [])
    session.commit()
    job = register(new_queue(settings.model_copy(update={
        "huey_path": str(tmp_path) + "/huey.db"})), settings)["kpi_rollup"]
    job.call_local()
    assert _facts(session) == 2
    row = session.get(KpiTicketFact, first.id)
    assert row is not None and row.responded is True
