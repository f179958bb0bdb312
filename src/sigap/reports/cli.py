"""`sigap kpi …`: rebuild the KPI rollups from the event log."""

from __future__ import annotations

import time
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from sigap.auth import audit
from sigap.auth.actor import SYSTEM
from sigap.config import get_settings
from sigap.db.session import make_engine, make_sessionmaker, transaction
from sigap.reports import rollup

app = typer.Typer(help="KPI: rollups of the ticket event log.", no_args_is_help=True)
console = Console()


@app.command("rollup")
def rollup_command(full: Annotated[bool, typer.Option(
        "--full", help="Recompute every ticket's facts (after an SLA policy change).")]
        = False) -> None:
    """Bring the KPI facts up to date with the ticket event log."""
    get_settings.cache_clear()
    engine = make_engine(get_settings().database_url)
    began = time.perf_counter()
    with Progress("[progress.description]{task.description}", BarColumn(),
                  MofNCompleteColumn(), TimeElapsedColumn(), console=console) as bar:
        task = bar.add_task("Tiket", total=None)
        with transaction(make_sessionmaker(engine)) as session:
            audit.bind_actor(session, SYSTEM)
            report = rollup.refresh(session, full=full,
                                    progress=lambda n: bar.advance(task, n),
                                    total=lambda n: bar.update(task, total=n))
    engine.dispose()
    console.print(f"Fakta KPI: {report.tickets} tiket, {report.calls} panggilan "
                  f"(event terakhir {report.last_event_id}) dalam "
                  f"{time.perf_counter() - began:.1f} s.")
