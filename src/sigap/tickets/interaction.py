"""Interactions (D8): one contact on one channel, stored once per provider id."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, false, or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sigap.auth.actor import Actor
from sigap.auth.permissions import Scope, scope_for
from sigap.core.clock import utcnow
from sigap.core.errors import Conflict, InvalidInput, NotFound
from sigap.core.pagination import Page, PageParams, paginate
from sigap.customers.models import Customer
from sigap.org.models import Staff
from sigap.tickets.models import EventKind, Interaction, Ticket
from sigap.tickets.schemas import InteractionCreate, InteractionUpdate
from sigap.tickets.scope import ticket_filter
from sigap.tickets.service import add_event, get_ticket


def check_times(arrived: dt.datetime, queued: dt.datetime | None,
                answered: dt.datetime | None, ended: dt.datetime | None) -> None:
    """Timestamps must follow the contact: arrived ≤ queued, answered; answered ≤ ended."""
    if queued is not None and queued < arrived:
        raise InvalidInput("queued_at tidak boleh sebelum arrived_at.", field="queued_at")
    if answered is not None and answered < arrived:
        raise InvalidInput("answered_at tidak boleh sebelum arrived_at.", field="answered_at")
    if ended is not None:
        if ended < arrived:
            raise InvalidInput("ended_at tidak boleh sebelum arrived_at.", field="ended_at")
        if answered is not None and ended < answered:
            raise InvalidInput("ended_at tidak boleh sebelum answered_at.", field="ended_at")


def interaction_filter(actor: Actor, permission: str = "tickets.read") -> ColumnElement[bool]:
    """Own interactions, those of tickets in scope, and the team's or site's agents'."""
    if actor.is_system:
        return true()
    scope = scope_for(actor.role, permission)
    if scope is None:
        return false()
    if scope is Scope.all:
        return true()
    clauses: list[ColumnElement[bool]] = [
        Interaction.ticket_id.in_(select(Ticket.id).where(ticket_filter(actor, "tickets.read")))
    ]
    if actor.staff_id is not None:
        clauses.append(Interaction.agent_id == actor.staff_id)
    if scope is Scope.team and actor.team_ids:
        clauses.append(Interaction.agent_id.in_(
            select(Staff.id).where(Staff.team_id.in_(actor.team_ids))))
    if scope is Scope.site and actor.site_id is not None:
        clauses.append(Interaction.agent_id.in_(
            select(Staff.id).where(Staff.site_id == actor.site_id)))
    return or_(*clauses)


def _existing(session: Session, channel: str, provider_id: str) -> Interaction | None:
    return session.scalar(select(Interaction).where(Interaction.channel == channel,
                                                    Interaction.provider_id == provider_id))


def create_interaction(session: Session, actor: Actor,
                       data: InteractionCreate) -> tuple[Interaction, bool]:
    """Store a contact; (interaction, created). A repeated provider id returns the first."""
    if data.provider_id:
        found = _existing(session, data.channel, data.provider_id)
        if found is not None:
            return found, False
    arrived = data.arrived_at or utcnow()
    check_times(arrived, data.queued_at, data.answered_at, data.ended_at)
    customer_id = data.customer_id
    if customer_id is not None and session.get(Customer, customer_id) is None:
        raise InvalidInput(f"Pelanggan {customer_id} tidak ditemukan.", field="customer_id")
    ticket: Ticket | None = None
    if data.ticket_id is not None:
        try:
            ticket = get_ticket(session, actor, data.ticket_id, "tickets.write")
        except NotFound:
            raise InvalidInput(f"Tiket {data.ticket_id} tidak ditemukan.",
                               field="ticket_id") from None
        if customer_id is None:
            customer_id = ticket.customer_id
        elif customer_id != ticket.customer_id:
            raise InvalidInput("Tiket itu milik pelanggan lain.", field="ticket_id")
    agent_id = data.agent_id if data.agent_id is not None else actor.staff_id
    if data.agent_id is not None and session.get(Staff, data.agent_id) is None:
        raise InvalidInput(f"Staf {data.agent_id} tidak ditemukan.", field="agent_id")
    item = Interaction(
        channel=data.channel, direction=data.direction, customer_id=customer_id,
        ticket_id=ticket.id if ticket else None, agent_id=agent_id, arrived_at=arrived,
        queued_at=data.queued_at, answered_at=data.answered_at, ended_at=data.ended_at,
        from_address=data.from_address, to_address=data.to_address, subject=data.subject,
        body=data.body, recording_ref=data.recording_ref, provider_id=data.provider_id,
    )
    try:
        with session.begin_nested():
            session.add(item)
            session.flush()
    except IntegrityError:
        # A concurrent retry of the same provider message won the race: answer with it.
        if data.provider_id:
            found = _existing(session, data.channel, data.provider_id)
            if found is not None:
                return found, False
        raise
    if ticket is not None:
        add_event(session, ticket, actor, EventKind.interaction_linked,
                  data={"interaction_id": item.id, "channel": item.channel})
    return item, True


