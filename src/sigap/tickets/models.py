"""Tickets, interactions and the append-only ticket event log (D8–D13)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sigap.core.clock import utcnow
from sigap.customers.models import Customer, CustomerService
from sigap.db.base import Base, TimestampMixin
from sigap.org.models import Staff, Team


class TicketType(StrEnum):
    gangguan = "gangguan"  # fault / complaint
    informasi = "informasi"
    permintaan = "permintaan"


class TicketState(StrEnum):
    new = "new"
    open = "open"
    pending = "pending"
    resolved = "resolved"
    closed = "closed"


class PendingReason(StrEnum):
    customer = "customer"  # waiting on the customer
    backend = "backend"  # waiting on the client's backend unit


class Severity(StrEnum):
    critical = "critical"
    major = "major"
    minor = "minor"
    low = "low"


class EscalationLevel(StrEnum):
    agent = "agent"
    team_leader = "team_leader"
    supervisor = "supervisor"
    backend = "backend"


class Direction(StrEnum):
    inbound = "inbound"
    outbound = "outbound"


class EventKind(StrEnum):
    created = "created"
    state_changed = "state_changed"
    assigned = "assigned"
    escalated = "escalated"
    taken_over = "taken_over"
    note = "note"  # internal note
    customer_update = "customer_update"  # update sent to the customer
    interaction_linked = "interaction_linked"
    merged = "merged"  # this ticket absorbed another
    merged_into = "merged_into"  # this ticket was merged into another
    consent_recorded = "consent_recorded"
    field_changed = "field_changed"


class TicketCounter(Base):
    """Per-year sequence behind T-YYYY-NNNNNN, incremented atomically."""

    __tablename__ = "ticket_counters"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(default=0)


class Ticket(TimestampMixin, Base):
    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_owner_state", "owner_id", "state"),
        Index("ix_tickets_team_state", "team_id", "state"),
        Index("ix_tickets_customer_state", "customer_id", "state"),
        Index("ix_tickets_service_state", "service_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    type: Mapped[str] = mapped_column(String(16))
    category: Mapped[str] = mapped_column(String(80), default="")
    subject: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    service_id: Mapped[int | None] = mapped_column(
        ForeignKey("customer_services.id"), nullable=True
    )
    product: Mapped[str] = mapped_column(String(20), default="")
    severity: Mapped[str] = mapped_column(String(12), default=Severity.minor)
    priority: Mapped[bool] = mapped_column(default=False)
    hard_complaint: Mapped[bool] = mapped_column(default=False)
    tier: Mapped[int] = mapped_column(default=1)
    channel: Mapped[str] = mapped_column(String(16), default="voice")
    state: Mapped[str] = mapped_column(String(12), default=TicketState.new, index=True)
    pending_reason: Mapped[str | None] = mapped_column(String(12), nullable=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), nullable=True)
    escalation_level: Mapped[str] = mapped_column(String(16), default=EscalationLevel.agent)
    backend_unit: Mapped[str] = mapped_column(String(80), default="")
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), nullable=True)
    consent_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    consent_note: Mapped[str] = mapped_column(Text, default="")
    first_response_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    closed_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    reopen_count: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    # The PIC who follows a priority customer's ticket until it is done (W-19).
    pic_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)

    customer: Mapped[Customer] = relationship()
    service: Mapped[CustomerService | None] = relationship()
    owner: Mapped[Staff | None] = relationship(foreign_keys=[owner_id])
    pic: Mapped[Staff | None] = relationship(foreign_keys=[pic_id])
    team: Mapped[Team | None] = relationship()
    created_by: Mapped[Staff | None] = relationship(foreign_keys=[created_by_id])


class TicketEvent(Base):
    """Everything that happened to a ticket. Rows are never updated or deleted, so SLA
    clocks can be recomputed from them at any time."""

    __tablename__ = "ticket_events"
    __table_args__ = (Index("ix_ticket_events_ticket_at", "ticket_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(24))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    from_state: Mapped[str | None] = mapped_column(String(12), nullable=True)
    to_state: Mapped[str | None] = mapped_column(String(12), nullable=True)
    body: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)

    actor: Mapped[Staff | None] = relationship()


class Interaction(TimestampMixin, Base):
    """One contact on one channel, inbound or outbound."""

    __tablename__ = "interactions"
    __table_args__ = (
        UniqueConstraint("channel", "provider_id"),
        Index("ix_interactions_customer_arrived", "customer_id", "arrived_at"),
        Index("ix_interactions_ticket", "ticket_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    direction: Mapped[str] = mapped_column(String(10), default=Direction.inbound)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), nullable=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), nullable=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    arrived_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    queued_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    answered_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    ended_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    from_address: Mapped[str] = mapped_column(String(200), default="")
    to_address: Mapped[str] = mapped_column(String(200), default="")
    subject: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    recording_ref: Mapped[str] = mapped_column(String(300), default="")
    # The provider's id (WhatsApp message id, Message-ID, call id): dedupes retries.
    provider_id: Mapped[str | None] = mapped_column(String(250), nullable=True)

    customer: Mapped[Customer | None] = relationship()
    agent: Mapped[Staff | None] = relationship()


@event.listens_for(TicketEvent, "before_update")
@event.listens_for(TicketEvent, "before_delete")
def _events_are_append_only(*_args: object) -> None:
    raise RuntimeError("ticket_events is append-only")
