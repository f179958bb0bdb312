"""Every KPI of D15, defined once: numerator, denominator, exclusions and target.

A value is numerator / denominator as a percentage; a KPI whose data comes from a domain
Sigap does not have yet answers "no data yet" (None) through the same interface. Ticket
clocks use the calendar and targets of the ticket's SLA policy; see docs/kpis.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sigap.channels.alarms.models import Alarm
from sigap.customers.models import Customer
from sigap.reports.csat import csat
from sigap.sla import policy as sla_policy
from sigap.sla.calendar import TENESA_24X7
from sigap.sla.clock import longest_silence, measure, pauses
from sigap.sla.models import CaringTask, SlaPolicy
from sigap.sla.service import CALENDARS, events_of
from sigap.tickets.models import EventKind, Interaction, Ticket, TicketEvent


@dataclass(frozen=True)
class Period:
    start: dt.datetime
    end: dt.datetime  # exclusive


@dataclass(frozen=True)
class Options:
    """How service level is counted, the way contact centers differ."""

    sl_threshold_seconds: int = 20
    short_abandon_seconds: int = 5
    exclude_short_abandons: bool = True
    abandons_in_denominator: bool = True
    fcr_window_days: int = 7


@dataclass(frozen=True)
class Value:
    numerator: float | None
    denominator: float | None
    # Ticket KPIs: the tickets counted, and which of them met the target (drill-down).
    tickets: tuple[tuple[int, bool], ...] = field(default=(), compare=False)

    @property
    def percent(self) -> float | None:
        if self.numerator is None or not self.denominator:
            return None
        return 100.0 * self.numerator / self.denominator


NO_DATA = Value(None, None)
Compute = Callable[[Session, Period, Options], Value]


@dataclass(frozen=True)
class Kpi:
    code: str
    name: str
    target: float  # percent
    compute: Compute
    higher_is_better: bool = True

    def light(self, value: Value) -> str:
        """green: target met; amber: within 5 points; red: further off; grey: no data."""
        if value.percent is None:
            return "grey"
        gap = value.percent - self.target if self.higher_is_better \
            else self.target - value.percent
        return "green" if gap >= 0 else "amber" if gap >= -5 else "red"


def _no_data(_session: Session, _period: Period, _options: Options) -> Value:
    return NO_DATA


def service_level(session: Session, period: Period, options: Options) -> Value:
    """Inbound voice calls answered within the threshold / calls counted."""
    rows = session.execute(select(Interaction.arrived_at, Interaction.queued_at,
                                  Interaction.answered_at, Interaction.ended_at).where(
        Interaction.channel == "voice", Interaction.direction == "inbound",
        Interaction.arrived_at >= period.start, Interaction.arrived_at < period.end)).all()
    within = counted = 0
    for arrived, queued, answered, ended in rows:
        start = queued or arrived
        if answered is not None:
            counted += 1
            within += (answered - start).total_seconds() <= options.sl_threshold_seconds
        elif ended is not None and options.abandons_in_denominator:
            wait = (ended - start).total_seconds()
            if options.exclude_short_abandons and wait < options.short_abandon_seconds:
                continue
            counted += 1
    return Value(within, counted) if counted else NO_DATA


def _opened(session: Session, period: Period) -> list[tuple[Ticket, str]]:
    return [(t, s) for t, s in session.execute(
        select(Ticket, Customer.segment).join(Customer, Customer.id == Ticket.customer_id)
        .where(Ticket.created_at >= period.start, Ticket.created_at < period.end,
               Ticket.merged_into_id.is_(None)))]


def _resolved(session: Session, period: Period) -> list[tuple[Ticket, str]]:
    ids = select(TicketEvent.ticket_id).where(
        TicketEvent.kind == EventKind.state_changed, TicketEvent.to_state == "resolved",
        TicketEvent.at >= period.start, TicketEvent.at < period.end)
    return [(t, s) for t, s in session.execute(
        select(Ticket, Customer.segment).join(Customer, Customer.id == Ticket.customer_id)
        .where(Ticket.id.in_(ids), Ticket.merged_into_id.is_(None)))]


def _policy(policies: list[SlaPolicy], ticket: Ticket, segment: str) -> SlaPolicy:
    return sla_policy.policy_for(policies, {"segment": segment, "product": ticket.product,
                                            "channel": ticket.channel,
                                            "severity": ticket.severity})


def response_time(session: Session, period: Period, options: Options) -> Value:
    """Tickets opened in the period answered within the response target / tickets opened
    (one still unanswered but within its target is not yet counted)."""
    policies = list(session.scalars(select(SlaPolicy)))
    met = counted = 0
    seen: list[tuple[int, bool]] = []
    for ticket, segment in _opened(session, period):
        rule = _policy(policies, ticket, segment)
        cal = CALENDARS.get(rule.calendar, TENESA_24X7)
        events = events_of(session, ticket.id)
        replied = next((e.at for e in events if e.kind == EventKind.customer_update), None)
        took = measure(cal, ticket.created_at, replied, period.end).counted_seconds
        if replied is None and took <= rule.response_minutes * 60:
            continue
        ok = replied is not None and took <= rule.response_minutes * 60
        counted, met = counted + 1, met + ok
        seen.append((ticket.id, ok))
    return Value(met, counted, tuple(seen)) if counted else NO_DATA


def regular_update(session: Session, period: Period, options: Options) -> Value:
    """Tickets resolved in the period never left longer than the update interval without
    an update to the customer (pauses on the customer excluded) / tickets resolved."""
    policies = list(session.scalars(select(SlaPolicy)))
    met = counted = 0
    seen: list[tuple[int, bool]] = []
    for ticket, segment in _resolved(session, period):
        rule = _policy(policies, ticket, segment)
        cal = CALENDARS.get(rule.calendar, TENESA_24X7)
        events = events_of(session, ticket.id)
        ok = longest_silence(cal, events, period.end) <= rule.update_minutes * 60
        counted, met = counted + 1, met + ok
        seen.append((ticket.id, ok))
    return Value(met, counted, tuple(seen)) if counted else NO_DATA


def ttr_compliance(session: Session, period: Period, options: Options) -> Value:
    """Tickets resolved in the period within their TTR target (pauses excluded) /
    resolved tickets whose policy sets a TTR."""
    policies = list(session.scalars(select(SlaPolicy)))
    met = counted = 0
    seen: list[tuple[int, bool]] = []
    for ticket, segment in _resolved(session, period):
        rule = _policy(policies, ticket, segment)
        if not rule.ttr_minutes:
            continue
        cal = CALENDARS.get(rule.calendar, TENESA_24X7)
        events = events_of(session, ticket.id)
        resolved = next(e.at for e in events if e.to_state == "resolved")
        ttr = measure(cal, ticket.created_at, resolved, period.end, pauses(events, resolved))
        ok = ttr.counted_seconds <= rule.ttr_minutes * 60
        counted, met = counted + 1, met + ok
        seen.append((ticket.id, ok))
    return Value(met, counted, tuple(seen)) if counted else NO_DATA


def proactive_follow_up(session: Session, period: Period, options: Options) -> Value:
    """Alarms that started in the period followed up as clear or valid / alarms."""
    total = session.scalar(select(func.count()).select_from(Alarm).where(
        Alarm.starts_at >= period.start, Alarm.starts_at < period.end)) or 0
    done = session.scalar(select(func.count()).select_from(Alarm).where(
        Alarm.starts_at >= period.start, Alarm.starts_at < period.end,
        Alarm.follow_up.in_(("valid", "clear")))) or 0
    return Value(done, total) if total else NO_DATA


def confirmed_caring(session: Session, period: Period, options: Options) -> Value:
    """Caring tasks opened in the period (missed SLAs, hard complaints) confirmed / opened."""
    total = session.scalar(select(func.count()).select_from(CaringTask).where(
        CaringTask.opened_at >= period.start, CaringTask.opened_at < period.end)) or 0
    done = session.scalar(select(func.count()).select_from(CaringTask).where(
        CaringTask.opened_at >= period.start, CaringTask.opened_at < period.end,
        CaringTask.confirmed_at.is_not(None))) or 0
    return Value(done, total) if total else NO_DATA


def first_contact_resolution(session: Session, period: Period, options: Options) -> Value:
    """Tickets resolved in the period with one contact, never reopened, and no new ticket
    from the customer on the same service within the window after it / tickets resolved."""
    met = counted = 0
    seen: list[tuple[int, bool]] = []
    window = dt.timedelta(days=options.fcr_window_days)
    for ticket, _segment in _resolved(session, period):
        counted += 1
        contacts = session.scalar(select(func.count()).select_from(Interaction)
                                  .where(Interaction.ticket_id == ticket.id)) or 0
        resolved = ticket.resolved_at or ticket.updated_at
        repeat = session.scalar(select(func.count()).select_from(Ticket).where(
            Ticket.customer_id == ticket.customer_id, Ticket.id != ticket.id,
            Ticket.service_id == ticket.service_id if ticket.service_id is not None
            else Ticket.service_id.is_(None),
            Ticket.created_at > resolved, Ticket.created_at <= resolved + window)) or 0
        ok = contacts <= 1 and ticket.reopen_count == 0 and repeat == 0
        met += ok
        seen.append((ticket.id, ok))
    return Value(met, counted, tuple(seen)) if counted else NO_DATA


TENESA: tuple[Kpi, ...] = (
    Kpi("D15.1", "Quality Monitoring Score", 90, _no_data),
    Kpi("D15.2", "Mystery Omni Channel index", 90, _no_data),
    Kpi("D15.3", "Service Level", 95, service_level),
    Kpi("D15.4", "Response time ≤ 30 menit", 95, response_time),
    Kpi("D15.5", "Update berkala tiap 1 jam", 95, regular_update),
    Kpi("D15.6", "TTR antrean agen ≤ 10 % TTR pelanggan", 10, _no_data,
        higher_is_better=False),
    Kpi("D15.7", "Follow up alarm Pro-Active", 90, proactive_follow_up),
    Kpi("D15.8", "TTR sesuai SLA", 92, ttr_compliance),
    Kpi("D15.9", "Rata-rata capaian KPI agen", 90, _no_data),
    Kpi("D15.10", "Caring terkonfirmasi", 100, confirmed_caring),
    Kpi("D15.11", "Customer Satisfaction Score", 80, csat),
    Kpi("D15.12", "First Contact Resolution", 95, first_contact_resolution),
)
TAM: tuple[Kpi, ...] = (
    Kpi("D15.13", "TAM Quality Validation Score", 95, _no_data),
    Kpi("D15.14", "TAM staff fulfilment", 95, _no_data),
)


def board(session: Session, kpis: tuple[Kpi, ...], period: Period,
          options: Options | None = None) -> list[tuple[Kpi, Value]]:
    chosen = options or Options()
    return [(kpi, kpi.compute(session, period, chosen)) for kpi in kpis]
