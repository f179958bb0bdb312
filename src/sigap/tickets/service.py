"""Opening, finding and reading tickets (D9, D12): numbers, scope, lists, the timeline.

Actions on an existing ticket (updates, state, escalation, merge) live in tickets.actions;
interactions in tickets.interaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Select, case, or_, select
from sqlalchemy.orm import Session, joinedload, make_transient_to_detached

from sigap.auth.actor import Actor
from sigap.core.clock import utcnow
from sigap.core.errors import InvalidInput, NotFound
from sigap.core.pagination import Page, PageParams, paginate
from sigap.customers.models import CustomerService
from sigap.org.models import Role, Staff, Team
from sigap.tickets import intake
from sigap.tickets.lifecycle import ACTIVE_STATES
from sigap.tickets.models import (
    EventKind,
    Interaction,
    Ticket,
    TicketEvent,
    TicketState,
)
from sigap.tickets.schemas import TicketCreate
from sigap.tickets.scope import ticket_filter

DEFAULT_GRANT_HOURS = 12


def add_event(session: Session, ticket: Ticket, actor: Actor, kind: str, body: str = "", *,
              from_state: str | None = None, to_state: str | None = None,
              data: dict[str, object] | None = None) -> TicketEvent:
    """Append one row to the ticket's event log (never updated afterwards)."""
    event = TicketEvent(ticket_id=ticket.id, at=utcnow(), kind=kind, actor_id=actor.staff_id,
                        from_state=from_state, to_state=to_state, body=body, data=data or {})
    session.add(event)
    return event


def customer_allowed(session: Session, actor: Actor, customer_id: int,
                     grant_hours: int = DEFAULT_GRANT_HOURS) -> bool:
    """Whether the actor may work for this customer (the customers domain decides, D7)."""
    from sigap.customers import service as customer_service

    return customer_service.customer_in_scope(session, actor, customer_id, grant_hours)


def _staff_team(session: Session, staff_id: int) -> int | None:
    row = session.execute(
        select(Staff.id, Staff.team_id).where(Staff.id == staff_id, Staff.active.is_(True))
    ).first()
    if row is None:
        raise InvalidInput(f"Staf {staff_id} tidak ditemukan atau tidak aktif.", field="owner_id")
    return row.team_id


def check_team(session: Session, team_id: int) -> None:
    if session.scalar(select(Team.id).where(Team.id == team_id)) is None:
        raise InvalidInput(f"Tim {team_id} tidak ditemukan.", field="team_id")


def create_ticket(session: Session, actor: Actor, data: TicketCreate,
                  grant_hours: int = DEFAULT_GRANT_HOURS) -> Ticket:
    """Open a ticket for a customer the actor may work for (D9)."""
    from sigap.customers import service as customer_service

    priority = customer_service.priority_in_scope(session, actor, data.customer_id, grant_hours)
    if priority is None:
        raise NotFound(f"Pelanggan {data.customer_id} tidak ditemukan.", field="customer_id")
    product = ""
    if data.service_id is not None:
        found = session.execute(
            select(CustomerService.customer_id, CustomerService.product)
            .where(CustomerService.id == data.service_id)
        ).first()
        if found is None or found.customer_id != data.customer_id:
            raise InvalidInput("Layanan tersebut bukan milik pelanggan ini.", field="service_id")
        product = found.product
    if data.owner_id is not None:
        _staff_team(session, data.owner_id)
    if data.team_id is not None:
        check_team(session, data.team_id)
    owner_id = data.owner_id
    if owner_id is None and actor.role == Role.agent:
        owner_id = actor.staff_id
    row = intake.ticket_rows(session, actor, [intake.NewTicket(
        customer_id=data.customer_id, type=data.type, subject=data.subject,
        description=data.description, channel=data.channel, tier=data.tier,
        team_id=data.team_id if data.team_id is not None else actor.team_id,
        service_id=data.service_id, category=data.category, severity=data.severity,
        owner_id=owner_id, hard_complaint=data.hard_complaint, priority=bool(priority),
        product=product)])[0]
    # The row is written; attach it to the session as the loaded ticket it is (no flush,
    # no re-read), so callers go on working with it like any other.
    ticket = Ticket(**row)
    make_transient_to_detached(ticket)
    session.add(ticket)
    if data.interaction_id is not None:
        from sigap.tickets import interaction as interaction_service

        interaction_service.link(session, actor, data.interaction_id, ticket)
    if data.hard_complaint:
        from sigap.tickets.actions import route_hard_complaint

        route_hard_complaint(session, actor, ticket, "ditandai saat tiket dibuka")
    return ticket


