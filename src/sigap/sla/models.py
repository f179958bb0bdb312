"""SLA policies, the notices already raised for a ticket, and caring tasks (D15, D10)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sigap.core.clock import utcnow
from sigap.db.base import Base, TimestampMixin


class SlaPolicy(TimestampMixin, Base):
    """Targets for tickets matching segment, product, channel and severity ("" = any); the
    most specific active match applies."""

    __tablename__ = "sla_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    segment: Mapped[str] = mapped_column(String(12), default="")
    product: Mapped[str] = mapped_column(String(20), default="")
    channel: Mapped[str] = mapped_column(String(16), default="")
    severity: Mapped[str] = mapped_column(String(12), default="")
    calendar: Mapped[str] = mapped_column(String(10), default="tenesa")
    response_minutes: Mapped[int] = mapped_column(default=30)
    update_minutes: Mapped[int] = mapped_column(default=60)
    ttr_minutes: Mapped[int | None] = mapped_column(nullable=True)
    warn_percent: Mapped[int] = mapped_column(default=80)
    active: Mapped[bool] = mapped_column(default=True)


class SlaNotice(Base):
    """A warning or breach already raised for one clock of a ticket (raised once)."""

    __tablename__ = "sla_notices"
    __table_args__ = (UniqueConstraint("ticket_id", "clock", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    clock: Mapped[str] = mapped_column(String(20))  # first_response / update / ttr
    kind: Mapped[str] = mapped_column(String(10))  # warning / breach
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class CaringTask(Base):
    """Tier 2 Caring calls the customer back: every ticket that missed its SLA and every
    hard complaint (D10, D15.10); the confirmation is what the KPI counts."""

    __tablename__ = "caring_tasks"
    __table_args__ = (UniqueConstraint("ticket_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"))
    reason: Mapped[str] = mapped_column(String(200))
    opened_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    confirmed_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
