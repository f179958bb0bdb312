"""What people do to an open ticket (D9, D10, D13): updates, state, consent, escalation,
take-over, assignment and merge. Every action appends a TicketEvent."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from sigap.auth.actor import Actor
from sigap.core.clock import utcnow
from sigap.core.errors import Conflict, IllegalTransition, InvalidInput, NotFound
from sigap.db.session import on_commit
from sigap.org import alerts
from sigap.org.models import Role, Staff, Team
from sigap.tickets import lifecycle
from sigap.tickets.models import (
    EscalationLevel,
    EventKind,
    Interaction,
    PendingReason,
    Ticket,
    TicketState,
)
from sigap.tickets.service import _staff_team, add_event, check_team, get_ticket

# Called with the ticket id once a resolution commits (the worker's CSAT survey job,
# surveys/tasks.py); None where no worker queue is registered.
on_resolved: Callable[[int], object] | None = None

LEVELS: tuple[str, ...] = (
    EscalationLevel.agent, EscalationLevel.team_leader, EscalationLevel.supervisor,
    EscalationLevel.backend,
)


def _required(text: str, field: str, what: str) -> str:
    if not text or not text.strip():
        raise InvalidInput(f"{what} wajib diisi.", field=field)
    return text.strip()


def _writable(session: Session, actor: Actor, ticket_id: int,
              permission: str = "tickets.write") -> Ticket:
    ticket = get_ticket(session, actor, ticket_id, permission)
    if ticket.merged_into_id is not None:
        raise IllegalTransition("Tiket ini sudah digabung ke tiket lain.", field="ticket")
    return ticket


def add_note(session: Session, actor: Actor, ticket_id: int, body: str,
             kind: str = EventKind.note) -> Ticket:
    """An internal note, or an update sent to the customer (stamps the first response)."""
    if kind not in (EventKind.note, EventKind.customer_update):
        raise InvalidInput("Jenis catatan harus 'note' atau 'customer_update'.", field="kind")
    body = _required(body, "body", "Isi catatan")
    ticket = _writable(session, actor, ticket_id)
    now = utcnow()
    if kind == EventKind.customer_update and ticket.first_response_at is None:
        ticket.first_response_at = now
    ticket.updated_at = now
    add_event(session, ticket, actor, kind, body)
    return ticket


def add_customer_update(session: Session, actor: Actor, ticket_id: int, body: str) -> Ticket:
    return add_note(session, actor, ticket_id, body, EventKind.customer_update)


def _status(ticket: Ticket) -> lifecycle.Status:
    return lifecycle.Status(
        state=ticket.state, tier=ticket.tier, pending_reason=ticket.pending_reason,
        resolved_at=ticket.resolved_at, closed_at=ticket.closed_at,
        consent_at=ticket.consent_at, reopen_count=ticket.reopen_count,
    )


def _move(session: Session, actor: Actor, ticket: Ticket, target: str, reason: str,
          pending_reason: str | None = None) -> None:
    before = ticket.state
    after = lifecycle.transition(_status(ticket), target, at=utcnow(),
                                 pending_reason=pending_reason, note=reason)
    ticket.state = after.state
    ticket.pending_reason = after.pending_reason
    ticket.resolved_at = after.resolved_at
    ticket.closed_at = after.closed_at
    ticket.consent_at = after.consent_at
    ticket.reopen_count = after.reopen_count
    ticket.updated_at = utcnow()
    data: dict[str, object] = {}
    if after.pending_reason:
        data["pending_reason"] = after.pending_reason
    if lifecycle.is_reopen(before, target):
        data["reopen"] = after.reopen_count
    add_event(session, ticket, actor, EventKind.state_changed, reason,
              from_state=before, to_state=after.state, data=data)
    _tell_pic(session, actor, ticket, f"Tiket {ticket.number} kini {after.state}"
              + (f": {reason}" if reason else ""))
    hand_over = on_resolved
    if after.state == TicketState.resolved and hand_over is not None:
        ticket_id = ticket.id

        def queue_survey() -> None:
            hand_over(ticket_id)

        on_commit(session, queue_survey)


def _tell_pic(session: Session, actor: Actor, ticket: Ticket, message: str) -> None:
    """The PIC follows the ticket until it is done (W-19 5.3.2): each step reaches them."""
    if ticket.pic_id is not None and ticket.pic_id != actor.staff_id:
        alerts.alert(session, [ticket.pic_id], "ticket_pic", message, f"/tickets/{ticket.id}")


def change_state(session: Session, actor: Actor, ticket_id: int, state: str, reason: str = "",
                 pending_reason: str | None = None) -> Ticket:
    """Move the ticket through the state machine; the event keeps from/to and the reason."""
    ticket = _writable(session, actor, ticket_id)
    _move(session, actor, ticket, state, reason, pending_reason)
    return ticket


def record_consent(session: Session, actor: Actor, ticket_id: int, note: str, by: str) -> Ticket:
    """The customer agreed that the ticket may be closed (D10): who agreed, how."""
    note = _required(note, "note", "Catatan persetujuan")
    by = _required(by, "by", "Pemberi persetujuan")
    ticket = _writable(session, actor, ticket_id)
    if ticket.state == TicketState.closed:
        raise IllegalTransition("Tiket sudah ditutup.", field="state")
    now = utcnow()
    ticket.consent_at = now
    ticket.consent_note = f"{note} ({by})"
    ticket.updated_at = now
    add_event(session, ticket, actor, EventKind.consent_recorded, note, data={"by": by})
    return ticket


def escalate(session: Session, actor: Actor, ticket_id: int, reason: str,
             backend_unit: str | None = None) -> Ticket:
    """One level up: agent → team leader → supervisor → the client's backend unit (D13)."""
    reason = _required(reason, "reason", "Alasan eskalasi")
    ticket = _writable(session, actor, ticket_id, "tickets.escalate")
    if ticket.state in (TicketState.resolved, TicketState.closed):
        raise IllegalTransition(
            f"Tiket berstatus '{ticket.state}' tidak bisa dieskalasi; buka kembali dulu.",
            field="state",
        )
    current = ticket.escalation_level
    index = LEVELS.index(current) if current in LEVELS else 0
    if index + 1 >= len(LEVELS):
        raise IllegalTransition("Tiket sudah di tingkat eskalasi tertinggi (backend).",
                                field="escalation_level")
    target = LEVELS[index + 1]
    data: dict[str, object] = {"from": current, "to": target}
    if target == EscalationLevel.backend:
        unit = (backend_unit or "").strip()
        if not unit:
            raise InvalidInput("Eskalasi ke backend butuh nama unit backend klien.",
                               field="backend_unit")
        ticket.backend_unit = unit
        data["backend_unit"] = unit
    ticket.escalation_level = target
    ticket.updated_at = utcnow()
    add_event(session, ticket, actor, EventKind.escalated, reason, data=data)
    _tell_pic(session, actor, ticket, f"Tiket {ticket.number} dieskalasi ke {target}: {reason}")
    if target == EscalationLevel.backend:
        if ticket.state == TicketState.pending:
            if ticket.pending_reason != PendingReason.backend:
                before = ticket.pending_reason
                ticket.pending_reason = PendingReason.backend
                add_event(session, ticket, actor, EventKind.state_changed, reason,
                          from_state=TicketState.pending, to_state=TicketState.pending,
                          data={"pending_reason": PendingReason.backend, "was": before})
        else:
            _move(session, actor, ticket, TicketState.pending, reason, PendingReason.backend)
    return ticket