def get_ticket(session: Session, actor: Actor, ticket_id: int,
               permission: str = "tickets.read", *, full: bool = False) -> Ticket:
    """The ticket if it is in the actor's scope for `permission`; otherwise 404."""
    stmt = select(Ticket).where(Ticket.id == ticket_id, ticket_filter(actor, permission))
    if full:
        stmt = stmt.options(
            joinedload(Ticket.owner), joinedload(Ticket.team), joinedload(Ticket.customer),
            joinedload(Ticket.service), joinedload(Ticket.created_by),
        )
    ticket = session.scalar(stmt)
    if ticket is None:
        raise NotFound(f"Tiket {ticket_id} tidak ditemukan.")
    return ticket


@dataclass
class TicketFilters:
    state: Sequence[str] = ()
    type: str | None = None
    owner: str | None = None  # "me" or a staff id
    team_id: int | None = None
    customer_id: int | None = None
    service_id: int | None = None
    priority: bool | None = None
    channel: str | None = None
    tier: int | None = None
    q: str | None = None
    unassigned: bool = False
    exclude_states: Sequence[str] = field(default_factory=tuple)


def _owner_id(actor: Actor, owner: str) -> int:
    if owner == "me":
        if actor.staff_id is None:
            raise InvalidInput("Pengguna sistem tidak punya loker.", field="owner")
        return actor.staff_id
    try:
        return int(owner)
    except ValueError:
        raise InvalidInput("owner harus 'me' atau id staf.", field="owner") from None


def ticket_query(actor: Actor, filters: TicketFilters) -> Select[Ticket]:
    """The scoped, filtered select behind every ticket list; priority first, then oldest."""
    valid = {s.value for s in TicketState}
    for state in filters.state:
        if state not in valid:
            raise InvalidInput(f"Status '{state}' tidak dikenal.", field="state")
    stmt = select(Ticket).where(ticket_filter(actor, "tickets.read"))
    if filters.state:
        stmt = stmt.where(Ticket.state.in_(list(filters.state)))
    if filters.exclude_states:
        stmt = stmt.where(Ticket.state.not_in(list(filters.exclude_states)))
    if filters.type:
        stmt = stmt.where(Ticket.type == filters.type)
    if filters.owner:
        stmt = stmt.where(Ticket.owner_id == _owner_id(actor, filters.owner))
    if filters.unassigned:
        stmt = stmt.where(Ticket.owner_id.is_(None))
    for column, value in (
        (Ticket.team_id, filters.team_id), (Ticket.customer_id, filters.customer_id),
        (Ticket.service_id, filters.service_id), (Ticket.priority, filters.priority),
        (Ticket.channel, filters.channel or None), (Ticket.tier, filters.tier),
    ):
        if value is not None:
            stmt = stmt.where(column == value)
    if filters.q:
        text = filters.q.strip()
        stmt = stmt.where(or_(Ticket.number == text.upper(), Ticket.subject.ilike(f"%{text}%")))
    severity_rank = case({"critical": 0, "major": 1, "minor": 2, "low": 3},
                         value=Ticket.severity, else_=4)
    return stmt.order_by(Ticket.priority.desc(), Ticket.hard_complaint.desc(), severity_rank,
                         Ticket.created_at, Ticket.id)


def list_tickets(session: Session, actor: Actor, filters: TicketFilters,
                 params: PageParams) -> Page[Ticket]:
    stmt = ticket_query(actor, filters).options(
        joinedload(Ticket.owner), joinedload(Ticket.customer), joinedload(Ticket.team)
    )
    return paginate(session, stmt, params)


@dataclass(frozen=True)
class OpenTicket:
    """A line of the "old or new?" check: enough to recognise the case, nothing more."""

    id: int
    number: str
    state: str
    subject: str
    owner_name: str | None
    team_name: str | None
    opened_at: dt.datetime


