"""API bodies and answers of the customers domain."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from sigap.customers.models import ContactKind, Product

SegmentText = str  # parsed by the service: "DBS", "dbs", "Consumer" …


class ContactIn(BaseModel):
    kind: ContactKind
    value: str = Field(min_length=1, max_length=200)
    label: str = Field(default="", max_length=80)


class ServiceIn(BaseModel):
    service_id: str = Field(min_length=1, max_length=40)
    product: Product
    description: str = Field(default="", max_length=200)
    active: bool = True


class ServicePatch(BaseModel):
    product: Product | None = None
    description: str | None = Field(default=None, max_length=200)
    active: bool | None = None


class CustomerIn(BaseModel):
    external_id: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1, max_length=200)
    segment: SegmentText = Field(min_length=1, max_length=12)
    city: str = Field(default="", max_length=80)
    address: str = Field(default="", max_length=2000)
    priority: bool = False
    priority_reason: str = Field(default="", max_length=200)
    notes: str = Field(default="", max_length=5000)
    contacts: list[ContactIn] = Field(default_factory=list, max_length=50)
    services: list[ServiceIn] = Field(default_factory=list, max_length=200)


class CustomerPatch(BaseModel):
    external_id: str | None = Field(default=None, min_length=1, max_length=40)
    name: str | None = Field(default=None, min_length=1, max_length=200)
    segment: SegmentText | None = Field(default=None, min_length=1, max_length=12)
    city: str | None = Field(default=None, max_length=80)
    address: str | None = Field(default=None, max_length=2000)
    priority: bool | None = None
    priority_reason: str | None = Field(default=None, max_length=200)
    notes: str | None = Field(default=None, max_length=5000)


class ContactOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    kind: str
    value: str
    label: str


class ServiceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    service_id: str
    product: str
    description: str
    active: bool


class CustomerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    external_id: str
    name: str
    segment: str
    city: str
    address: str
    priority: bool
    priority_reason: str
    notes: str
    contacts: list[ContactOut]
    services: list[ServiceOut]


class CustomerPage(BaseModel):
    items: list[CustomerOut]
    total: int
    page: int
    limit: int
    matched_by: str = ""


class TicketBrief(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    number: str
    type: str
    subject: str
    state: str
    severity: str
    owner_id: int | None
    service_id: int | None
    created_at: dt.datetime
    resolved_at: dt.datetime | None
    closed_at: dt.datetime | None


class InteractionBrief(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    channel: str
    direction: str
    ticket_id: int | None
    agent_id: int | None
    arrived_at: dt.datetime
    subject: str


class Customer360Out(BaseModel):
    customer: CustomerOut
    open_tickets: list[TicketBrief]
    past_tickets: list[TicketBrief]
    interactions: list[InteractionBrief]


class RowErrorOut(BaseModel):
    row: int
    field: str
    message: str


class ImportReportOut(BaseModel):
    rows_read: int
    created: int
    updated: int
    unchanged: int
    errors: list[RowErrorOut]
