"""Alarms from link monitoring, deduplicated by fingerprint, and the rules that decide
whether an alarm opens its ticket at once or waits for the pro-active agent."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sigap.core.clock import utcnow
from sigap.db.base import Base, TimestampMixin


class Alarm(TimestampMixin, Base):
    __tablename__ = "alarms"
    __table_args__ = (UniqueConstraint("source", "fingerprint"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(16))  # alertmanager / json
    fingerprint: Mapped[str] = mapped_column(String(120))
    name: Mapped[str] = mapped_column(String(200), default="")
    severity: Mapped[str] = mapped_column(String(20), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="firing")  # firing / resolved
    labels: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    starts_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    ends_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    service_id: Mapped[int | None] = mapped_column(ForeignKey("customer_services.id"),
                                                   nullable=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), nullable=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), nullable=True)
    # The pro-active follow-up (KPI "follow up alarm Pro-Active: clear atau valid").
    follow_up: Mapped[str] = mapped_column(String(10), default="pending")  # valid / clear
    followed_up_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    followed_up_by: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    informed_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    deliveries: Mapped[int] = mapped_column(default=1)


class AlarmRule(Base):
    """When an alarm's label equals the value, it opens its ticket at once (`auto`) or
    waits for validation (`validate`). The first matching rule by position wins; with no
    rule an alarm waits for validation."""

    __tablename__ = "alarm_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(default=100)
    label: Mapped[str] = mapped_column(String(60))
    value: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(10))  # auto / validate
