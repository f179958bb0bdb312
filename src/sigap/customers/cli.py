"""`sigap import customers FILE`: bulk customer import with a progress bar."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from sigap.auth import audit
from sigap.auth.actor import SYSTEM
from sigap.config import get_settings
from sigap.customers.importer import ImportFileError, import_customers
from sigap.db.session import make_engine, make_sessionmaker, transaction

app = typer.Typer(help="Impor data dari CSV atau XLSX.", no_args_is_help=True)


@app.callback()
def main() -> None:
    """Impor data dari CSV atau XLSX."""


@app.command("customers")
def customers(file: Path = typer.Argument(..., help="Berkas .csv atau .xlsx")) -> None:
    """Impor pelanggan (upsert berdasarkan external_id; aman diulang)."""
    console = Console()
    err = Console(stderr=True)
    try:
        data = file.read_bytes()
    except OSError as exc:
        err.print(f"[red]Berkas tidak dapat dibaca:[/red] {exc}")
        raise typer.Exit(2) from exc
    get_settings.cache_clear()
    engine = make_engine(get_settings().database_url)
    try:
        with Progress(TextColumn("[bold]Impor pelanggan"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=console, transient=True) as bar:
            task = bar.add_task("impor", total=None)

            def advance(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            with transaction(make_sessionmaker(engine)) as session:
                audit.bind_actor(session, SYSTEM)
                report = import_customers(session, file.name, data, progress=advance)
    except ImportFileError as exc:
        err.print(f"[red]{file}:[/red] {exc.message}")
        raise typer.Exit(2) from exc
    finally:
        engine.dispose()
    console.print(f"Baris dibaca: {report.rows_read} · baru: {report.created} · diperbarui: "
                  f"{report.updated} · tidak berubah: {report.unchanged} · bermasalah: "
                  f"{len(report.errors)}")
    for error in report.errors:
        console.print(str(error), markup=False, highlight=False)
