"""A ticket's SLA readings from its event log, with the calendar they were read under."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from sigap.auth.actor import Actor
from sigap.core.clock import utcnow
from sigap.sla.calendar import TENESA_24X7, Calendar
from sigap.sla.clock import Event, Reading, first_response, longest_silence, time_to_restore
from sigap.sla.holidays import INDONESIA
from sigap.tickets import service as ticket_service
from sigap.tickets.models import TicketEvent

# TENESA runs 24×7; TAM (outbound) counts 08:00–17:00 WIB on working days, public
# holidays of Indonesia off.
CALENDARS: dict[str, Calendar] = {
    "tenesa": TENESA_24X7,
    "tam": Calendar(always=False, holidays=INDONESIA),
}


def events_of(session: Session, ticket_id: int) -> list[Event]:
    rows = session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket_id)
                           .order_by(TicketEvent.at, TicketEvent.id))
    return [Event(e.at, e.kind, e.to_state,
                  str(e.data.get("pending_reason")) if e.data.get("pending_reason") else None)
            for e in rows]


@dataclass(frozen=True)
class TicketSla:
    calendar: str
    first_response: Reading
    time_to_restore: Reading
    longest_silence_seconds: float


def readings(session: Session, actor: Actor, ticket_id: int, calendar: str = "tenesa",
             now: dt.datetime | None = None) -> TicketSla:
    ticket = ticket_service.get_ticket(session, actor, ticket_id)
    cal = CALENDARS[calendar]
    events = events_of(session, ticket.id)
    now = now or utcnow()
    return TicketSla(calendar, first_response(cal, events, now),
                     time_to_restore(cal, events, now), longest_silence(cal, events, now))