def take_over(session: Session, actor: Actor, ticket_id: int, reason: str) -> Ticket:
    """A TL or supervisor takes the case over (D13)."""
    reason = _required(reason, "reason", "Alasan ambil alih")
    ticket = _writable(session, actor, ticket_id, "tickets.takeover")
    if ticket.state == TicketState.closed:
        raise IllegalTransition("Tiket yang sudah ditutup tidak bisa diambil alih.",
                                field="state")
    if actor.staff_id is None:
        raise InvalidInput("Hanya staf yang bisa mengambil alih tiket.", field="owner_id")
    before = ticket.owner_id
    ticket.owner_id = actor.staff_id
    ticket.updated_at = utcnow()
    add_event(session, ticket, actor, EventKind.taken_over, reason,
              data={"from_owner_id": before, "to_owner_id": actor.staff_id})
    return ticket


def assign(session: Session, actor: Actor, ticket_id: int, owner_id: int | None,
           team_id: int | None, reason: str) -> Ticket:
    """Give the ticket to another person and/or team (TL and above)."""
    reason = _required(reason, "reason", "Alasan penugasan")
    if owner_id is None and team_id is None:
        raise InvalidInput("Isi pemilik (owner_id) atau tim (team_id).", field="owner_id")
    ticket = _writable(session, actor, ticket_id, "tickets.assign")
    data: dict[str, object] = {"from_owner_id": ticket.owner_id, "from_team_id": ticket.team_id}
    if owner_id is not None:
        owner_team = _staff_team(session, owner_id)
        _check_priority_agent(session, ticket, owner_id, "owner_id")
        ticket.owner_id = owner_id
        if team_id is None and owner_team is not None:
            team_id = owner_team
    if team_id is not None:
        check_team(session, team_id)
        ticket.team_id = team_id
    ticket.updated_at = utcnow()
    data.update({"to_owner_id": ticket.owner_id, "to_team_id": ticket.team_id})
    add_event(session, ticket, actor, EventKind.assigned, reason, data=data)
    return ticket


