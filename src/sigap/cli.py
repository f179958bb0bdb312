"""The `sigap` command: database, web server, worker, demo operation, domain commands."""

from __future__ import annotations

import datetime as dt
import importlib.util
import subprocess
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.engine import make_url

from sigap.auth import cli as auth_cli
from sigap.channels.email import cli as email_cli
from sigap.config import Settings, get_settings
from sigap.customers import cli as customers_cli
from sigap.db.session import normalise_url
from sigap.reports import cli as reports_cli
from sigap.workforce import cli as workforce_cli

app = typer.Typer(help="Sigap: contact center platform.", no_args_is_help=True,
                  add_completion=False)
db_app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(auth_cli.app, name="user")
app.add_typer(customers_cli.app, name="import")
app.add_typer(email_cli.app, name="email")
app.add_typer(workforce_cli.app, name="wfm")
app.add_typer(reports_cli.app, name="kpi")

console = Console()


def _settings() -> Settings:
    # Commands read the environment afresh, so tests and scripts can switch databases.
    get_settings.cache_clear()
    return get_settings()


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Bring the database schema up to date."""
    from sigap.db import migrate

    settings = _settings()
    migrate.upgrade(settings.database_url, revision)
    heads = ", ".join(sorted(migrate.current_heads(settings.database_url))) or "-"
    console.print(f"Skema basis data mutakhir (revisi {heads}).")


@db_app.command("current")
def db_current() -> None:
    """Show the schema revision the database is at."""
    from sigap.db import migrate

    url = _settings().database_url
    parsed = make_url(normalise_url(url))
    database = parsed.database or ""
    missing = (parsed.get_backend_name() == "sqlite" and database not in ("", ":memory:")
               and not Path(database).exists())
    heads = set() if missing else migrate.current_heads(url)
    if heads:
        console.print(", ".join(sorted(heads)))
    else:
        console.print("Belum ada skema (jalankan `sigap db upgrade`).")


def _has(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Web server processes.")] = 1,
    no_worker: Annotated[bool, typer.Option("--no-worker",
                                            help="Do not run the task worker.")] = False,
) -> None:
    """Run the web app and API (and, unless --no-worker, the task worker)."""
    import uvicorn

    from sigap import jobs, supervisor

    settings = _settings()
    background: jobs.BackgroundWorker | None = None
    child: subprocess.Popen[bytes] | None = None
    if not no_worker:
        if workers == 1:
            background = jobs.BackgroundWorker(jobs.make_huey(settings), settings.worker_threads)
            background.start()
        else:
            # Several web processes: one consumer of its own, so periodic jobs run once.
            child = subprocess.Popen([sys.executable, "-m", "sigap.cli", "worker"])
    options: dict[str, Any] = {
        "app": "sigap.app:create_app",
        "factory": True,
        "host": host,
        "port": port,
        "loop": "uvloop" if _has("uvloop") else "asyncio",
        "http": "httptools" if _has("httptools") else "h11",
        "log_level": "info",
        "access_log": False,
    }
    try:
        if workers == 1:
            uvicorn.run(**options)
        else:
            # Each process with its own socket on the port (supervisor.py says why).
            code = supervisor.Supervisor(options, workers).run()
            if code:
                raise typer.Exit(code)
    finally:
        if background is not None:
            background.stop()
        if child is not None:
            child.terminate()
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()


@app.command()
def worker() -> None:
    """Run the task worker alone (periodic jobs and queued work)."""
    from sigap import jobs

    settings = _settings()
    where = (settings.redis_url and "Redis") or str(jobs.queue_path(settings))
    console.print(f"Worker Sigap berjalan (antrean: {where}).")
    jobs.run_worker(settings)


def _print_logins(rows: list[dict[str, str]], password: str | None) -> None:
    table = Table(title="Login demo")
    for column in ("Kode login", "Nama online", "Peran", "Tim / site"):
        table.add_column(column)
    for row in rows:
        table.add_row(row["login_code"], row["online_name"], row["role"], row["where"])
    console.print(table)
    if password is not None:
        console.print(f"Kata sandi semua akun demo: [bold]{password}[/bold]")


@app.command()
def demo(
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same data.")] = 7,
    scale: Annotated[float, typer.Option(min=0.0001, max=10.0,
                                         help="1.0 = the full operation (320,000 customers).")]
    = 0.01,
    days: Annotated[int, typer.Option(min=1, max=365, help="Days of traffic.")] = 14,
    password: Annotated[str, typer.Option(help="Password of every demo login.")] = "sigap-demo",
    if_empty: Annotated[bool, typer.Option("--if-empty",
                                           help="Skip quietly when data exists.")] = False,
    today: Annotated[str | None, typer.Option(help="Fixed 'today' (YYYY-MM-DD).")] = None,
) -> None:
    """Generate a realistic demo operation: sites, staff, customers, traffic, tickets."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from sigap.db.session import make_engine, make_sessionmaker
    from sigap.demo import generator

    settings = _settings()
    engine = make_engine(settings.database_url)
    sessions = make_sessionmaker(engine)
    try:
        with sessions() as session:
            present = generator.has_data(session)
            logins = generator.existing_logins(session) if present else []
        if present:
            if if_empty:
                console.print("Basis data sudah berisi data; demo tidak dibuat ulang.")
                _print_logins(logins, None)
                return
            console.print("[red]Basis data tidak kosong: demo hanya dibuat pada basis data "
                          "kosong. Pakai --if-empty untuk melewati, atau basis data baru.[/red]")
            raise typer.Exit(code=1)
        try:
            fixed = dt.date.fromisoformat(today) if today else None
        except ValueError:
            console.print(f"[red]--today '{today}' bukan tanggal YYYY-MM-DD.[/red]")
            raise typer.Exit(code=2) from None
        options = generator.DemoOptions(seed=seed, scale=scale, days=days, password=password,
                                        today=fixed)
        with Progress(
            "[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
            TimeElapsedColumn(), console=console, transient=False,
        ) as progress:
            result = generator.generate(sessions, options, progress=progress)
        counts = ", ".join(f"{name} {n:,}" for name, n in result.counts.items())
        console.print(f"Demo selesai dalam {result.seconds:.1f} dtk: {counts}.")
        _print_logins(result.logins, password)
    finally:
        engine.dispose()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
