"""`sigap wfm forecast` and `sigap wfm roster --month YYYY-MM` (and the database mode of
`sigap wfm simulate`): database work with rich progress bars and CSV or XLSX output.
Registered on the `wfm` command group of workforce/cli.py."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Annotated, Any

import typer
from openpyxl import Workbook
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from sigap.auth import audit
from sigap.auth.actor import SYSTEM
from sigap.config import get_settings
from sigap.core.errors import SigapError
from sigap.core.timezones import format_local
from sigap.db.session import make_engine, make_sessionmaker, transaction
from sigap.org.models import Site
from sigap.workforce import history, rosters, scheduler, service, solver

console = Console()
err = Console(stderr=True)


def _sessions() -> sessionmaker[Session]:
    get_settings.cache_clear()
    return make_sessionmaker(make_engine(get_settings().database_url))


def _bar() -> Progress:
    return Progress(TextColumn("[progress.description]{task.description}"), BarColumn(),
                    MofNCompleteColumn(), TimeElapsedColumn(), console=console)


def write_rows(path: Path, header: list[str], rows: list[list[Any]], sheet: str) -> None:
    """CSV or XLSX by the file's extension."""
    if path.suffix.lower() == ".xlsx":
        book = Workbook(write_only=True)
        out = book.create_sheet(sheet)
        out.append(header)
        for row in rows:
            out.append(row)
        book.save(path)
        return
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def _check_output(output: Path | None) -> None:
    if output is not None and output.suffix.lower() not in (".csv", ".xlsx"):
        err.print(f"[red]--output harus berakhiran .csv atau .xlsx: {output}[/red]")
        raise typer.Exit(2)


