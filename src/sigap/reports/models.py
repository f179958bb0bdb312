"""KPI rollups: one fact row per ticket and per inbound voice call, kept by the worker from
the ticket event log (and the calls), so a board is a GROUP BY over them. Every row can be
thrown away and recomputed (`sigap kpi rollup --full`)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from sigap.db.base import Base


class KpiTicketFact(Base):
    """A ticket's KPI readings under its SLA policy. Hours are whole hours since the epoch
    in UTC: every Indonesian zone is a whole number of hours from UTC, so a local day is a
    sum of UTC hours and the trend needs no time-zone arithmetic in SQL."""

    __tablename__ = "kpi_ticket_facts"
    __table_args__ = (
        Index("ix_kpi_ticket_facts_opened", "opened_at"),
        Index("ix_kpi_ticket_facts_resolved", "resolved_at"),
        Index("ix_kpi_ticket_facts_customer", "customer_id"),
    )

    ticket_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    opened_at: Mapped[dt.datetime] = mapped_column()
    opened_hour: Mapped[int] = mapped_column()
    resolved_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    resolved_hour: Mapped[int | None] = mapped_column(nullable=True)
    customer_id: Mapped[int] = mapped_column()
    site_id: Mapped[int | None] = mapped_column(nullable=True)
    team_id: Mapped[int | None] = mapped_column(nullable=True)
    agent_id: Mapped[int | None] = mapped_column(nullable=True)  # the owner
    channel: Mapped[str] = mapped_column(String(16), default="")
    segment: Mapped[str] = mapped_column(String(12), default="")
    product: Mapped[str] = mapped_column(String(20), default="")
    policy_id: Mapped[int] = mapped_column(default=0)
    # D15.4: the first update to the customer, and when the target fell (falls) due.
    responded: Mapped[bool] = mapped_column(default=False)
    response_met: Mapped[bool] = mapped_column(default=False)
    response_due_at: Mapped[dt.datetime] = mapped_column()
    # Resolved tickets only (NULL while open): D15.5, D15.6, D15.8, D15.12.
    update_met: Mapped[bool | None] = mapped_column(nullable=True)
    ttr_seconds: Mapped[float | None] = mapped_column(nullable=True)  # customer TTR
    ttr_target: Mapped[bool | None] = mapped_column(nullable=True)  # policy sets a TTR
    ttr_met: Mapped[bool | None] = mapped_column(nullable=True)
    own_queue_seconds: Mapped[float | None] = mapped_column(nullable=True)
    contacts: Mapped[int] = mapped_column(default=0)
    reopened: Mapped[bool] = mapped_column(default=False)
    # Seconds from the resolution to the customer's next ticket on the same service.
    repeat_after_seconds: Mapped[float | None] = mapped_column(nullable=True)
    last_event_id: Mapped[int] = mapped_column(default=0)


class KpiVoiceFact(Base):
    """An inbound voice call for service level (D15.3): its wait, answered or abandoned."""

    __tablename__ = "kpi_voice_facts"
    __table_args__ = (Index("ix_kpi_voice_facts_arrived", "arrived_at"),)

    interaction_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    arrived_at: Mapped[dt.datetime] = mapped_column()
    arrived_hour: Mapped[int] = mapped_column()
    agent_id: Mapped[int | None] = mapped_column(nullable=True)
    team_id: Mapped[int | None] = mapped_column(nullable=True)
    site_id: Mapped[int | None] = mapped_column(nullable=True)
    answered: Mapped[bool] = mapped_column(default=False)
    abandoned: Mapped[bool] = mapped_column(default=False)
    wait_seconds: Mapped[float] = mapped_column(default=0.0)
    settled: Mapped[bool] = mapped_column(default=False)  # answered or ended: final


class KpiWatermark(Base):
    """How far the rollup has read: the last ticket event id and interaction id seen."""

    __tablename__ = "kpi_watermarks"

    name: Mapped[str] = mapped_column(String(20), primary_key=True)
    last_id: Mapped[int] = mapped_column(default=0)
    at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
