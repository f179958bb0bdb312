"""CTI events → the call's voice interaction, rebuilt from every event in time order.

Offered (caller, called number, queue), answered by an agent, transferred to another,
abandoned, ended with a cause and a recording reference. Because the interaction is
recomputed from all stored events each time, a late or repeated event changes nothing but
what it adds: arrival order does not matter.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from sigap.channels.voice.models import CallEvent
from sigap.customers.contacts import try_phone
from sigap.customers.models import ContactKind, CustomerContact
from sigap.org.models import Staff
from sigap.tickets.models import Direction, Interaction

KINDS = ("offered", "answered", "transferred", "abandoned", "ended")


@dataclass(frozen=True)
class CallIn:
    call_id: str
    kind: str
    at: dt.datetime
    event_id: str = ""
    caller: str = ""
    called: str = ""
    queue: str = ""
    agent: int | None = None  # login code
    to_agent: int | None = None
    cause: str = ""
    recording_ref: str = ""


def event_key(event: CallIn) -> str:
    if event.event_id:
        return event.event_id[:200]
    raw = f"{event.call_id}|{event.kind}|{event.at.isoformat()}|{event.agent}|{event.to_agent}"
    return "h:" + hashlib.sha256(raw.encode()).hexdigest()


def record(session: Session, event: CallIn) -> tuple[Interaction, bool]:
    """Store the event (once) and rebuild the call's interaction; (interaction, new)."""
    key = event_key(event)
    fresh = session.scalar(select(CallEvent.id).where(CallEvent.event_key == key)) is None
    if fresh:
        session.add(CallEvent(event_key=key, call_id=event.call_id, kind=event.kind,
                              at=event.at, data={
                                  "caller": event.caller, "called": event.called,
                                  "queue": event.queue, "agent": event.agent,
                                  "to_agent": event.to_agent, "cause": event.cause,
                                  "recording_ref": event.recording_ref}))
        session.flush()
    return rebuild(session, event.call_id), fresh


def _agent_id(session: Session, login_code: object) -> int | None:
    if not isinstance(login_code, int):
        return None
    return session.scalar(select(Staff.id).where(Staff.login_code == login_code))


def rebuild(session: Session, call_id: str) -> Interaction:
    events = list(session.scalars(select(CallEvent).where(CallEvent.call_id == call_id)
                                  .order_by(CallEvent.at, CallEvent.id)))
    item = session.scalar(select(Interaction).where(Interaction.channel == "voice",
                                                    Interaction.provider_id == call_id))
    if item is None:
        item = Interaction(channel="voice", direction=Direction.inbound, provider_id=call_id,
                           arrived_at=events[0].at)
        session.add(item)
    caller = called = queue = recording = cause = ""
    offered = answered = ended = None
    agent = None
    notes: list[str] = []
    for e in events:
        d = e.data
        caller = str(d.get("caller") or caller)
        called = str(d.get("called") or called)
        queue = str(d.get("queue") or queue)
        recording = str(d.get("recording_ref") or recording)
        if e.kind == "offered":
            offered = offered or e.at
        elif e.kind == "answered":
            answered = answered or e.at
            agent = d.get("agent") or agent
        elif e.kind == "transferred":
            agent = d.get("to_agent") or agent
            notes.append(f"dialihkan ke {d.get('to_agent')} {e.at:%H:%M:%S}")
        elif e.kind in ("abandoned", "ended"):
            ended = e.at
            cause = str(d.get("cause") or ("abandoned" if e.kind == "abandoned" else cause))
    start = offered or events[0].at
    item.arrived_at = start
    item.queued_at = start if queue else None
    item.answered_at = answered
    item.ended_at = ended
    item.from_address = caller[:200]
    item.to_address = called[:200]
    item.subject = (f"Panggilan antrean {queue}" if queue else "Panggilan")[:300]
    outcome = "tidak dijawab (abandon)" if ended and not answered else cause
    item.body = "; ".join(p for p in (outcome, *notes) if p)[:20000]
    item.recording_ref = recording[:300]
    item.agent_id = _agent_id(session, agent) if agent is not None else None
    if item.customer_id is None and caller:
        phone = try_phone(caller)
        if phone:
            item.customer_id = session.scalar(
                select(CustomerContact.customer_id)
                .where(CustomerContact.kind == ContactKind.phone, CustomerContact.value == phone)
                .order_by(CustomerContact.customer_id).limit(1))
    session.flush()
    return item