def forecast(
    queue: Annotated[str | None, typer.Option(help="Nama antrian; semua bila kosong.")] = None,
    start: Annotated[str | None, typer.Option(help="Hari pertama (YYYY-MM-DD); "
                                                   "bawaan: awal bulan depan.")] = None,
    days: Annotated[int, typer.Option(min=1, max=62, help="Lama ramalan (hari).")] = 31,
    history_days: Annotated[int, typer.Option(min=7, max=730,
                                              help="Riwayat yang dipakai (hari).")] = 56,
    output: Annotated[Path | None, typer.Option(help="Tulis interval ke .csv/.xlsx.")] = None,
) -> None:
    """Ramalkan volume dan AHT per interval untuk setiap antrian, simpan sebagai versi."""
    _check_output(output)
    try:
        first = dt.date.fromisoformat(start) if start else \
            (dt.date.today().replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    except ValueError:
        err.print(f"[red]--start '{start}' bukan tanggal YYYY-MM-DD.[/red]")
        raise typer.Exit(2) from None
    rows: list[list[Any]] = []
    table = Table(title=f"Ramalan mulai {first}")
    for column in ("Versi", "Antrian", "Metode", "Volume", "WAPE %", "MAPE %"):
        table.add_column(column)
    with transaction(_sessions()) as session, _bar() as bar:
        audit.bind_actor(session, SYSTEM)
        try:
            chosen = [service.plan_by_name(session, queue)] if queue else service.plans(session)
        except SigapError as exc:
            err.print(f"[red]{exc.message}[/red]")
            raise typer.Exit(2) from None
        task = bar.add_task("Ramalan", total=len(chosen))
        for plan in chosen:
            made = service.make_forecast(session, plan, first, days, history_days)
            zone = history.zone_of(session, plan)
            intervals = service.curve(session, plan, history.local_midnight(first, zone),
                                      history.local_midnight(first + dt.timedelta(days=days),
                                                             zone))
            step = dt.timedelta(minutes=plan.interval_minutes)
            rows += [[plan.name, format_local(intervals.start + i * step, zone),
                      round(float(v), 2), round(float(a), 1)]
                     for i, (v, a) in enumerate(zip(intervals.volume, intervals.aht_seconds,
                                                    strict=True))]
            table.add_row(str(made.id), plan.name, made.method,
                          f"{intervals.volume.sum():,.0f}",
                          f"{made.wape:.1f}" if made.wape is not None else "—",
                          f"{made.mape:.1f}" if made.mape is not None else "—")
            bar.advance(task)
    console.print(table)
    if output is not None:
        write_rows(output, ["queue", "interval_start", "volume", "aht_seconds"], rows,
                   "Ramalan")
        console.print(f"Ditulis: {output} ({len(rows):,} baris).")


def roster(
    month: Annotated[str, typer.Option(help="Bulan roster, YYYY-MM.")],
    site: Annotated[str | None, typer.Option(help="Kode situs; semua bila kosong.")] = None,
    time_limit: Annotated[float, typer.Option(min=1, max=3600,
                                              help="Batas waktu solver per situs (detik).")]
    = 120.0,
    output: Annotated[Path | None, typer.Option(help="Tulis shift ke .csv/.xlsx.")] = None,
) -> None:
    """Susun roster bulan (N+1) dengan CP-SAT per situs dan desk."""
    _check_output(output)
    try:
        first = rosters.month_start(month)
    except SigapError as exc:
        err.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(2) from None
    rows: list[list[Any]] = []
    table = Table(title=f"Roster {month}")
    for column in ("Situs", "Desk", "Status solver", "Detik", "Shift", "Kurang (jam)",
                   "Lebih (jam)"):
        table.add_column(column)
    with transaction(_sessions()) as session, _bar() as bar:
        audit.bind_actor(session, SYSTEM)
        stmt = select(Site).order_by(Site.code)
        if site:
            stmt = stmt.where(Site.code == site)
        sites = list(session.scalars(stmt))
        if not sites:
            err.print(f"[red]Situs {site!r} tidak ada.[/red]")
            raise typer.Exit(2)
        for place in sites:
            task = bar.add_task(f"Roster {place.code}", total=None)

            def step(desk: str, done: int, total: int, task: Any = task,
                     code: str = place.code) -> None:
                bar.update(task, completed=done, total=total,
                           description=f"Roster {code} · {desk}")

            try:
                report = solver.solve_month(session, place.id, first,
                                             scheduler.Rules(time_limit=time_limit),
                                             progress=step)
            except SigapError as exc:
                err.print(f"[red]{place.code}: {exc.message}[/red]")
                raise typer.Exit(1) from None
            for desk, solution in report.desks.items():
                table.add_row(place.code, desk, solution.status, f"{solution.seconds:.1f}",
                              str(len(solution.assignments)),
                              f"{solution.under_minutes / 60:,.0f}",
                              f"{solution.over_minutes / 60:,.0f}")
            codes = {t.id: t.code for t in rosters.templates(session, place.id)}
            people = {p.id: p for p, _d in rosters.site_agents(session, place.id)}
            rows += [[place.code, people[s.staff_id].login_code, people[s.staff_id].online_name,
                      s.desk, s.day.isoformat(), codes.get(s.template_id, ""),
                      format_local(s.start_at, place.timezone),
                      format_local(s.end_at, place.timezone),
                      format_local(s.break_start, place.timezone, False) if s.break_start
                      else ""]
                     for s in rosters.shifts_of(session, report.roster.id)
                     if s.staff_id in people]
    console.print(table)
    if output is not None:
        write_rows(output, ["site", "login_code", "online_name", "desk", "day", "shift",
                            "start", "end", "break_start"], rows, "Roster")
        console.print(f"Ditulis: {output} ({len(rows):,} shift).")


def simulate_day(date: str, site: str | None, output: Path, seed: int) -> None:
    """`sigap wfm simulate --date`: each site's day from the stored forecast and roster,
    the simulation's figures per queue and interval beside Erlang's."""
    _check_output(output)
    from sigap.workforce import validation

    try:
        day = dt.date.fromisoformat(date)
    except ValueError:
        err.print(f"[red]--date '{date}' bukan tanggal YYYY-MM-DD.[/red]")
        raise typer.Exit(2) from None
    rows: list[list[Any]] = []
    with _sessions()() as session, _bar() as bar:
        stmt = select(Site).order_by(Site.code)
        if site:
            stmt = stmt.where(Site.code == site)
        sites = list(session.scalars(stmt))
        if not sites:
            err.print(f"[red]Situs {site!r} tidak ada.[/red]")
            raise typer.Exit(2)
        task = bar.add_task("Simulasi", total=len(sites))
        for place in sites:
            predicted = validation.predict(session, place.id, day, seed)
            for found in predicted.values():
                plan = found.plan
                need = service.requirement(
                    session, plan, history.local_midnight(day, place.timezone),
                    history.local_midnight(day + dt.timedelta(days=1), place.timezone))
                for i, start in enumerate(need.starts()):
                    rows.append([place.code, plan.name, format_local(start, place.timezone),
                                 round(float(need.volume[i]), 2), int(found.offered[i]),
                                 float(need.raw_agents[i]), _num(need.service_level[i]),
                                 _num(found.service_level[i]), _num(need.asa_seconds[i]),
                                 _num(found.asa_seconds[i]), _num(found.abandon_rate[i])])
            bar.advance(task)
    write_rows(output, ["site", "queue", "interval_start", "forecast_volume", "offered",
                        "erlang_agents", "erlang_service_level", "simulated_service_level",
                        "erlang_asa_seconds", "simulated_asa_seconds",
                        "simulated_abandon_rate"], rows, "Simulasi")
    console.print(f"Ditulis: {output} ({len(rows):,} baris).")


def _num(value: float) -> float | None:
    return round(float(value), 4) if value == value and abs(value) != float("inf") else None