def get_interaction(session: Session, actor: Actor, interaction_id: int,
                    permission: str = "tickets.read") -> Interaction:
    item = session.scalar(select(Interaction).where(Interaction.id == interaction_id,
                                                    interaction_filter(actor, permission)))
    if item is None:
        raise NotFound(f"Interaksi {interaction_id} tidak ditemukan.")
    return item


def update_interaction(session: Session, actor: Actor, interaction_id: int,
                       data: InteractionUpdate) -> Interaction:
    """Later facts of a contact: queued, answered, ended, recording."""
    item = get_interaction(session, actor, interaction_id, "interactions.write")
    changes = data.model_dump(exclude_unset=True)
    times = {k: changes.get(k, getattr(item, k))
             for k in ("queued_at", "answered_at", "ended_at")}
    check_times(item.arrived_at, times["queued_at"], times["answered_at"], times["ended_at"])
    for key, value in changes.items():
        if value is None and key in ("recording_ref", "subject", "body"):
            continue
        setattr(item, key, value)
    return item


def link(session: Session, actor: Actor, interaction_id: int, ticket: Ticket) -> Interaction:
    """Attach an interaction to a ticket the caller already may write to."""
    item = session.scalar(select(Interaction).where(
        Interaction.id == interaction_id, interaction_filter(actor, "interactions.write")))
    if item is None:
        raise InvalidInput(f"Interaksi {interaction_id} tidak ditemukan.",
                           field="interaction_id")
    if item.ticket_id == ticket.id:
        return item
    if item.ticket_id is not None:
        raise Conflict("Interaksi ini sudah terhubung ke tiket lain.", field="interaction_id")
    if item.customer_id is None:
        item.customer_id = ticket.customer_id
    elif item.customer_id != ticket.customer_id:
        raise InvalidInput("Interaksi ini milik pelanggan lain.", field="interaction_id")
    item.ticket_id = ticket.id
    add_event(session, ticket, actor, EventKind.interaction_linked,
              data={"interaction_id": item.id, "channel": item.channel})
    return item


def link_to_ticket(session: Session, actor: Actor, interaction_id: int,
                   ticket_id: int) -> Interaction:
    get_interaction(session, actor, interaction_id, "interactions.write")
    try:
        ticket = get_ticket(session, actor, ticket_id, "tickets.write")
    except NotFound:
        raise InvalidInput(f"Tiket {ticket_id} tidak ditemukan.", field="ticket_id") from None
    return link(session, actor, interaction_id, ticket)


@dataclass
class InteractionFilters:
    customer_id: int | None = None
    ticket_id: int | None = None
    channel: str | None = None
    agent: str | None = None  # "me" or a staff id
    since: dt.datetime | None = None
    until: dt.datetime | None = None


def list_interactions(session: Session, actor: Actor, filters: InteractionFilters,
                      params: PageParams) -> Page[Interaction]:
    stmt = select(Interaction).where(interaction_filter(actor))
    if filters.customer_id is not None:
        stmt = stmt.where(Interaction.customer_id == filters.customer_id)
    if filters.ticket_id is not None:
        stmt = stmt.where(Interaction.ticket_id == filters.ticket_id)
    if filters.channel:
        stmt = stmt.where(Interaction.channel == filters.channel)
    if filters.agent:
        if filters.agent == "me":
            stmt = stmt.where(Interaction.agent_id == actor.staff_id)
        elif filters.agent.isdigit():
            stmt = stmt.where(Interaction.agent_id == int(filters.agent))
        else:
            raise InvalidInput("agent harus 'me' atau id staf.", field="agent")
    if filters.since is not None:
        stmt = stmt.where(Interaction.arrived_at >= filters.since)
    if filters.until is not None:
        stmt = stmt.where(Interaction.arrived_at < filters.until)
    stmt = stmt.order_by(Interaction.arrived_at.desc(), Interaction.id.desc())
    return paginate(session, stmt, params)