def open_tickets_on_service(session: Session, actor: Actor, customer_id: int,
                            service_id: int | None) -> list[OpenTicket]:
    """The customer's active tickets on the same service, in any team (D12, SOP 5.3)."""
    stmt = (
        select(Ticket.id, Ticket.number, Ticket.state, Ticket.subject, Ticket.created_at,
               Staff.online_name, Team.name)
        .outerjoin(Staff, Staff.id == Ticket.owner_id)
        .outerjoin(Team, Team.id == Ticket.team_id)
        .where(Ticket.customer_id == customer_id, Ticket.state.in_(ACTIVE_STATES),
               Ticket.merged_into_id.is_(None))
        .order_by(Ticket.created_at.desc())
        .limit(50)
    )
    stmt = stmt.where(Ticket.service_id == service_id if service_id is not None
                      else Ticket.service_id.is_(None))
    return [OpenTicket(id=r[0], number=r[1], state=r[2], subject=r[3], opened_at=r[4],
                       owner_name=r[5], team_name=r[6]) for r in session.execute(stmt)]


def attach_to_existing(session: Session, actor: Actor, ticket_id: int, note: str,
                       interaction_id: int | None = None) -> Ticket:
    """Record a repeat contact on the customer's open ticket instead of a new one (D12).

    The open ticket may belong to another team: the check shows it across scopes, so the
    contact may be added to it as long as it is still active.
    """
    ticket = session.scalar(
        select(Ticket).where(Ticket.id == ticket_id,
                             or_(ticket_filter(actor, "tickets.write"),
                                 Ticket.state.in_(ACTIVE_STATES)))
    )
    if ticket is None or ticket.merged_into_id is not None:
        raise NotFound(f"Tiket {ticket_id} tidak ditemukan.")
    if not note.strip():
        raise InvalidInput("Catatan kontak wajib diisi.", field="note")
    add_event(session, ticket, actor, EventKind.note, note,
              data={"attached": True, "interaction_id": interaction_id})
    if interaction_id is not None:
        from sigap.tickets import interaction as interaction_service

        interaction_service.link(session, actor, interaction_id, ticket)
    ticket.updated_at = utcnow()
    return ticket


@dataclass(frozen=True)
class TimelineEntry:
    event: TicketEvent
    actor_name: str | None


def timeline(session: Session, ticket: Ticket) -> list[TimelineEntry]:
    """Every event of the ticket in order, with who did it (one query)."""
    events = session.scalars(
        select(TicketEvent).options(joinedload(TicketEvent.actor))
        .where(TicketEvent.ticket_id == ticket.id)
        .order_by(TicketEvent.at, TicketEvent.id)
    )
    return [TimelineEntry(e, e.actor.online_name if e.actor else None) for e in events]


def interactions_of(session: Session, ticket: Ticket) -> list[Interaction]:
    return list(session.scalars(
        select(Interaction).where(Interaction.ticket_id == ticket.id)
        .order_by(Interaction.arrived_at)
    ))


def state_counts(session: Session, actor: Actor, filters: TicketFilters) -> dict[str, int]:
    """How many tickets per state in the actor's scope (one grouped query)."""
    from sqlalchemy import func

    base = ticket_query(actor, TicketFilters(
        type=filters.type, owner=filters.owner, team_id=filters.team_id,
        channel=filters.channel, q=filters.q, unassigned=filters.unassigned,
    )).order_by(None).subquery()
    rows = session.execute(select(base.c.state, func.count()).group_by(base.c.state))
    return {state: int(n) for state, n in rows}


def inbound_contact_times(
    session: Session, channel: str, start: dt.datetime, end: dt.datetime
) -> list[tuple[dt.datetime, dt.datetime | None, dt.datetime | None]]:
    """(arrived, answered, ended) of every inbound interaction of a channel that arrived in
    [start, end): the history workforce planning counts volumes and handle times from."""
    rows = session.execute(
        select(Interaction.arrived_at, Interaction.answered_at, Interaction.ended_at)
        .where(Interaction.channel == channel, Interaction.direction == "inbound",
               Interaction.arrived_at >= start, Interaction.arrived_at < end)
        .order_by(Interaction.arrived_at))
    return [(a, b, c) for a, b, c in rows]
