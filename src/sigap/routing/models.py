"""Routing: agent presence, queues and skills, capacity, work items and their offers, surges."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String, text
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


class Queue(Base):
    """Where waiting work lines up: a channel × tier × segment (× product) with its rules."""

    __tablename__ = "queues"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    tier: Mapped[int] = mapped_column(default=1)
    segment: Mapped[str] = mapped_column(String(12), default="")  # "" = every segment
    product: Mapped[str] = mapped_column(String(20), default="")  # "" = every product
    skill: Mapped[str] = mapped_column(String(40), default="")  # required skill, "" = none
    min_level: Mapped[int] = mapped_column(default=1)
    priority: Mapped[int] = mapped_column(default=0)  # higher queues are served first
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"), nullable=True)
    offer_seconds: Mapped[int] = mapped_column(default=30)  # offer time-out
    sl_seconds: Mapped[int] = mapped_column(default=20)  # service-level threshold
    # Surge (D18): Desk Control is alerted past either threshold (0 = not watched).
    surge_waiting: Mapped[int] = mapped_column(default=0)
    surge_wait_seconds: Mapped[int] = mapped_column(default=0)
    overflow_queue_id: Mapped[int | None] = mapped_column(ForeignKey("queues.id"),
                                                          nullable=True)
    overflow_auto: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)


class QueueMember(Base):
    """Which agents serve a queue (a supervisor moves them between queues)."""

    __tablename__ = "queue_members"

    queue_id: Mapped[int] = mapped_column(ForeignKey("queues.id"), primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), primary_key=True)


class SkillLevel(Base):
    """An agent's level in a skill (1 = basic … 5 = expert)."""

    __tablename__ = "skill_levels"

    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), primary_key=True)
    skill: Mapped[str] = mapped_column(String(40), primary_key=True)
    level: Mapped[int] = mapped_column(default=1)


class ChannelCapacity(Base):
    """How many items of a channel one agent works at once, unless set per agent."""

    __tablename__ = "channel_capacities"

    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    slots: Mapped[int] = mapped_column(default=1)


class AgentSlot(Base):
    """An agent's capacity on one channel and how much of it is taken. Assignment takes a
    slot with one conditional UPDATE (used < capacity), which is what keeps concurrent
    assigners from ever exceeding it."""

    __tablename__ = "agent_slots"

    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    capacity: Mapped[int] = mapped_column(default=1)
    used: Mapped[int] = mapped_column(default=0)
    # Since when nothing of this channel has been on the agent's plate (longest idle first).
    idle_since: Mapped[dt.datetime] = mapped_column(default=utcnow)


class WorkState(StrEnum):
    waiting = "waiting"
    offered = "offered"
    assigned = "assigned"
    done = "done"
    withdrawn = "withdrawn"  # the contact went away (abandoned) before an agent took it


class WorkItem(Base):
    """One piece of work to route: a ticket, a conversation or an e-mail."""

    __tablename__ = "work_items"
    __table_args__ = (
        Index("ix_work_items_queue_state", "queue_id", "state"),
        Index("ix_work_items_agent_state", "agent_id", "state"),
        # At most one live item per piece of work, also with several processes.
        Index("uq_work_items_live", "kind", "ref_id", unique=True,
              sqlite_where=text("state IN ('waiting', 'offered', 'assigned')"),
              postgresql_where=text("state IN ('waiting', 'offered', 'assigned')")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # ticket / conversation
    ref_id: Mapped[int] = mapped_column()
    queue_id: Mapped[int] = mapped_column(ForeignKey("queues.id"))
    channel: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200), default="")
    priority: Mapped[bool] = mapped_column(default=False)
    due_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)  # SLA urgency
    arrived_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    sticky_agent_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    state: Mapped[str] = mapped_column(String(10), default=WorkState.waiting)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    offered_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    offer_expires_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    assigned_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    ended_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    offers: Mapped[int] = mapped_column(default=0)


class Offer(Base):
    """Every offer of an item to an agent and how it ended (accepted, declined, timeout,
    withdrawn): who was tried, in what order."""

    __tablename__ = "offers"
    __table_args__ = (Index("ix_offers_item", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("work_items.id"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    offered_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    outcome: Mapped[str] = mapped_column(String(10), default="")
    ended_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)


class Surge(Base):
    """A queue past its surge threshold (D18), from start to end, with what was done."""

    __tablename__ = "surges"
    __table_args__ = (Index("ix_surges_queue_end", "queue_id", "ended_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    queue_id: Mapped[int] = mapped_column(ForeignKey("queues.id"))
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    peak_waiting: Mapped[int] = mapped_column(default=0)
    peak_wait_seconds: Mapped[int] = mapped_column(default=0)
    moved: Mapped[int] = mapped_column(default=0)  # items overflowed to the backup queue
    actions: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)
