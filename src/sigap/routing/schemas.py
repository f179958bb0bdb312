"""Request and answer bodies of the routing API."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field


class QueueIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=80)
    channel: str
    tier: int = 1
    segment: str = ""
    product: str = Field(default="", max_length=20)
    skill: str = Field(default="", max_length=40)
    min_level: int = Field(default=1, ge=1, le=5)
    priority: int = 0
    site_id: int | None = None
    offer_seconds: int = Field(default=30, ge=5, le=3600)
    sl_seconds: int = Field(default=20, ge=1, le=86400)
    surge_waiting: int = Field(default=0, ge=0)
    surge_wait_seconds: int = Field(default=0, ge=0)
    overflow_queue_id: int | None = None
    overflow_auto: bool = False
    active: bool = True


class QueueOut(QueueIn):
    model_config = ConfigDict(from_attributes=True)

    id: int


class MembersIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    staff_ids: list[int]


class MoveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    staff_id: int
    from_queue: int | None = None
    to_queue: int


class SlotsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slots: int = Field(ge=0, le=50)


class OverflowIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    count: int | None = Field(default=None, ge=1)
    to_queue: int | None = None


class ReassignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    staff_id: int


class WorkOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    ref_id: int
    queue_id: int
    channel: str
    title: str
    priority: bool
    state: str
    agent_id: int | None
    arrived_at: dt.datetime
    offered_at: dt.datetime | None
    offer_expires_at: dt.datetime | None
    assigned_at: dt.datetime | None
    ended_at: dt.datetime | None


class AgentOut(BaseModel):
    staff_id: int
    name: str
    state: str
    reason: str
    seconds: int
    work: list[str]


class BoardOut(BaseModel):
    queue_id: int
    name: str
    channel: str
    waiting: int
    oldest_seconds: int
    offered_today: int
    handled: int
    abandoned: int
    service_level: float | None
    asa_seconds: float | None
    surging: bool
    states: dict[str, int]
    agents: list[AgentOut]


class SurgeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    queue_id: int
    started_at: dt.datetime
    ended_at: dt.datetime | None
    peak_waiting: int
    peak_wait_seconds: int
    moved: int
    actions: list[dict[str, object]]
