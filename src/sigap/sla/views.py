"""SLA readings of a ticket, explained."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from sigap.auth.actor import Actor
from sigap.core.clock import utcnow
from sigap.core.errors import IllegalTransition, NotFound
from sigap.sla import service
from sigap.sla.clock import Reading
from sigap.sla.models import CaringTask, SlaPolicy
from sigap.web.deps import DbSession, require
from sigap.web.route import TransactionRoute

router = APIRouter(route_class=TransactionRoute, tags=["sla"])


class SpanOut(BaseModel):
    start: dt.datetime
    end: dt.datetime


class ReadingOut(BaseModel):
    started: dt.datetime
    stopped: dt.datetime | None
    counted_seconds: float
    paused_seconds: float
    pauses: list[SpanOut]
    target_seconds: float | None
    breached: bool | None


class SlaOut(BaseModel):
    calendar: str
    first_response: ReadingOut
    time_to_restore: ReadingOut
    longest_silence_seconds: float


def _out(reading: Reading) -> ReadingOut:
    return ReadingOut(started=reading.started, stopped=reading.stopped,
                      counted_seconds=reading.counted_seconds,
                      paused_seconds=reading.paused_seconds,
                      pauses=[SpanOut(start=p.start, end=p.end) for p in reading.pauses],
                      target_seconds=reading.target_seconds, breached=reading.breached)


@router.get("/api/tickets/{ticket_id}/sla", response_model=SlaOut)
def ticket_sla(ticket_id: int, session: DbSession,
               actor: Actor = Depends(require("tickets.read")),
               calendar: Literal["tenesa", "tam"] = "tenesa") -> SlaOut:
    """First response, time to restore (paused while pending on the customer) and the
    longest stretch without an update, recomputed from the event log under a calendar."""
    values = service.readings(session, actor, ticket_id, calendar)
    return SlaOut(calendar=calendar, first_response=_out(values.first_response),
                  time_to_restore=_out(values.time_to_restore),
                  longest_silence_seconds=values.longest_silence_seconds)


class PolicyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120)
    segment: Literal["", "DES", "DGS", "DBS", "consumer"] = ""
    product: str = Field(default="", max_length=20)
    channel: str = Field(default="", max_length=16)
    severity: Literal["", "critical", "major", "minor", "low"] = ""
    calendar: Literal["tenesa", "tam"] = "tenesa"
    response_minutes: int = Field(default=30, ge=1, le=100_000)
    update_minutes: int = Field(default=60, ge=1, le=100_000)
    ttr_minutes: int | None = Field(default=None, ge=1, le=1_000_000)
    warn_percent: int = Field(default=80, ge=1, le=100)
    active: bool = True


class PolicyOut(PolicyIn):
    model_config = ConfigDict(from_attributes=True)

    id: int


@router.get("/api/sla/policies", response_model=list[PolicyOut])
def policies(session: DbSession, actor: Actor = Depends(require("tickets.read"))
             ) -> list[PolicyOut]:
    return [PolicyOut.model_validate(p) for p in
            session.scalars(select(SlaPolicy).order_by(SlaPolicy.id))]


@router.post("/api/sla/policies", response_model=PolicyOut, status_code=201)
def add_policy(body: PolicyIn, session: DbSession,
               actor: Actor = Depends(require("sla.manage"))) -> PolicyOut:
    row = SlaPolicy(**body.model_dump())
    session.add(row)
    session.flush()
    return PolicyOut.model_validate(row)


class CaringOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    ticket_id: int
    reason: str
    opened_at: dt.datetime
    confirmed_at: dt.datetime | None
    confirmed_by: int | None
    note: str


class ConfirmIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(min_length=1, max_length=2000)


@router.get("/api/caring", response_model=list[CaringOut])
def caring(session: DbSession, actor: Actor = Depends(require("tickets.read")),
           confirmed: bool = False) -> list[CaringOut]:
    """Tier 2 Caring's call-back list: missed SLAs and hard complaints."""
    stmt = select(CaringTask).order_by(CaringTask.opened_at)
    stmt = stmt.where(CaringTask.confirmed_at.is_not(None) if confirmed
                      else CaringTask.confirmed_at.is_(None))
    return [CaringOut.model_validate(t) for t in session.scalars(stmt)]


@router.post("/api/caring/{task_id}/confirm", response_model=CaringOut)
def confirm(task_id: int, body: ConfirmIn, session: DbSession,
            actor: Actor = Depends(require("tickets.write"))) -> CaringOut:
    """The customer was called back: the confirmation D15.10 counts."""
    task = session.get(CaringTask, task_id)
    if task is None:
        raise NotFound(f"Tugas caring {task_id} tidak ditemukan.")
    if task.confirmed_at is not None:
        raise IllegalTransition("Tugas caring ini sudah dikonfirmasi.", field="confirmed_at")
    task.confirmed_at, task.confirmed_by, task.note = utcnow(), actor.staff_id, body.note
    return CaringOut.model_validate(task)
