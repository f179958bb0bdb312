"""`sigap email fetch|send`: run the email jobs by hand, with a progress bar."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from sqlalchemy import select

from sigap.channels.email import fetcher, outbox
from sigap.channels.email.models import Mailbox
from sigap.config import get_settings
from sigap.db.session import make_engine, make_sessionmaker

app = typer.Typer(help="Desk email: ambil dan kirim email.", no_args_is_help=True)


@app.callback()
def main() -> None:
    """Desk email: ambil dan kirim email."""


@app.command("fetch")
def fetch(
    mailbox: Annotated[str | None,
                       typer.Option(help="Nama kotak surat; semua bila kosong.")] = None,
    batch: Annotated[int, typer.Option(min=1, max=5000)] = fetcher.BATCH,
) -> None:
    """Ambil email baru lewat IMAP (per batch, aman dihentikan kapan saja)."""
    console, err = Console(), Console(stderr=True)
    get_settings.cache_clear()
    sessions = make_sessionmaker(make_engine(get_settings().database_url))
    with sessions() as session:
        stmt = select(Mailbox.id, Mailbox.name).where(Mailbox.active.is_(True),
                                                      Mailbox.imap_host != "")
        if mailbox:
            stmt = stmt.where(Mailbox.name == mailbox)
        boxes = list(session.execute(stmt))
    if not boxes:
        named = f" bernama {mailbox}" if mailbox else ""
        err.print(f"[red]Tidak ada kotak surat IMAP aktif{named}.[/red]")
        raise typer.Exit(2)
    failed = False
    for mailbox_id, name in boxes:
        with Progress(TextColumn(f"[bold]{name}"), BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), console=console, transient=True) as bar:
            task = bar.add_task(name, total=None)

            def advance(done: int, total: int, bar: Progress = bar, task: TaskID = task) -> None:
                bar.update(task, completed=done, total=total)

            try:
                report = fetcher.fetch_mailbox(sessions, mailbox_id, batch=batch,
                                               progress=advance)
            except Exception as exc:
                fetcher.record_error(sessions, mailbox_id, f"{type(exc).__name__}: {exc}")
                err.print(f"[red]{name}:[/red] {exc}")
                failed = True
                continue
        console.print(f"{name}: {report.fetched} diambil, {report.tickets} tiket baru, "
                      f"{report.threaded} lanjutan, {report.noise} diabaikan, "
                      f"{report.quarantined} karantina, {report.duplicates} sudah ada")
    if failed:
        raise typer.Exit(1)


@app.command("send")
def send() -> None:
    """Kirim email di kotak keluar yang sudah jatuh tempo."""
    get_settings.cache_clear()
    report = outbox.send_due(make_sessionmaker(make_engine(get_settings().database_url)),
                             limit=10_000)
    Console().print(f"terkirim {report.sent}, dicoba ulang nanti {report.retried}, "
                    f"gagal {report.failed}")
