"""SLA readings of a ticket, explained."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from sigap.auth.actor import Actor
from sigap.sla import service
from sigap.sla.clock import Reading
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
