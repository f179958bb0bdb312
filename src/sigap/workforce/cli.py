"""`sigap wfm …`: workforce commands that run without a database."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from sigap.workforce import commands, table
from sigap.workforce.erlang import staff as erlang_staff

app = typer.Typer(help="Workforce management: staffing, simulation.", no_args_is_help=True)

STAFF_INPUT = ("queue", "interval_start", "interval_minutes", "volume", "aht_seconds",
               "target_service_level", "target_answer_seconds", "shrinkage", "max_occupancy")
STAFF_OPTIONAL = ("patience_seconds", "target_asa_seconds", "unplanned_shrinkage")
STAFF_OUTPUT = ("raw_agents", "agents", "service_level", "asa_seconds", "occupancy",
                "waiting_probability")
_CHUNK = 8192


@app.callback()
def main() -> None:
    """Workforce management: staffing, simulation."""


def progress(console: Console, title: str) -> Progress:
    return Progress(TextColumn(f"[bold]{title}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console, transient=True)


def _staff_row(values: dict[str, str]) -> tuple[float, ...]:
    if not values.get("queue"):
        raise table.RowError("queue", "wajib diisi")
    if not values.get("interval_start"):
        raise table.RowError("interval_start", "wajib diisi")
    num = table.number
    return (
        num(values, "interval_minutes", low=0, low_open=True),
        num(values, "volume", low=0),
        num(values, "aht_seconds", low=0, low_open=True),
        num(values, "target_service_level", low=0, high=1, percent=True),
        num(values, "target_answer_seconds", low=0),
        num(values, "shrinkage", low=0, high=1, high_open=True, percent=True),
        num(values, "max_occupancy", low=0, high=1, low_open=True, percent=True),
        num(values, "patience_seconds", low=0, low_open=True, default=float("nan")),
        num(values, "target_asa_seconds", low=0, default=float("nan")),
        num(values, "unplanned_shrinkage", low=0, high=1, high_open=True, percent=True,
            default=0.0),
    )


@app.command("staff")
def staff_command(
    input: Annotated[Path, typer.Option("--input", help="CSV or XLSX with one row per queue "
                                        "and interval.")],
    output: Annotated[Path, typer.Option("--output", help="Result file: .csv, or .xlsx.")],
) -> None:
    """Agents per interval with Erlang C (Erlang A when patience_seconds is given).

    Input columns: queue, interval_start, interval_minutes, volume, aht_seconds,
    target_service_level (0.8 or 80%), target_answer_seconds, shrinkage, max_occupancy;
    optional: patience_seconds (mean patience → Erlang A), target_asa_seconds,
    unplanned_shrinkage (shrinkage is then the planned part; they combine as
    1 − (1 − planned)(1 − unplanned)).
    The output repeats the input columns and adds raw_agents (on the phone), agents
    (scheduled, after shrinkage), service_level, asa_seconds, occupancy,
    waiting_probability (and abandon_rate with patience_seconds). Every bad row is reported
    with its line number and left out; the exit code is 1 when there was any.
    """
    console = Console()
    err = Console(stderr=True, soft_wrap=True)
    if output.suffix.lower() not in (".csv", ".xlsx"):
        err.print(f"[red]--output harus berakhiran .csv atau .xlsx: {output}[/red]")
        raise typer.Exit(2)
    try:
        header, rows = table.read(input, STAFF_INPUT)
    except table.TableError as exc:
        err.print(f"[red]{input}:[/red] {exc}")
        raise typer.Exit(2) from exc

    good: list[table.Row] = []
    params: list[tuple[float, ...]] = []
    problems: list[table.Problem] = []
    for row in rows:
        try:
            params.append(_staff_row(row.values))
            good.append(row)
        except table.RowError as exc:
            problems.append(table.Problem(row.line, str(exc)))

    with_patience = "patience_seconds" in header
    out_header = [h for h in header if h] + list(STAFF_OUTPUT)
    if with_patience:
        out_header.append("abandon_rate")
    out_rows: list[list[object]] = []
    matrix = np.array(params, dtype=np.float64).reshape(len(params), 10)
    with progress(console, "Hitung kebutuhan agen") as bar:
        task = bar.add_task("staff", total=len(good))
        for start in range(0, len(good), _CHUNK):
            part = matrix[start:start + _CHUNK]
            result = erlang_staff(part[:, 1], part[:, 0], part[:, 2], part[:, 3], part[:, 4],
                                  part[:, 5], part[:, 6], part[:, 7],
                                  target_asa_seconds=part[:, 8],
                                  unplanned_shrinkage=part[:, 9])
            for i, row in enumerate(good[start:start + _CHUNK]):
                line: list[object] = [row.values.get(h, "") for h in header if h]
                line += [int(result.raw_agents[i]), int(result.agents[i]),
                         float(result.service_level[i]), float(result.asa_seconds[i]),
                         float(result.occupancy[i]), float(result.waiting_probability[i])]
                if with_patience:
                    line.append(float(result.abandon_rate[i]))
                out_rows.append(line)
            bar.update(task, advance=len(part))
    table.write(output, out_header, out_rows, sheet="kebutuhan_agen")
    console.print(f"Baris dihitung: {len(good)} · bermasalah: {len(problems)} · hasil: {output}")
    for problem in problems:
        err.print(str(problem), markup=False, highlight=False)
    if problems:
        raise typer.Exit(1)


SIMULATE_OUTPUT = ("queue", "interval_start", "offered", "answered", "abandoned",
                   "answered_in_target", "service_level", "asa_seconds", "occupancy")


@app.command("simulate")
def simulate_command(
    output: Annotated[Path, typer.Option("--output", help="Result file: .csv, or .xlsx.")],
    arrivals: Annotated[Path | None, typer.Option("--arrivals", help="CSV/XLSX: queue, "
                                                  "interval_start (HH:MM), volume, "
                                                  "aht_seconds, …")] = None,
    agents: Annotated[Path | None, typer.Option("--agents", help="CSV/XLSX: agent, skills, "
                                                "shift_start, shift_end, …")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same seed, same result).")
                    ] = 0,
    date: Annotated[str | None, typer.Option(
        "--date", help="Database mode: simulate this day (YYYY-MM-DD) from the stored "
                       "forecast and the site's roster instead of files.")] = None,
    site: Annotated[str | None, typer.Option(
        "--site", help="Database mode: site code (every site when left out).")] = None,
) -> None:
    """Simulate a day (arrivals, handle and patience times, the roster, routing).

    arrivals: one row per queue and interval: queue, interval_start (HH:MM), volume,
    aht_seconds; optional and the same on every row of a queue: interval_minutes (15),
    answer_seconds (T of the service level, 20), patience_seconds (empty: nobody abandons),
    priority (1 is served first), handle_distribution / patience_distribution
    (exponential, lognormal, fixed), handle_cv / patience_cv (standard deviation ÷ mean).

    agents: one row per agent and shift: agent, skills ("billing:1;tech:2": queue and skill
    priority, 1 preferred), shift_start, shift_end (HH:MM; an end at or before the start is
    the next day); optional day (−1: the shift began the day before) and breaks
    ("10:00+15;12:30+60").

    The output has one row per queue and interval of arrival: offered, answered, abandoned,
    answered_in_target, service_level (answered within T ÷ offered), asa_seconds (mean wait
    of the answered) and occupancy (busy ÷ available time of the agents with the skill).
    Bad rows are reported with their line number and left out; the exit code is then 1.
    """
    from sigap.workforce import scenario
    from sigap.workforce.simulation import simulate

    if date is not None:
        commands.simulate_day(date, site, output, seed)
        return
    console = Console()
    err = Console(stderr=True, soft_wrap=True)
    if arrivals is None or agents is None:
        err.print("[red]Berikan --arrivals dan --agents, atau --date untuk mode basis data."
                  "[/red]")
        raise typer.Exit(2)
    try:
        _, arrival_rows = table.read(arrivals, scenario.ARRIVALS)
        _, agent_rows = table.read(agents, scenario.AGENTS)
    except table.TableError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from exc
    bad_arrivals: list[table.Problem] = []
    bad_agents: list[table.Problem] = []
    day = scenario.day(arrival_rows, agent_rows, bad_arrivals, bad_agents)
    with progress(console, "Simulasi (jam)") as bar:
        task = bar.add_task("simulate", total=None)
        result = simulate(day, seed, lambda done, total: bar.update(task, completed=done,
                                                                    total=total))
    rows = [[r.queue, f"{r.start_minute // 60:02d}:{r.start_minute % 60:02d}", r.offered,
             r.answered, r.abandoned, r.answered_in_target, r.service_level, r.asa_seconds,
             r.occupancy] for r in result.rows]
    table.write(output, SIMULATE_OUTPUT, rows, sheet="simulasi")
    offered = sum(r.offered for r in result.rows)
    in_target = sum(r.answered_in_target for r in result.rows)
    level = in_target / offered if offered else 1.0
    console.print(f"Kontak: {result.contacts} · service level hari ini: {level:.1%} · "
                  f"agen: {len(day.agents)} · hasil: {output}")
    for name, problems in ((arrivals, bad_arrivals), (agents, bad_agents)):
        for problem in problems:
            err.print(f"{name}: {problem}", markup=False, highlight=False)
    if bad_arrivals or bad_agents:
        raise typer.Exit(1)


# Database commands (forecast versions, monthly rosters): workforce/commands.py.
app.command("forecast")(commands.forecast)
app.command("roster")(commands.roster)
