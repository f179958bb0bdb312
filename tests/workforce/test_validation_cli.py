"""The roster checked by simulation before it is published, and the database commands
`sigap wfm forecast`, `sigap wfm roster --month` and `sigap wfm simulate --date`."""

from __future__ import annotations

import csv
import datetime as dt
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from sigap.cli import app
from sigap.config import get_settings
from sigap.workforce import erlang, service, validation
from tests.workforce.helpers import published_shift, voice_history, world

runner = CliRunner()


@pytest.fixture(autouse=True)
def _fresh_settings() -> Iterator[None]:
    yield
    get_settings.cache_clear()


def test_simulated_day_follows_the_forecast_and_the_roster(session: Session) -> None:
    w = world(session, agents=3)
    voice_history(session, dt.date(2026, 11, 3), 28)
    service.make_forecast(session, w.plan, dt.date(2026, 12, 1), 31, history_days=28)
    session.commit()
    day = dt.date(2026, 12, 7)  # a Monday: 46 calls 08:00–16:00 WIB
    # Three agents 08:00–12:00 WIB (01:00–05:00 UTC), nobody in the afternoon.
    for person in w.agents:
        published_shift(session, w, person, dt.datetime(2026, 12, 7, 1, tzinfo=dt.UTC),
                        hours=4, break_at=None)
    found = validation.predict(session, w.site.id, day, seed=3)[w.plan.id]
    assert abs(found.offered.sum() - 46) <= 4 * np.sqrt(46)
    morning, afternoon = slice(8, 12), slice(13, 16)
    # 6–8 calls an hour of 6 minutes on three agents: Erlang C answers about 95 % within
    # 20 s; over twenty simulated days the simulation agrees.
    offered = in_target = 0.0
    for seed in range(20):
        run = validation.predict(session, w.site.id, day, seed=seed)[w.plan.id]
        offered += run.offered[morning].sum()
        in_target += np.nansum(run.service_level[morning] * run.offered[morning])
    erlang_level = erlang.performance(3, 8, 60, 360, 20).service_level
    assert in_target / offered == pytest.approx(float(erlang_level), abs=0.05)
    # Nobody rostered: nothing is answered within the target.
    busy = found.offered[afternoon] > 0
    assert busy.any() and (found.service_level[afternoon][busy] == 0).all()
    assert (found.abandon_rate[afternoon][busy] == 0).all()  # Erlang C: nobody hangs up
    again = validation.predict(session, w.site.id, day, seed=3)[w.plan.id]
    assert np.array_equal(again.offered, found.offered)  # same seed, same day


def test_database_commands(db_url: str, session: Session, tmp_path: Path) -> None:
    w = world(session, agents=4)
    voice_history(session, dt.date(2026, 11, 3), 28)  # up to the eve of the forecast
    env = {"SIGAP_DATABASE_URL": db_url}
    out = tmp_path / "ramalan.csv"
    result = runner.invoke(app, ["wfm", "forecast", "--start", "2026-12-01", "--days", "31",
                                 "--history-days", "28", "--output", str(out)], env=env)
    assert result.exit_code == 0, result.output
    assert "Voice 147" in result.output
    with out.open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 31 * 24 and rows[0]["queue"] == "Voice 147"
    bad = runner.invoke(app, ["wfm", "forecast", "--queue", "Tidak Ada"], env=env)
    assert bad.exit_code == 2 and "tidak ditemukan" in bad.output
    grid = tmp_path / "roster.xlsx"
    result = runner.invoke(app, ["wfm", "roster", "--month", "2026-12", "--site", "SMG",
                                 "--time-limit", "10", "--output", str(grid)], env=env)
    assert result.exit_code == 0, result.output
    assert "Tier 1 Voice" in result.output and ("OPTIMAL" in result.output
                                                or "FEASIBLE" in result.output)
    sheet = load_workbook(grid)["Roster"]
    assert sheet.max_row > 20 and {c.value for c in sheet[1]} >= {"login_code", "shift"}
    month = runner.invoke(app, ["wfm", "roster", "--month", "12-2026"], env=env)
    assert month.exit_code == 2 and "YYYY-MM" in month.output
    sim = tmp_path / "simulasi.csv"
    result = runner.invoke(app, ["wfm", "simulate", "--date", "2026-12-07", "--site", "SMG",
                                 "--output", str(sim)], env=env)
    assert result.exit_code == 0, result.output
    with sim.open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 24 and {r["queue"] for r in rows} == {"Voice 147"}
    nine = rows[9]
    assert nine["interval_start"].startswith("07/12/2026 09:00")
    assert float(nine["erlang_agents"]) >= 1 and nine["simulated_service_level"] != ""
    missing = runner.invoke(app, ["wfm", "simulate", "--output", str(sim)], env=env)
    assert missing.exit_code == 2 and "--date" in missing.output
    del w


def test_the_worker_solves_a_queued_roster(db_url: str, tmp_path: Path, session: Session,
                                           sessions: sessionmaker[Session]) -> None:
    from sigap import jobs
    from sigap.config import Settings
    from sigap.workforce import scheduler, solver
    from sigap.workforce.models import Roster

    w = world(session, agents=3)
    settings = Settings(database_url=db_url, secret_key="test",
                        huey_path=str(tmp_path / f"huey-{uuid.uuid4().hex}.db"))
    huey = jobs.new_queue(settings, name=f"sigap-test-{uuid.uuid4().hex[:8]}")
    jobs.register(huey, settings)  # hands queued rosters to this queue
    worker = jobs.BackgroundWorker(huey, threads=1, shutdown_timeout=10)
    worker.start()
    try:
        roster = solver.queue(session, w.site.id, dt.date(2027, 2, 1),
                              scheduler.Rules(time_limit=3))
        session.commit()  # the job leaves only now
        deadline = time.monotonic() + 60
        status = "QUEUED"
        while status in ("QUEUED", "RUNNING") and time.monotonic() < deadline:
            time.sleep(0.2)
            with sessions() as s:
                status = s.get(Roster, roster.id).solver_status  # type: ignore[union-attr]
        assert status in ("OPTIMAL", "FEASIBLE")
    finally:
        worker.stop()
        huey.flush()
