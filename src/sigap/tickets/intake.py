"""Writing new tickets and inbound contacts in a few statements, one or many at a time.

A mailbox backlog or a burst of chats arrives by the hundred, and the ticket API opens one
ticket at a time at a high rate. Opening a ticket through the ORM costs a flush, an
audit-hook pass and several single-row INSERTs; here each table gets one (multi-row)
INSERT, and the audit trail gets the same `.create` rows with the values written
(`audit.record_created`). This is the only place tickets are inserted: the customer's
priority flag and the service's product are copied onto the ticket, numbers come from the
year's counter, and the `created` and `interaction_linked` events are written.
`service.create_ticket` checks the caller's rights and the references first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from sigap.auth import audit
from sigap.auth.actor import Actor
from sigap.core.clock import utcnow
from sigap.customers.models import Customer, CustomerService
from sigap.tickets.models import (
    Direction,
    EscalationLevel,
    EventKind,
    Interaction,
    Ticket,
    TicketEvent,
    TicketState,
)
from sigap.tickets.numbers import reserve_numbers

# Core inserts on the tables, built once: the ORM's bulk layer, and building the statement
# for every ticket, cost more than the statements themselves.
_TICKETS: Table = Ticket.__table__  # type: ignore[assignment]
_INSERT_TICKETS = insert(_TICKETS).returning(_TICKETS.c.id, sort_by_parameter_order=True)
_INSERT_EVENTS = insert(TicketEvent.__table__)  # type: ignore[arg-type]


@dataclass(frozen=True)
class NewTicket:
    customer_id: int
    type: str
    subject: str
    description: str
    channel: str
    tier: int
    team_id: int | None
    service_id: int | None = None
    category: str = ""
    severity: str = "minor"
    owner_id: int | None = None
    hard_complaint: bool = False
    # Known already to a caller that checked them (else read here, one query per kind).
    priority: bool | None = None
    product: str | None = None


@dataclass(frozen=True)
class Contact:
    """One inbound contact on a ticket that exists (or is opened in the same batch)."""

    ticket_id: int
    customer_id: int
    channel: str
    provider_id: str
    from_address: str
    to_address: str
    subject: str
    body: str


def open_tickets(session: Session, actor: Actor, items: Sequence[NewTicket],
                 now: dt.datetime | None = None) -> list[tuple[int, str]]:
    """Open the tickets; (id, number) of each, in order."""
    return [(row["id"], row["number"]) for row in ticket_rows(session, actor, items, now)]


def ticket_rows(session: Session, actor: Actor, items: Sequence[NewTicket],
                now: dt.datetime | None = None) -> list[dict[str, Any]]:
    """Open the tickets; the full row written for each (with its id), in order."""
    if not items:
        return []
    now = now or utcnow()
    unknown = {i.customer_id for i in items if i.priority is None}
    priority = dict(session.execute(select(Customer.id, Customer.priority)
                                    .where(Customer.id.in_(unknown))).all()) \
        if unknown else {}
    services = {i.service_id for i in items if i.service_id is not None and i.product is None}
    products = dict(session.execute(select(CustomerService.id, CustomerService.product)
                                    .where(CustomerService.id.in_(services))).all()) \
        if services else {}
    numbers = reserve_numbers(session, now.year, len(items))
    rows = [{
        "number": number, "type": i.type, "category": i.category, "subject": i.subject,
        "description": i.description, "customer_id": i.customer_id,
        "service_id": i.service_id,
        "product": i.product if i.product is not None else products.get(i.service_id or 0, ""),
        "severity": i.severity,
        "priority": i.priority if i.priority is not None else bool(priority.get(i.customer_id)),
        "hard_complaint": i.hard_complaint, "tier": i.tier, "channel": i.channel,
        "state": TicketState.new, "pending_reason": None, "owner_id": i.owner_id,
        "team_id": i.team_id, "escalation_level": EscalationLevel.agent, "backend_unit": "",
        "merged_into_id": None, "consent_at": None, "consent_note": "",
        "first_response_at": None, "resolved_at": None, "closed_at": None, "reopen_count": 0,
        "created_by_id": actor.staff_id, "pic_id": None, "created_at": now, "updated_at": now,
    } for i, number in zip(items, numbers, strict=True)]
    conn = session.connection()
    ids = list(conn.execute(_INSERT_TICKETS, rows).scalars())
    conn.execute(_INSERT_EVENTS, [{
        "ticket_id": tid, "at": now, "kind": EventKind.created, "actor_id": actor.staff_id,
        "from_state": None, "to_state": TicketState.new, "body": item.subject,
        "data": {"channel": item.channel, "type": item.type},
    } for tid, item in zip(ids, items, strict=True)])
    for tid, row in zip(ids, rows, strict=True):
        row["id"] = tid
    audit.record_created(session, "tickets", ids, rows=rows)
    return rows


def record_contacts(session: Session, actor: Actor, items: Sequence[Contact],
                    now: dt.datetime | None = None) -> list[int]:
    """Store the inbound contacts on their tickets with an `interaction_linked` event each;
    their ids, in order."""
    if not items:
        return []
    now = now or utcnow()
    rows = [{
        "channel": c.channel, "direction": Direction.inbound, "customer_id": c.customer_id,
        "ticket_id": c.ticket_id, "agent_id": None, "arrived_at": now, "queued_at": now,
        "answered_at": None, "ended_at": None, "from_address": c.from_address[:200],
        "to_address": c.to_address[:200], "subject": c.subject[:300], "body": c.body[:20000],
        "recording_ref": "", "provider_id": c.provider_id[:250], "created_at": now,
        "updated_at": now,
    } for c in items]
    ids = list(session.scalars(
        insert(Interaction).returning(Interaction.id, sort_by_parameter_order=True), rows))
    session.execute(insert(TicketEvent), [{
        "ticket_id": c.ticket_id, "at": now, "kind": EventKind.interaction_linked,
        "actor_id": actor.staff_id, "from_state": None, "to_state": None, "body": "",
        "data": {"interaction_id": iid, "channel": c.channel},
    } for iid, c in zip(ids, items, strict=True)])
    audit.record_created(session, "interactions", ids, {"intake": items[0].channel})
    return ids
