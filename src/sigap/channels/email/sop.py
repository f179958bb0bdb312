"""The SOP activities of seed 001 §7 as a checklist, read from the ticket's event log and
its mail, with who did each and when; and the work levels of §9 that route the mail."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from sigap.auth.actor import Actor
from sigap.channels.email.models import EmailMessage, LevelRoute, Mailbox, WorkLevel
from sigap.core.clock import utcnow
from sigap.core.errors import InvalidInput
from sigap.org.models import Staff
from sigap.tickets import service as ticket_service
from sigap.tickets.models import EscalationLevel, EventKind, Ticket, TicketEvent, TicketState

LEVEL_LABELS: dict[str, str] = {
    WorkLevel.level0: "Level 0 (W-75)",
    WorkLevel.level1: "Level 1 (W-76)",
    WorkLevel.monitoring: "Monitoring (W-86)",
    WorkLevel.other_segment: "Customer beda segmentasi (W-89)",
}


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    done: bool
    at: dt.datetime | None = None
    by: str | None = None
    count: int = 0


def _who(names: dict[int, str], event: TicketEvent | None) -> str | None:
    if event is None:
        return None
    return names.get(event.actor_id or 0, "sistem")


def checklist(session: Session, ticket: Ticket) -> list[Step]:
    events = list(session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)
                                  .order_by(TicketEvent.at, TicketEvent.id)))
    mails = list(session.execute(
        select(EmailMessage.direction, EmailMessage.received_at, EmailMessage.template_kind,
               EmailMessage.author_id)
        .where(EmailMessage.ticket_id == ticket.id).order_by(EmailMessage.id)))
    ids = {e.actor_id for e in events if e.actor_id} | {m[3] for m in mails if m[3]}
    names: dict[int, str] = {}
    if ids:
        rows = session.execute(select(Staff.id, Staff.online_name).where(Staff.id.in_(ids)))
        names = {int(r[0]): str(r[1]) for r in rows}

    def first(pred: object) -> TicketEvent | None:
        return next((e for e in events if pred(e)), None)  # type: ignore[operator]

    inbound = next((m for m in mails if m[0] == "inbound"), None)
    analysed = first(lambda e: e.actor_id is not None)
    created = first(lambda e: e.kind == EventKind.created)
    coordinated = first(lambda e: (e.kind == EventKind.escalated
                                   and e.data.get("to") == EscalationLevel.backend)
                        or (e.kind == EventKind.state_changed
                            and e.data.get("pending_reason") == "backend"))
    escalated = first(lambda e: e.kind == EventKind.escalated
                      and e.data.get("to") in (EscalationLevel.team_leader,
                                               EscalationLevel.supervisor))
    updates = [e for e in events if e.kind == EventKind.customer_update]
    cause = next((m for m in mails if m[0] == "outbound" and m[2] == "cause_repair"), None)
    closed = first(lambda e: e.kind == EventKind.state_changed
                   and e.to_state == TicketState.closed)
    return [
        Step("received", "Email diterima dan dianalisa", analysed is not None,
             analysed.at if analysed else (inbound[1] if inbound else None),
             _who(names, analysed)),
        Step("recorded", "Komplain dicatat", created is not None,
             created.at if created else None, _who(names, created)),
        Step("responded", "Respons pertama ke pelanggan", ticket.first_response_at is not None,
             ticket.first_response_at, _who(names, updates[0]) if updates else None),
        Step("coordinated", "Koordinasi dengan unit terkait", coordinated is not None,
             coordinated.at if coordinated else None, _who(names, coordinated)),
        Step("escalated", "Eskalasi ke Team Leader / Supervisor", escalated is not None,
             escalated.at if escalated else None, _who(names, escalated)),
        Step("updated", "Update berkala ke pelanggan", len(updates) > 1,
             updates[-1].at if updates else None, _who(names, updates[-1]) if updates else None,
             count=len(updates)),
        Step("cause_repair", "Info penyebab dan perbaikan dikirim", cause is not None,
             cause[1] if cause else None, names.get(cause[3] or 0) if cause else None),
        Step("closing", "Closing", closed is not None, closed.at if closed else None,
             _who(names, closed)),
    ]


def current_level(session: Session, ticket: Ticket) -> str:
    for event in session.scalars(select(TicketEvent).where(
            TicketEvent.ticket_id == ticket.id, TicketEvent.kind == EventKind.field_changed)
            .order_by(TicketEvent.id.desc())):
        level = event.data.get("work_level")
        if isinstance(level, str):
            return level
    mailbox_level = session.scalar(
        select(Mailbox.work_level).join(EmailMessage, EmailMessage.mailbox_id == Mailbox.id)
        .where(EmailMessage.ticket_id == ticket.id).order_by(EmailMessage.id).limit(1))
    return str(mailbox_level or WorkLevel.level0)


def _route(session: Session, level: str, segment: str) -> int | None:
    for seg in (segment, ""):
        team = session.scalar(select(LevelRoute.team_id).where(LevelRoute.level == level,
                                                               LevelRoute.segment == seg))
        if team is not None:
            return int(team)
    if level == WorkLevel.other_segment and segment:
        team = session.scalar(select(Mailbox.team_id).where(Mailbox.segment == segment,
                                                            Mailbox.team_id.is_not(None))
                              .order_by(Mailbox.id).limit(1))
        return int(team) if team is not None else None
    return None


def set_work_level(session: Session, actor: Actor, ticket_id: int, level: str,
                   segment: str = "", note: str = "") -> Ticket:
    """Put the mail on a work level; its route moves the ticket to that level's team.
    A customer of another segment goes to that segment's desk with the agent's note."""
    if level not in WorkLevel.__members__:
        raise InvalidInput(f"Level kerja {level!r} tidak dikenal.", field="level")
    ticket = ticket_service.get_ticket(session, actor, ticket_id, "tickets.write")
    if level == WorkLevel.other_segment:
        if not segment:
            raise InvalidInput("Pilih segmen tujuan.", field="segment")
        if not note.strip():
            raise InvalidInput("Catatan untuk desk tujuan wajib diisi.", field="note")
    team_id = _route(session, level, segment)
    if level == WorkLevel.other_segment and team_id is None:
        raise InvalidInput(f"Belum ada desk untuk segmen {segment}.", field="segment")
    data: dict[str, object] = {"work_level": level, "from": current_level(session, ticket),
                               "to": level}
    if segment:
        data["segment"] = segment
    if team_id is not None and team_id != ticket.team_id:
        data["team_from"], data["team_to"] = ticket.team_id, team_id
        ticket.team_id = team_id
        ticket.owner_id = None  # into the new team's queue
    ticket.updated_at = utcnow()
    body = LEVEL_LABELS[level] + (f" — {note.strip()}" if note.strip() else "")
    ticket_service.add_event(session, ticket, actor, EventKind.field_changed, body, data=data)
    return ticket
