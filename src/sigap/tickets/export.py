"""The ticket list as an XLSX workbook (openpyxl)."""

from __future__ import annotations

import io

from openpyxl import Workbook
from sqlalchemy.orm import Session, joinedload

from sigap.auth.actor import Actor
from sigap.core.timezones import format_local
from sigap.tickets import service
from sigap.tickets.models import Ticket

MAX_ROWS = 20000
HEADERS = ("Nomor", "Status", "Jenis", "Kategori", "Subjek", "Pelanggan", "Produk",
           "Severity", "Prioritas", "Tier", "Kanal", "Pemilik", "Tim", "Eskalasi",
           "Dibuat", "Selesai", "Ditutup")


def tickets_xlsx(session: Session, actor: Actor,
                 filters: service.TicketFilters) -> tuple[bytes, int]:
    """(workbook bytes, rows) for the filtered tickets in the actor's scope."""
    stmt = service.ticket_query(actor, filters).options(
        joinedload(Ticket.owner), joinedload(Ticket.customer), joinedload(Ticket.team)
    ).limit(MAX_ROWS)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Tiket"
    sheet.append(HEADERS)
    zone = actor.timezone
    count = 0
    for t in session.scalars(stmt):
        sheet.append((
            t.number, t.state, t.type, t.category, t.subject, t.customer.name, t.product,
            t.severity, "ya" if t.priority else "", t.tier, t.channel,
            t.owner.online_name if t.owner else "", t.team.name if t.team else "",
            t.escalation_level, format_local(t.created_at, zone),
            format_local(t.resolved_at, zone) if t.resolved_at else "",
            format_local(t.closed_at, zone) if t.closed_at else "",
        ))
        count += 1
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), count
