"""Agent presence: the current state of each person and every change, with its time."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from sigap.core.clock import utcnow
from sigap.db.base import Base


class AgentState(StrEnum):
    ready = "ready"
    busy = "busy"  # on work
    acw = "acw"  # after-call work
    aux = "aux"  # not available, with a reason code
    offline = "offline"


class AuxReason(Base):
    """The reason codes an agent may give for aux (configurable)."""

    __tablename__ = "aux_reasons"

    code: Mapped[str] = mapped_column(String(30), primary_key=True)
    label: Mapped[str] = mapped_column(String(80))
    active: Mapped[bool] = mapped_column(default=True)


class Presence(Base):
    """Where each person is now."""

    __tablename__ = "presence"

    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), primary_key=True)
    state: Mapped[str] = mapped_column(String(10), default=AgentState.offline)
    reason: Mapped[str] = mapped_column(String(30), default="")
    since: Mapped[dt.datetime] = mapped_column(default=utcnow)


class PresenceChange(Base):
    """Every change of state (never updated), for adherence and the live floor."""

    __tablename__ = "presence_changes"
    __table_args__ = (Index("ix_presence_changes_staff_at", "staff_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    state: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(String(30), default="")
    previous: Mapped[str] = mapped_column(String(10), default="")
    previous_seconds: Mapped[int] = mapped_column(default=0)  # time spent in the previous
    source: Mapped[str] = mapped_column(String(12), default="agent")  # agent/logout/expiry
