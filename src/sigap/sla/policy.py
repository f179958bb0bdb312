"""Which policy applies to a ticket, and the watcher that warns and escalates (D15)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from sigap.core.clock import utcnow
from sigap.customers.models import Customer
from sigap.org import alerts
from sigap.org.models import Role, Staff, Team
from sigap.sla.clock import Event, measure, pauses
from sigap.sla.models import CaringTask, SlaNotice, SlaPolicy
from sigap.sla.service import CALENDARS, events_of
from sigap.tickets.lifecycle import ACTIVE_STATES
from sigap.tickets.models import Ticket

DEFAULT = SlaPolicy(id=0, name="Bawaan TENESA", calendar="tenesa", response_minutes=30,
                    update_minutes=60, ttr_minutes=None, warn_percent=80)
_FIELDS = ("segment", "product", "channel", "severity")


def policy_for(policies: list[SlaPolicy], values: dict[str, str]) -> SlaPolicy:
    """The most specific active policy whose set fields all match; the default otherwise."""
    best: tuple[int, int, SlaPolicy] | None = None
    for p in policies:
        if not p.active:
            continue
        fields = [f for f in _FIELDS if getattr(p, f)]
        if any(getattr(p, f) != values.get(f, "") for f in fields):
            continue
        key = (len(fields), -p.id)
        if best is None or key > best[:2]:
            best = (key[0], key[1], p)
    return best[2] if best else DEFAULT


@dataclass(frozen=True)
class Clock:
    name: str
    counted: float
    target: float
    done: bool


def clocks(policy: SlaPolicy, events: list[Event], now: dt.datetime) -> list[Clock]:
    cal = CALENDARS.get(policy.calendar, CALENDARS["tenesa"])
    ordered = sorted(events, key=lambda e: e.at)
    start = ordered[0].at
    replied = next((e.at for e in ordered if e.kind == "customer_update"), None)
    resolved = next((e.at for e in ordered if e.kind == "state_changed"
                     and e.to_state in ("resolved", "closed")), None)
    out = [Clock("first_response", measure(cal, start, replied, now).counted_seconds,
                 policy.response_minutes * 60, replied is not None)]
    last_update = max([start] + [e.at for e in ordered if e.kind == "customer_update"])
    silence = measure(cal, last_update, resolved, now, pauses(ordered, resolved or now))
    out.append(Clock("update", silence.counted_seconds, policy.update_minutes * 60,
                     resolved is not None))
    if policy.ttr_minutes:
        ttr = measure(cal, start, resolved, now, pauses(ordered, resolved or now))
        out.append(Clock("ttr", ttr.counted_seconds, policy.ttr_minutes * 60,
                         resolved is not None))
    return out


@dataclass
class WatchReport:
    warnings: int = 0
    breaches: int = 0
    caring: int = 0


LABELS = {"first_response": "respons pertama", "update": "update berkala", "ttr": "TTR"}


def _people(session: Session, ticket: Ticket) -> list[int]:
    """The owner and the team leader of the ticket's team."""
    people = [ticket.owner_id] if ticket.owner_id else []
    if ticket.team_id is not None:
        leader = session.scalar(select(Team.leader_id).where(Team.id == ticket.team_id))
        if leader:
            people.append(leader)
    return people


def _supervisors(session: Session, ticket: Ticket) -> list[int]:
    if ticket.team_id is None:
        return []
    site = session.scalar(select(Team.site_id).where(Team.id == ticket.team_id))
    return list(session.scalars(select(Staff.id).where(
        Staff.role == Role.supervisor, Staff.site_id == site, Staff.active.is_(True))))


def open_caring(session: Session, ticket_id: int, reason: str) -> bool:
    if session.scalar(select(CaringTask.id).where(CaringTask.ticket_id == ticket_id)):
        return False
    session.add(CaringTask(ticket_id=ticket_id, reason=reason[:200], opened_at=utcnow()))
    return True


def watch(session: Session, now: dt.datetime | None = None) -> WatchReport:
    """Warn the owner and TL before a target is missed; on a breach alert them and the
    site's supervisors, and open a caring task. Each notice is raised once."""
    now = now or utcnow()
    report = WatchReport()
    policies = list(session.scalars(select(SlaPolicy)))
    raised = {(n.ticket_id, n.clock, n.kind) for n in session.scalars(select(SlaNotice))}
    tickets = session.execute(
        select(Ticket, Customer.segment).join(Customer, Customer.id == Ticket.customer_id)
        .where(Ticket.state.in_(ACTIVE_STATES), Ticket.merged_into_id.is_(None))).all()
    for ticket, segment in tickets:
        if ticket.hard_complaint and open_caring(session, ticket.id, "hard complaint"):
            report.caring += 1
        policy = policy_for(policies, {"segment": segment, "product": ticket.product,
                                       "channel": ticket.channel, "severity": ticket.severity})
        for clock in clocks(policy, events_of(session, ticket.id), now):
            if clock.done:
                continue
            kind = ("breach" if clock.counted > clock.target else
                    "warning" if clock.counted >= clock.target * policy.warn_percent / 100
                    else None)
            if kind is None or (ticket.id, clock.name, kind) in raised:
                continue
            raised.add((ticket.id, clock.name, kind))
            session.add(SlaNotice(ticket_id=ticket.id, clock=clock.name, kind=kind, at=now))
            label = LABELS[clock.name]
            if kind == "warning":
                report.warnings += 1
                alerts.alert(session, _people(session, ticket), "sla_warning",
                             f"{ticket.number}: target {label} hampir terlewat",
                             f"/tickets/{ticket.id}")
            else:
                report.breaches += 1
                alerts.alert(session, _people(session, ticket) + _supervisors(session, ticket),
                             "sla_breach", f"{ticket.number}: target {label} terlewat",
                             f"/tickets/{ticket.id}")
                if open_caring(session, ticket.id, f"SLA {label} terlewat"):
                    report.caring += 1
    session.flush()
    return report
