"""Alarms in, fault tickets out (D11): dedupe by fingerprint, match the customer service by
its labels, open the ticket at once or after the pro-active agent validates it, inform the
customer (the response stamp), and let a resolved alert update its ticket."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from sigap.auth.actor import SYSTEM, Actor
from sigap.channels.alarms.models import Alarm, AlarmRule
from sigap.core.clock import utcnow
from sigap.core.errors import Conflict, IllegalTransition, InvalidInput, NotFound
from sigap.customers.models import CustomerService
from sigap.tickets import actions as ticket_actions
from sigap.tickets import service as ticket_service
from sigap.tickets.models import EventKind, Ticket
from sigap.tickets.schemas import TicketCreate

# Labels that name the customer's service, most specific first.
SERVICE_LABELS = ("service_id", "sid", "circuit_id", "nomor_layanan")


@dataclass(frozen=True)
class AlarmIn:
    source: str
    fingerprint: str
    status: str  # firing / resolved
    labels: dict[str, str]
    summary: str
    starts_at: dt.datetime
    ends_at: dt.datetime | None = None


@dataclass(frozen=True)
class Taken:
    alarm_id: int
    new: bool
    ticket_id: int | None


def _service(session: Session, labels: dict[str, str]) -> CustomerService | None:
    for key in SERVICE_LABELS:
        value = labels.get(key, "").strip()
        if value:
            found = session.scalar(select(CustomerService)
                                   .where(CustomerService.service_id == value))
            if found is not None:
                return found
    return None


def rules(session: Session) -> list[AlarmRule]:
    return list(session.scalars(select(AlarmRule).order_by(AlarmRule.position, AlarmRule.id)))


def action_for(session: Session, labels: dict[str, str]) -> str:
    for rule in rules(session):
        if labels.get(rule.label) == rule.value:
            return rule.action
    return "validate"


def add_rule(session: Session, position: int, label: str, value: str,
             action: str) -> AlarmRule:
    if session.scalar(select(AlarmRule.id).where(AlarmRule.label == label,
                                                 AlarmRule.value == value)):
        raise Conflict(f"Aturan untuk {label}={value} sudah ada.", field="value")
    rule = AlarmRule(position=position, label=label, value=value, action=action)
    session.add(rule)
    session.flush()
    return rule


def delete_rule(session: Session, rule_id: int) -> None:
    rule = session.get(AlarmRule, rule_id)
    if rule is None:
        raise NotFound(f"Aturan alarm {rule_id} tidak ditemukan.")
    session.delete(rule)
    session.flush()


def _open_ticket(session: Session, actor: Actor, alarm: Alarm) -> Ticket:
    title = f"[Alarm] {alarm.name or 'gangguan link'}"
    if alarm.labels.get("instance"):
        title += f" – {alarm.labels['instance']}"
    ticket = ticket_service.create_ticket(session, actor, TicketCreate.model_validate({
        "customer_id": alarm.customer_id, "type": "gangguan", "subject": title[:200],
        "description": alarm.summary[:20000], "service_id": alarm.service_id,
        "channel": "alarm", "severity": "critical" if alarm.severity == "critical" else "major",
        "tier": 2}))
    alarm.ticket_id = ticket.id
    return ticket


def take(session: Session, alarms: Sequence[AlarmIn]) -> list[Taken]:
    """Store or update each alarm (one row per fingerprint) and act on it."""
    out: list[Taken] = []
    for item in alarms:
        alarm = session.scalar(select(Alarm).where(Alarm.source == item.source,
                                                   Alarm.fingerprint == item.fingerprint))
        new = alarm is None
        if alarm is None:
            service = _service(session, item.labels)
            alarm = Alarm(source=item.source, fingerprint=item.fingerprint[:120],
                          name=item.labels.get("alertname", "")[:200],
                          severity=item.labels.get("severity", "")[:20], summary=item.summary,
                          status=item.status, labels=dict(item.labels),
                          starts_at=item.starts_at,
                          service_id=service.id if service else None,
                          customer_id=service.customer_id if service else None)
            session.add(alarm)
            session.flush()
        else:
            alarm.deliveries += 1
            alarm.summary = item.summary or alarm.summary
        if item.status == "resolved" and alarm.status != "resolved":
            _resolved(session, alarm, item.ends_at or utcnow())
        elif item.status == "firing":
            if alarm.status == "resolved":  # it fired again
                alarm.status, alarm.ends_at = "firing", None
            if (alarm.ticket_id is None and alarm.customer_id is not None
                    and alarm.follow_up == "pending"
                    and action_for(session, item.labels) == "auto"):
                _open_ticket(session, SYSTEM, alarm)
        out.append(Taken(alarm.id, new, alarm.ticket_id))
    session.flush()
    return out


def _resolved(session: Session, alarm: Alarm, at: dt.datetime) -> None:
    alarm.status, alarm.ends_at = "resolved", at
    if alarm.ticket_id is not None:
        ticket = session.get(Ticket, alarm.ticket_id)
        if ticket is not None:
            ticket_service.add_event(session, ticket, SYSTEM, EventKind.note,
                                     f"Alarm {alarm.name} pulih (resolved) pada "
                                     f"{at:%Y-%m-%d %H:%M} UTC.",
                                     data={"alarm_id": alarm.id, "alarm": "resolved"})
            ticket.updated_at = utcnow()


def get_alarm(session: Session, alarm_id: int) -> Alarm:
    alarm = session.get(Alarm, alarm_id)
    if alarm is None:
        raise NotFound(f"Alarm {alarm_id} tidak ditemukan.")
    return alarm


def follow_up(session: Session, actor: Actor, alarm_id: int, result: str, note: str = "",
              service_id: int | None = None) -> Alarm:
    """The pro-active agent's verdict: `valid` opens the fault ticket (once), `clear`
    closes the alarm without one."""
    alarm = get_alarm(session, alarm_id)
    if alarm.follow_up != "pending":
        raise IllegalTransition(f"Alarm ini sudah ditindaklanjuti ({alarm.follow_up}).",
                                field="result")
    if result not in ("valid", "clear"):
        raise InvalidInput("Hasil tindak lanjut harus 'valid' atau 'clear'.", field="result")
    if service_id is not None:
        service = session.get(CustomerService, service_id)
        if service is None:
            raise InvalidInput(f"Layanan {service_id} tidak ditemukan.", field="service_id")
        alarm.service_id, alarm.customer_id = service.id, service.customer_id
    alarm.follow_up, alarm.followed_up_at, alarm.followed_up_by = result, utcnow(), actor.staff_id
    if result == "valid" and alarm.ticket_id is None:
        if alarm.customer_id is None:
            raise InvalidInput("Alarm belum cocok dengan layanan pelanggan; pilih layanannya.",
                               field="service_id")
        _open_ticket(session, actor, alarm)
    if note.strip() and alarm.ticket_id is not None:
        ticket = session.get(Ticket, alarm.ticket_id)
        if ticket is not None:
            ticket_service.add_event(session, ticket, actor, EventKind.note, note.strip(),
                                     data={"alarm_id": alarm.id, "follow_up": result})
    return alarm


def inform(session: Session, actor: Actor, alarm_id: int, message: str) -> Alarm:
    """The customer is told about the fault: an update on the ticket (response stamp)."""
    alarm = get_alarm(session, alarm_id)
    if alarm.ticket_id is None:
        raise IllegalTransition("Alarm ini belum punya tiket; validasi dulu.", field="alarm")
    ticket_actions.add_customer_update(session, actor, alarm.ticket_id, message)
    alarm.informed_at = alarm.informed_at or utcnow()
    return alarm


def list_alarms(session: Session, follow_up: str | None = None, status: str | None = None,
                limit: int = 200) -> list[Alarm]:
    stmt = select(Alarm).order_by(Alarm.starts_at.desc()).limit(limit)
    if follow_up:
        stmt = stmt.where(Alarm.follow_up == follow_up)
    if status:
        stmt = stmt.where(Alarm.status == status)
    return list(session.scalars(stmt))
