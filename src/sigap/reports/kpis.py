"""Every KPI of D15, defined once: numerator, denominator, exclusions and target.

A value is numerator / denominator as a percentage, with its daily trend; a KPI whose data
comes from a domain Sigap does not have yet answers "no data yet" (None) through the same
interface. Ticket and call KPIs read the rollup facts (reports/facts.py, kept by the
worker); see docs/kpis.md for each formula in words.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from sigap.auth.permissions import Scope, scope_for
from sigap.channels.alarms.models import Alarm
from sigap.reports import csat, tally
from sigap.reports.models import KpiTicketFact
from sigap.reports.tally import Ask, Filters
from sigap.sla.models import CaringTask
from sigap.workforce import service as workforce

__all__ = ["TAM", "TENESA", "Ask", "Filters", "Kpi", "Options", "Period", "Value", "board"]


@dataclass(frozen=True)
class Period:
    start: dt.datetime
    end: dt.datetime  # exclusive


@dataclass(frozen=True)
class Options:
    """How service level is counted, the way contact centers differ; the FCR window."""

    sl_threshold_seconds: int = 20
    short_abandon_seconds: int = 5
    exclude_short_abandons: bool = True
    abandons_in_denominator: bool = True
    fcr_window_days: int = 7


Trend = tuple[tuple[dt.date, float | None], ...]


@dataclass(frozen=True)
class Value:
    numerator: float | None
    denominator: float | None
    trend: Trend = ()
    drill: str | None = None  # "tickets" / "interactions": what a click lists

    def __eq__(self, other: object) -> bool:
        # Compared by the figures people are paid on; the trend and link are derived.
        if not isinstance(other, Value):
            return NotImplemented
        return (self.numerator, self.denominator) == (other.numerator, other.denominator)

    def __hash__(self) -> int:
        return hash((self.numerator, self.denominator))

    @property
    def percent(self) -> float | None:
        if self.numerator is None or not self.denominator:
            return None
        return 100.0 * self.numerator / self.denominator


NO_DATA = Value(None, None)
Compute = Callable[[Session, Ask, Options], Value]


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


def _no_data(_session: Session, _ask: Ask, _options: Options) -> Value:
    return NO_DATA


def _ratio(num: float, den: float) -> float | None:
    return 100.0 * num / den if den else None


def _value(ask: Ask, sums: tally.Sums, num: Callable[[list[float]], float],
           den: Callable[[list[float]], float], drill: str, scale: float = 1.0) -> Value:
    n = sum(num(v) for v in sums.values())
    d = sum(den(v) for v in sums.values())
    if not d:
        return NO_DATA
    trend = tuple((day, _ratio(num(sums[day]), den(sums[day])) if day in sums else None)
                  for day in ask.days())
    return Value(n / scale, d / scale, trend, drill)


def service_level(session: Session, ask: Ask, options: Options) -> Value:
    """Inbound voice calls answered within the threshold / calls counted."""
    sums = tally.calls(session, ask, options.sl_threshold_seconds,
                       options.short_abandon_seconds)

    def counted(v: list[float]) -> float:
        if not options.abandons_in_denominator:
            return v[1]
        return v[1] + (v[2] if options.exclude_short_abandons else v[3])

    return _value(ask, sums, lambda v: v[0], counted, "interactions")


def response_time(session: Session, ask: Ask, options: Options) -> Value:
    """Tickets opened in the period answered within the response target / tickets opened
    (one still unanswered but within its target is not yet counted)."""
    return _value(ask, tally.opened(session, ask), lambda v: v[1], lambda v: v[0], "tickets")


def _resolved(session: Session, ask: Ask, options: Options) -> tally.Sums:
    return tally.resolved(session, ask, options.fcr_window_days)


def regular_update(session: Session, ask: Ask, options: Options) -> Value:
    """Tickets resolved in the period never left longer than the update interval without
    an update to the customer (pauses on the customer excluded) / tickets resolved."""
    return _value(ask, _resolved(session, ask, options), lambda v: v[1], lambda v: v[0],
                  "tickets")


def own_queue(session: Session, ask: Ask, options: Options) -> Value:
    """Minutes resolved tickets spent in the agent's own queue / their customer TTR
    minutes (the share of all TTR; lower is better)."""
    return _value(ask, _resolved(session, ask, options), lambda v: v[4], lambda v: v[5],
                  "tickets", scale=60.0)


def ttr_compliance(session: Session, ask: Ask, options: Options) -> Value:
    """Tickets resolved in the period within their TTR target (pauses excluded) /
    resolved tickets whose policy sets a TTR."""
    return _value(ask, _resolved(session, ask, options), lambda v: v[3], lambda v: v[2],
                  "tickets")


def first_contact_resolution(session: Session, ask: Ask, options: Options) -> Value:
    """Tickets resolved in the period with one contact, never reopened, and no new ticket
    from the customer on the same service within the window after it / tickets resolved."""
    return _value(ask, _resolved(session, ask, options), lambda v: v[6], lambda v: v[0],
                  "tickets")


def _daily(ask: Ask, rows: list[tuple[dt.datetime, bool]], drill: str | None) -> Value:
    tz = ZoneInfo(ask.zone)
    sums: tally.Sums = {}
    for at, ok in rows:
        day = sums.setdefault(at.astimezone(tz).date(), [0.0, 0.0])
        day[0] += 1
        day[1] += bool(ok)
    value = _value(ask, sums, lambda v: v[1], lambda v: v[0], drill or "")
    return Value(value.numerator, value.denominator, value.trend, drill) \
        if value.denominator else NO_DATA


def proactive_follow_up(session: Session, ask: Ask, options: Options) -> Value:
    """Alarms that started in the period followed up as clear or valid / alarms. Alarms
    belong to no site, team, agent or channel: a narrowed board shows no data."""
    if ask.filters.any:
        return NO_DATA
    rows = session.execute(select(Alarm.starts_at, Alarm.follow_up.in_(("valid", "clear")))
                           .where(Alarm.starts_at >= ask.start, Alarm.starts_at < ask.end))
    return _daily(ask, [(a, bool(ok)) for a, ok in rows], None)


def confirmed_caring(session: Session, ask: Ask, options: Options) -> Value:
    """Caring tasks opened in the period (missed SLAs, hard complaints) confirmed / opened;
    filtered by their ticket."""
    rows = session.execute(
        select(CaringTask.opened_at, CaringTask.confirmed_at.is_not(None))
        .join(KpiTicketFact, KpiTicketFact.ticket_id == CaringTask.ticket_id)
        .where(CaringTask.opened_at >= ask.start, CaringTask.opened_at < ask.end,
               *tally.ticket_where(ask)))
    return _daily(ask, [(a, bool(ok)) for a, ok in rows], "tickets")


def customer_satisfaction(session: Session, ask: Ask, options: Options) -> Value:
    """Satisfied CSAT answers / answers, for tickets resolved in the period (reports/csat)."""
    return _daily(ask, csat.answers(session, ask), "tickets")


def staff_fulfilment(session: Session, ask: Ask, options: Options) -> Value:
    """Agents available / caplan FTE for the month the period starts in (workforce);
    per site, or all sites; not kept per team, agent or channel."""
    if ask.filters.by_person:
        return NO_DATA
    month = ask.start.astimezone(ZoneInfo(ask.zone)).date().replace(day=1)
    site = ask.filters.site_id
    if site is None and ask.actor is not None and not ask.actor.is_system \
            and scope_for(ask.actor.role, "tickets.read") is not Scope.all:
        site = ask.actor.site_id  # a site's people see their site's figure
    found = workforce.staff_fulfilment(session, month, site)
    if found.percent is None:
        return NO_DATA
    return Value(found.available, found.caplan)


TENESA: tuple[Kpi, ...] = (
    Kpi("D15.1", "Quality Monitoring Score", 90, _no_data),
    Kpi("D15.2", "Mystery Omni Channel index", 90, _no_data),
    Kpi("D15.3", "Service Level", 95, service_level),
    Kpi("D15.4", "Response time ≤ 30 menit", 95, response_time),
    Kpi("D15.5", "Update berkala tiap 1 jam", 95, regular_update),
    Kpi("D15.6", "TTR antrean agen ≤ 10 % TTR pelanggan", 10, own_queue,
        higher_is_better=False),
    Kpi("D15.7", "Follow up alarm Pro-Active", 90, proactive_follow_up),
    Kpi("D15.8", "TTR sesuai SLA", 92, ttr_compliance),
    Kpi("D15.9", "Rata-rata capaian KPI agen", 90, _no_data),
    Kpi("D15.10", "Caring terkonfirmasi", 100, confirmed_caring),
    Kpi("D15.11", "Customer Satisfaction Score", 80, customer_satisfaction),
    Kpi("D15.12", "First Contact Resolution", 95, first_contact_resolution),
)
TAM: tuple[Kpi, ...] = (
    Kpi("D15.13", "TAM Quality Validation Score", 95, _no_data),
    Kpi("D15.14", "TAM staff fulfilment", 95, staff_fulfilment),
)
BOARDS = {"tenesa": TENESA, "tam": TAM}


def board(session: Session, kpis: tuple[Kpi, ...], ask: Ask,
          options: Options | None = None) -> list[tuple[Kpi, Value]]:
    chosen = options or Options()
    return [(kpi, kpi.compute(session, ask, chosen)) for kpi in kpis]
