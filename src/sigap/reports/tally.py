"""The board's questions to the KPI facts: one GROUP BY per fact set and period, by UTC
hour, added up into the user's local days in Python (every Indonesian zone is whole hours
from UTC). Filters (site, channel, team, agent) and the viewer's scope are WHERE clauses."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, false, func, or_, select
from sqlalchemy.orm import Session

from sigap.auth.actor import Actor
from sigap.auth.permissions import Scope, scope_for
from sigap.reports.models import KpiTicketFact, KpiVoiceFact
from sigap.tickets.models import Ticket
from sigap.tickets.scope import ticket_filter

T = KpiTicketFact
V = KpiVoiceFact


@dataclass(frozen=True)
class Filters:
    site_id: int | None = None
    channel: str | None = None
    team_id: int | None = None
    agent_id: int | None = None

    @property
    def any(self) -> bool:
        return any(v is not None for v in (self.site_id, self.channel, self.team_id,
                                           self.agent_id))

    @property
    def by_person(self) -> bool:
        """Narrower than a site: team, agent or channel."""
        return any(v is not None for v in (self.channel, self.team_id, self.agent_id))


@dataclass
class Ask:
    """One board question: the period, the options, the filters, who asks, their zone."""

    start: dt.datetime
    end: dt.datetime
    zone: str = "Asia/Jakarta"
    filters: Filters = field(default_factory=Filters)
    actor: Actor | None = None  # None: every ticket (reports of the system)
    now: dt.datetime | None = None
    cache: dict[str, object] = field(default_factory=dict)

    @property
    def cutoff(self) -> dt.datetime:
        """Targets falling due after this have not been missed yet."""
        return min(self.end, self.now) if self.now else self.end

    def days(self) -> list[dt.date]:
        tz = ZoneInfo(self.zone)
        first, last = self.start.astimezone(tz).date(), \
            (self.end - dt.timedelta(microseconds=1)).astimezone(tz).date()
        return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]

    def day_of_hour(self, hour: int) -> dt.date:
        return dt.datetime.fromtimestamp(hour * 3600, ZoneInfo(self.zone)).date()


def _scope(actor: Actor | None) -> Scope | None:
    if actor is None or actor.is_system:
        return Scope.all
    return scope_for(actor.role, "tickets.read")


def ticket_where(ask: Ask) -> list[ColumnElement[bool]]:
    f = ask.filters
    out: list[ColumnElement[bool]] = []
    if f.site_id is not None:
        out.append(T.site_id == f.site_id)
    if f.channel is not None:
        out.append(T.channel == f.channel)
    if f.team_id is not None:
        out.append(T.team_id == f.team_id)
    if f.agent_id is not None:
        out.append(T.agent_id == f.agent_id)
    scope = _scope(ask.actor)
    if scope is None:
        out.append(false())
    elif scope is not Scope.all and ask.actor is not None:
        # The tickets' own scope rule (tickets/scope.py), so the board shows what the
        # ticket list would.
        out.append(T.ticket_id.in_(select(Ticket.id).where(ticket_filter(ask.actor))))
    return out


def voice_where(ask: Ask) -> list[ColumnElement[bool]]:
    """Calls by the agent who answered them (an abandoned call has none, so it counts only
    on a board not narrowed to a site, team or agent)."""
    f = ask.filters
    out: list[ColumnElement[bool]] = []
    if f.channel is not None and f.channel != "voice":
        out.append(false())
    if f.site_id is not None:
        out.append(V.site_id == f.site_id)
    if f.team_id is not None:
        out.append(V.team_id == f.team_id)
    if f.agent_id is not None:
        out.append(V.agent_id == f.agent_id)
    scope, actor = _scope(ask.actor), ask.actor
    if scope is None:
        out.append(false())
    elif scope is not Scope.all and actor is not None:
        if scope is Scope.own:
            out.append(V.agent_id == actor.staff_id if actor.staff_id else false())
        elif scope is Scope.team:
            out.append(V.team_id.in_(actor.team_ids) if actor.team_ids
                       else V.agent_id == actor.staff_id)
        else:
            out.append(V.site_id == actor.site_id if actor.site_id else false())
    return out


def _flag(cond: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(case((cond, 1), else_=0))


def fcr_met(window_days: int) -> ColumnElement[bool]:
    return and_(T.contacts <= 1, T.reopened.is_(False),
                or_(T.repeat_after_seconds.is_(None),
                    T.repeat_after_seconds > window_days * 86400.0))


def own_queue_met() -> ColumnElement[bool]:
    return T.own_queue_seconds <= 0.10 * T.ttr_seconds


def response_counted(ask: Ask) -> ColumnElement[bool]:
    return or_(T.responded.is_(True), T.response_due_at < ask.cutoff)


Sums = dict[dt.date, list[float]]


def _by_day(ask: Ask, rows: Sequence[Sequence[Any]]) -> Sums:
    out: Sums = defaultdict(lambda: [])
    for row in rows:
        hour, *values = tuple(row)
        day = ask.day_of_hour(int(hour))
        have = out[day]
        if not have:
            have.extend(0.0 for _ in values)
        for i, v in enumerate(values):
            have[i] += float(v or 0)
    return dict(out)


def opened(session: Session, ask: Ask) -> Sums:
    """Per local day: tickets counted for D15.4 and those answered in time."""
    key = "opened"
    if key not in ask.cache:
        counted = response_counted(ask)
        rows = session.execute(
            select(T.opened_hour, _flag(counted), _flag(T.response_met.is_(True)))
            .where(T.opened_at >= ask.start, T.opened_at < ask.end, *ticket_where(ask))
            .group_by(T.opened_hour)).all()
        ask.cache[key] = _by_day(ask, list(rows))
    return ask.cache[key]  # type: ignore[return-value]


RESOLVED = ("resolved", "update_met", "ttr_target", "ttr_met", "own", "ttr", "fcr")


def resolved(session: Session, ask: Ask, fcr_window_days: int) -> Sums:
    """Per local day, over tickets resolved: the sums named in RESOLVED."""
    key = f"resolved:{fcr_window_days}"
    if key not in ask.cache:
        rows = session.execute(
            select(T.resolved_hour, func.count(), _flag(T.update_met.is_(True)),
                   _flag(T.ttr_target.is_(True)), _flag(T.ttr_met.is_(True)),
                   func.sum(T.own_queue_seconds), func.sum(T.ttr_seconds),
                   _flag(fcr_met(fcr_window_days)))
            .where(T.resolved_at >= ask.start, T.resolved_at < ask.end, *ticket_where(ask))
            .group_by(T.resolved_hour)).all()
        ask.cache[key] = _by_day(ask, list(rows))
    return ask.cache[key]  # type: ignore[return-value]


CALLS = ("within", "answered", "abandoned_long", "abandoned")


def calls(session: Session, ask: Ask, threshold: int, short: int) -> Sums:
    key = f"calls:{threshold}:{short}"
    if key not in ask.cache:
        rows = session.execute(
            select(V.arrived_hour,
                   _flag(and_(V.answered.is_(True), V.wait_seconds <= threshold)),
                   _flag(V.answered.is_(True)),
                   _flag(and_(V.abandoned.is_(True), V.wait_seconds >= short)),
                   _flag(V.abandoned.is_(True)))
            .where(V.arrived_at >= ask.start, V.arrived_at < ask.end, *voice_where(ask))
            .group_by(V.arrived_hour)).all()
        ask.cache[key] = _by_day(ask, list(rows))
    return ask.cache[key]  # type: ignore[return-value]
