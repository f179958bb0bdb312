"""CTI call events as they arrived, and ACD interval reports."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sigap.core.clock import utcnow
from sigap.db.base import Base, TimestampMixin


class CallEvent(Base):
    """One event of a call, kept as sent; the call's interaction is rebuilt from all of
    them in event-time order, so events may arrive in any order."""

    __tablename__ = "call_events"
    __table_args__ = (UniqueConstraint("event_key"), Index("ix_call_events_call", "call_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    event_key: Mapped[str] = mapped_column(String(200))  # the PBX's event id, or derived
    call_id: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(16))
    at: Mapped[dt.datetime]
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    data: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)


class AcdInterval(TimestampMixin, Base):
    """One queue's figures for one interval, from the ACD's interval report."""

    __tablename__ = "acd_intervals"
    __table_args__ = (UniqueConstraint("interval_start", "queue"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    interval_start: Mapped[dt.datetime]
    queue: Mapped[str] = mapped_column(String(60))
    offered: Mapped[int] = mapped_column(default=0)
    answered: Mapped[int] = mapped_column(default=0)
    abandoned: Mapped[int] = mapped_column(default=0)
    answered_within: Mapped[int] = mapped_column(default=0)
    handle_seconds: Mapped[int] = mapped_column(default=0)
    wait_seconds: Mapped[int] = mapped_column(default=0)