PRIORITY_ONLY = ("Tiket pelanggan prioritas hanya untuk agen segmen prioritas: masa kerja "
                 "lebih dari 6 bulan dan QA tercapai 6 bulan berturut-turut (W-19).")


def _check_priority_agent(session: Session, ticket: Ticket, staff_id: int, field: str) -> None:
    """Priority customers' work goes only to priority-segment agents (D22); team leaders
    and above may hold it to take it over."""
    if not ticket.priority:
        return
    person = session.get(Staff, staff_id)
    if person is None or person.role != Role.agent:
        return
    if not person.priority_eligible(utcnow().date()):
        raise IllegalTransition(PRIORITY_ONLY, field=field)


def set_pic(session: Session, actor: Actor, ticket_id: int, staff_id: int) -> Ticket:
    """Name the ticket's PIC, who follows it until it is done (W-19 5.3)."""
    ticket = _writable(session, actor, ticket_id, "tickets.assign")
    person = session.get(Staff, staff_id)
    if person is None or not person.active:
        raise InvalidInput(f"Staf {staff_id} tidak ditemukan.", field="staff_id")
    before = ticket.pic_id
    ticket.pic_id = staff_id
    ticket.updated_at = utcnow()
    add_event(session, ticket, actor, EventKind.field_changed,
              f"PIC tiket: {person.online_name}",
              data={"field": "pic_id", "from": before, "to": staff_id})
    _tell_pic(session, actor, ticket, f"Anda PIC tiket {ticket.number}: {ticket.subject}")
    return ticket


CARING_DESK = "Tier 2 Caring"


def route_hard_complaint(session: Session, actor: Actor, ticket: Ticket, reason: str) -> None:
    """A hard complaint goes to its handling (D10, W-19 5.3.2): the Tier 2 Caring queue of
    the ticket's site (any site's when that one has none), with the reason on record."""
    site_id = None
    if ticket.team_id is not None:
        site_id = session.scalar(select(Team.site_id).where(Team.id == ticket.team_id))
    caring = session.scalars(select(Team).where(Team.desk == CARING_DESK).order_by(Team.id))
    teams = list(caring)
    target = next((t for t in teams if t.site_id == site_id), teams[0] if teams else None)
    ticket.hard_complaint = True
    data: dict[str, object] = {"field": "hard_complaint", "from": False, "to": True}
    if target is not None and target.id != ticket.team_id:
        data.update(from_team_id=ticket.team_id, to_team_id=target.id)
        ticket.team_id, ticket.owner_id = target.id, None
    ticket.updated_at = utcnow()
    add_event(session, ticket, actor, EventKind.field_changed,
              f"Hard complaint: {reason}" + (f" → antrean {target.name}" if target else ""),
              data=data)


