"""API bodies and answers for tickets and interactions."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

TicketTypeIn = Literal["gangguan", "informasi", "permintaan"]
SeverityIn = Literal["critical", "major", "minor", "low"]
ChannelIn = Literal["voice", "whatsapp", "email", "facebook", "x", "web", "outbound_call",
                   "alarm"]
StateIn = Literal["new", "open", "pending", "resolved", "closed"]

_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True)


class TicketCreate(BaseModel):
    model_config = _STRICT

    customer_id: int = Field(gt=0)
    type: TicketTypeIn
    subject: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=20000)
    category: str = Field(default="", max_length=80)
    service_id: int | None = Field(default=None, gt=0)
    severity: SeverityIn = "minor"
    channel: ChannelIn = "voice"
    tier: Literal[1, 2] = 1
    team_id: int | None = Field(default=None, gt=0)
    owner_id: int | None = Field(default=None, gt=0)
    hard_complaint: bool = False
    interaction_id: int | None = Field(default=None, gt=0)


class TicketOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    number: str
    type: str
    category: str
    state: str
    subject: str
    description: str
    customer_id: int
    service_id: int | None
    product: str
    severity: str
    priority: bool
    hard_complaint: bool
    tier: int
    channel: str
    owner_id: int | None
    team_id: int | None
    pic_id: int | None
    created_by_id: int | None
    escalation_level: str
    backend_unit: str
    pending_reason: str | None
    merged_into_id: int | None
    consent_at: dt.datetime | None
    first_response_at: dt.datetime | None
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None
    reopen_count: int
    created_at: dt.datetime
    updated_at: dt.datetime


class TicketPageOut(BaseModel):
    items: list[TicketOut]
    total: int
    page: int
    limit: int


class EventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: dt.datetime
    kind: str
    actor_id: int | None
    actor_name: str | None = None
    from_state: str | None
    to_state: str | None
    body: str
    data: dict[str, object]


class OpenTicketOut(BaseModel):
    """The limited view of the "old or new?" check (D12), shown across teams."""

    id: int
    number: str
    state: str
    subject: str
    owner_name: str | None
    team_name: str | None
    opened_at: dt.datetime


class AttachIn(BaseModel):
    model_config = _STRICT

    note: str = Field(min_length=1, max_length=20000)
    interaction_id: int | None = Field(default=None, gt=0)


class NoteIn(BaseModel):
    model_config = _STRICT

    body: str = Field(min_length=1, max_length=20000)
    kind: Literal["note", "customer_update"] = "note"


class StateChangeIn(BaseModel):
    model_config = _STRICT

    state: StateIn
    reason: str = Field(default="", max_length=20000)
    pending_reason: Literal["customer", "backend"] | None = None


class ConsentIn(BaseModel):
    model_config = _STRICT

    note: str = Field(min_length=1, max_length=5000)
    by: str = Field(min_length=1, max_length=200)


class EscalateIn(BaseModel):
    model_config = _STRICT

    reason: str = Field(min_length=1, max_length=5000)
    backend_unit: str | None = Field(default=None, max_length=80)


class ReasonIn(BaseModel):
    model_config = _STRICT

    reason: str = Field(min_length=1, max_length=5000)


class AssignIn(BaseModel):
    model_config = _STRICT

    owner_id: int | None = Field(default=None, gt=0)
    team_id: int | None = Field(default=None, gt=0)
    reason: str = Field(min_length=1, max_length=5000)


class MergeIn(BaseModel):
    model_config = _STRICT

    source_id: int = Field(gt=0)
    reason: str = Field(min_length=1, max_length=5000)


class InteractionCreate(BaseModel):
    model_config = _STRICT

    channel: ChannelIn
    direction: Literal["inbound", "outbound"] = "inbound"
    customer_id: int | None = Field(default=None, gt=0)
    ticket_id: int | None = Field(default=None, gt=0)
    agent_id: int | None = Field(default=None, gt=0)
    arrived_at: AwareDatetime | None = None
    queued_at: AwareDatetime | None = None
    answered_at: AwareDatetime | None = None
    ended_at: AwareDatetime | None = None
    from_address: str = Field(default="", max_length=200)
    to_address: str = Field(default="", max_length=200)
    subject: str = Field(default="", max_length=300)
    body: str = Field(default="", max_length=100000)
    recording_ref: str = Field(default="", max_length=300)
    provider_id: str | None = Field(default=None, min_length=1, max_length=250)


class InteractionUpdate(BaseModel):
    model_config = _STRICT

    queued_at: AwareDatetime | None = None
    answered_at: AwareDatetime | None = None
    ended_at: AwareDatetime | None = None
    recording_ref: str | None = Field(default=None, max_length=300)
    subject: str | None = Field(default=None, max_length=300)
    body: str | None = Field(default=None, max_length=100000)


class LinkIn(BaseModel):
    model_config = _STRICT

    ticket_id: int = Field(gt=0)


class InteractionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    channel: str
    direction: str
    customer_id: int | None
    ticket_id: int | None
    agent_id: int | None
    arrived_at: dt.datetime
    queued_at: dt.datetime | None
    answered_at: dt.datetime | None
    ended_at: dt.datetime | None
    from_address: str
    to_address: str
    subject: str
    body: str
    recording_ref: str
    provider_id: str | None
    created_at: dt.datetime


class InteractionPageOut(BaseModel):
    items: list[InteractionOut]
    total: int
    page: int
    limit: int


class PicIn(BaseModel):
    model_config = _STRICT

    staff_id: int = Field(gt=0)