def flag_hard_complaint(session: Session, actor: Actor, ticket_id: int, reason: str) -> Ticket:
    reason = _required(reason, "reason", "Alasan hard complaint")
    ticket = _writable(session, actor, ticket_id)
    if ticket.hard_complaint:
        raise Conflict("Tiket ini sudah ditandai hard complaint.", field="hard_complaint")
    route_hard_complaint(session, actor, ticket, reason)
    return ticket


def claim(session: Session, actor: Actor, ticket_id: int) -> Ticket:
    """An agent takes an unassigned ticket from the team queue into their own loker."""
    ticket = _writable(session, actor, ticket_id)
    if ticket.owner_id is not None:
        raise Conflict("Tiket ini sudah ada pemiliknya.", field="owner_id")
    if actor.staff_id is None:
        raise InvalidInput("Hanya staf yang bisa mengambil tiket.", field="owner_id")
    _check_priority_agent(session, ticket, actor.staff_id, "owner_id")
    ticket.owner_id = actor.staff_id
    ticket.updated_at = utcnow()
    add_event(session, ticket, actor, EventKind.assigned, "Diambil dari antrian tim",
              data={"from_owner_id": None, "to_owner_id": actor.staff_id, "claim": True})
    if ticket.state == TicketState.new:
        _move(session, actor, ticket, TicketState.open, "Diambil dari antrian tim")
    return ticket


def route_to(session: Session, actor: Actor, ticket_id: int, staff_id: int) -> Ticket:
    """Routing gave the ticket to an agent who accepted the offer: it becomes theirs
    (routing already checked priority eligibility and skills)."""
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFound(f"Tiket {ticket_id} tidak ditemukan.")
    if ticket.owner_id == staff_id:
        return ticket
    data: dict[str, object] = {"from_owner_id": ticket.owner_id, "to_owner_id": staff_id,
                               "routing": True}
    ticket.owner_id = staff_id
    ticket.team_id = _staff_team(session, staff_id) or ticket.team_id
    ticket.updated_at = utcnow()
    add_event(session, ticket, actor, EventKind.assigned, "Diterima dari antrian", data=data)
    if ticket.state == TicketState.new:
        _move(session, actor, ticket, TicketState.open, "Diterima dari antrian")
    return ticket


def merge(session: Session, actor: Actor, target_id: int, source_id: int,
          reason: str) -> Ticket:
    """Fold a duplicate ticket (source) into the one that carries on (target)."""
    reason = _required(reason, "reason", "Alasan penggabungan")
    if source_id == target_id:
        raise InvalidInput("Tiket tidak bisa digabung ke dirinya sendiri.", field="source_id")
    target = _writable(session, actor, target_id, "tickets.merge")
    source = get_ticket(session, actor, source_id, "tickets.merge")
    if source.merged_into_id is not None:
        raise Conflict("Tiket sumber sudah digabung sebelumnya.", field="source_id")
    if source.customer_id != target.customer_id:
        raise InvalidInput("Hanya tiket dari pelanggan yang sama yang bisa digabung.",
                           field="source_id")
    if target.state == TicketState.closed:
        raise IllegalTransition("Tiket tujuan sudah ditutup; buka kembali dulu.", field="state")
    now = utcnow()
    moved = list(session.scalars(select(Interaction).where(Interaction.ticket_id == source.id)))
    for interaction in moved:
        interaction.ticket_id = target.id
    before = source.state
    source.merged_into_id = target.id
    source.state = TicketState.closed
    source.pending_reason = None
    source.closed_at = now
    source.updated_at = now
    target.updated_at = now
    add_event(session, source, actor, EventKind.merged_into, reason, from_state=before,
              to_state=TicketState.closed,
              data={"target_id": target.id, "target_number": target.number})
    add_event(session, target, actor, EventKind.merged, reason,
              data={"source_id": source.id, "source_number": source.number,
                    "interactions": [i.id for i in moved]})
    return target
