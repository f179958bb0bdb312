"""Keeps the KPI facts: recomputed from the ticket event log for the tickets whose events
arrived since the watermark (the worker, every minute), or for every ticket (`--full`).

The incremental pass also re-reads the last OVERLAP (500) event ids before the watermark,
so an event whose transaction committed after a later one was seen is not missed; and it
refreshes the customer's earlier tickets a new ticket may have made a repeat contact of
(D15.12). A change of SLA policies needs a full pass (the CLI says so).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Table, delete, func, insert, select, update
from sqlalchemy.orm import Session

from sigap.auth import audit
from sigap.core.clock import utcnow
from sigap.customers.models import Customer
from sigap.org.models import Staff, Team
from sigap.reports import facts as F
from sigap.reports.models import KpiTicketFact, KpiVoiceFact, KpiWatermark
from sigap.sla import policy as sla_policy
from sigap.sla.calendar import TENESA_24X7
from sigap.sla.models import SlaPolicy
from sigap.sla.service import CALENDARS
from sigap.tickets.models import Interaction, Ticket, TicketEvent

OVERLAP = 500
_TICKET_FACTS: Table = KpiTicketFact.__table__  # type: ignore[assignment]
_VOICE_FACTS: Table = KpiVoiceFact.__table__  # type: ignore[assignment]
CHUNK = 2000
Progress = Callable[[int], None]


@dataclass
class RollupReport:
    tickets: int = 0
    calls: int = 0
    last_event_id: int = 0


@dataclass(frozen=True)
class _Org:
    team_site: dict[int, int]
    staff: dict[int, tuple[int | None, int | None]]  # staff id → (team, site)

    def site(self, team_id: int | None, agent_id: int | None) -> int | None:
        if team_id is not None and team_id in self.team_site:
            return self.team_site[team_id]
        return self.staff.get(agent_id, (None, None))[1] if agent_id is not None else None


def _org(session: Session) -> _Org:
    return _Org({i: s for i, s in session.execute(select(Team.id, Team.site_id))},
                {i: (t, s) for i, t, s in session.execute(
                    select(Staff.id, Staff.team_id, Staff.site_id))})


def _targets(policy: SlaPolicy) -> F.Targets:
    return F.Targets(policy.id or 0, CALENDARS.get(policy.calendar, TENESA_24X7),
                     policy.response_minutes * 60.0, policy.update_minutes * 60.0,
                     policy.ttr_minutes * 60.0 if policy.ttr_minutes else None)


def _facts_of(session: Session, ids: Sequence[int], policies: list[SlaPolicy], org: _Org,
              now: dt.datetime, whole: bool = False) -> list[dict[str, object]]:
    """Fact rows of these tickets (merged-away tickets have none). `whole`: the ids are
    every ticket id from the first to the last, so a range stands for them (a long IN
    list costs more to send than to answer)."""
    def among(column: Any) -> ColumnElement[bool]:
        return column.between(ids[0], ids[-1]) if whole else column.in_(ids)

    tickets = session.execute(
        select(Ticket.id, Ticket.created_at, Ticket.customer_id, Ticket.service_id,
               Ticket.owner_id, Ticket.team_id, Ticket.channel, Ticket.product,
               Ticket.severity, Customer.segment)
        .join(Customer, Customer.id == Ticket.customer_id)
        .where(among(Ticket.id), Ticket.merged_into_id.is_(None))).all()
    if not tickets:
        return []
    live = {t.id for t in tickets}
    logs: dict[int, list[F.LogEvent]] = defaultdict(list)
    for e in session.execute(
            select(TicketEvent.ticket_id, TicketEvent.id, TicketEvent.at, TicketEvent.kind,
                   TicketEvent.from_state, TicketEvent.to_state, TicketEvent.data)
            .where(among(TicketEvent.ticket_id))
            .order_by(TicketEvent.ticket_id, TicketEvent.at, TicketEvent.id)):
        if e.ticket_id in live:
            logs[e.ticket_id].append(F.LogEvent(e.id, e.at, e.kind, e.from_state,
                                                e.to_state, e.data or {}))
    contacts: dict[int, int] = {i: n for i, n in session.execute(
        select(Interaction.ticket_id, func.count()).where(among(Interaction.ticket_id))
        .group_by(Interaction.ticket_id)) if i is not None}
    first = min(t.created_at for t in tickets)
    later: dict[tuple[int, int | None], list[tuple[dt.datetime, int]]] = defaultdict(list)
    customers = select(Ticket.customer_id).where(among(Ticket.id)).scalar_subquery()
    for cid, sid, created, tid in session.execute(
            select(Ticket.customer_id, Ticket.service_id, Ticket.created_at, Ticket.id)
            .where(Ticket.customer_id.in_(customers), Ticket.created_at > first)):
        later[(cid, sid)].append((created, tid))
    for times in later.values():
        times.sort()
    rows: list[dict[str, object]] = []
    rules: dict[tuple[str, str, str, str], SlaPolicy] = {}
    for t in tickets:
        key = (t.segment, t.product, t.channel, t.severity)
        rule = rules.get(key)
        if rule is None:
            rule = rules[key] = sla_policy.policy_for(policies, dict(zip(
                ("segment", "product", "channel", "severity"), key, strict=True)))
        others = [at for at, tid in later.get((t.customer_id, t.service_id), ()) if tid != t.id]
        f = F.compute(t.created_at, logs.get(t.id, []), _targets(rule), t.owner_id, others,
                      now)
        rows.append({
            "ticket_id": t.id, "opened_at": f.opened_at, "opened_hour": F.hour_of(f.opened_at),
            "resolved_at": f.resolved_at,
            "resolved_hour": F.hour_of(f.resolved_at) if f.resolved_at else None,
            "customer_id": t.customer_id, "site_id": org.site(t.team_id, t.owner_id),
            "team_id": t.team_id, "agent_id": t.owner_id, "channel": t.channel,
            "segment": t.segment, "product": t.product, "policy_id": rule.id or 0,
            "responded": f.responded, "response_met": f.response_met,
            "response_due_at": f.response_due_at, "update_met": f.update_met,
            "ttr_seconds": f.ttr_seconds, "ttr_target": f.ttr_target, "ttr_met": f.ttr_met,
            "own_queue_seconds": f.own_queue_seconds, "contacts": contacts.get(t.id, 0),
            "reopened": f.reopened, "repeat_after_seconds": f.repeat_after_seconds,
            "last_event_id": f.last_event_id})
    return rows


def _chunks(ids: Sequence[int], size: int = CHUNK) -> Iterable[Sequence[int]]:
    for i in range(0, len(ids), size):
        yield ids[i:i + size]


def _write_tickets(session: Session, ids: Sequence[int], policies: list[SlaPolicy],
                   org: _Org, now: dt.datetime, progress: Progress | None,
                   whole: bool) -> int:
    written = 0
    for part in _chunks(ids):
        rows = _facts_of(session, part, policies, org, now, whole)
        if not whole:  # a full pass starts from an empty table
            session.execute(delete(KpiTicketFact).where(KpiTicketFact.ticket_id.in_(part)))
        if rows:
            # Core executemany: one statement for the chunk (the ORM bulk path splits it).
            session.connection().execute(insert(_TICKET_FACTS), rows)
        written += len(rows)
        if progress:
            progress(len(part))
    return written


def _voice_rows(session: Session, ids: Sequence[int], org: _Org,
                whole: bool) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for i, arrived, queued, answered, ended, agent in session.execute(
            select(Interaction.id, Interaction.arrived_at, Interaction.queued_at,
                   Interaction.answered_at, Interaction.ended_at, Interaction.agent_id)
            .where(Interaction.id.between(ids[0], ids[-1]) if whole
                   else Interaction.id.in_(ids), Interaction.channel == "voice",
                   Interaction.direction == "inbound")):
        start = queued or arrived
        stop = answered or ended
        team, site = org.staff.get(agent, (None, None)) if agent is not None else (None, None)
        rows.append({"interaction_id": i, "arrived_at": arrived,
                     "arrived_hour": F.hour_of(arrived), "agent_id": agent, "team_id": team,
                     "site_id": org.site(team, agent) if agent is not None else site,
                     "answered": answered is not None,
                     "abandoned": answered is None and ended is not None,
                     "wait_seconds": max(0.0, (stop - start).total_seconds()) if stop else 0.0,
                     "settled": stop is not None})
    return rows


def _write_calls(session: Session, ids: Sequence[int], org: _Org, whole: bool) -> int:
    written = 0
    for part in _chunks(ids):
        rows = _voice_rows(session, part, org, whole)
        if not whole:
            session.execute(delete(KpiVoiceFact).where(
                KpiVoiceFact.interaction_id.in_(part)))
        if rows:
            session.connection().execute(insert(_VOICE_FACTS), rows)
        written += len(rows)
    return written


def _mark(session: Session, name: str, last_id: int, now: dt.datetime) -> None:
    # Core statements: derived bookkeeping, summarised by one audit row per pass instead.
    done = session.execute(update(KpiWatermark).where(KpiWatermark.name == name)
                           .values(last_id=last_id, at=now))
    if not getattr(done, "rowcount", 0):
        session.execute(insert(KpiWatermark).values(name=name, last_id=last_id, at=now))


def _watermark(session: Session, name: str) -> int | None:
    return session.scalar(select(KpiWatermark.last_id).where(KpiWatermark.name == name))


def _repeat_dependents(session: Session, ids: Sequence[int]) -> set[int]:
    """Earlier tickets of the same customers whose next contact these new tickets may be."""
    found: set[int] = set()
    for part in _chunks(ids):
        last: dict[int, dt.datetime] = {}
        for cid, created in session.execute(select(Ticket.customer_id, Ticket.created_at)
                                            .where(Ticket.id.in_(part))):
            last[cid] = max(created, last.get(cid, created))
        if not last:
            continue
        for cids, in_part in _chunked_customers(last):
            horizon = min(in_part.values()) - F.REPEAT_HORIZON
            for tid, who, resolved in session.execute(
                    select(KpiTicketFact.ticket_id, KpiTicketFact.customer_id,
                           KpiTicketFact.resolved_at)
                    .where(KpiTicketFact.customer_id.in_(cids),
                           KpiTicketFact.resolved_at >= horizon)):
                if resolved is not None and resolved < in_part[who]:
                    found.add(tid)
    return found


def _chunked_customers(last: dict[int, dt.datetime]
                       ) -> Iterable[tuple[list[int], dict[int, dt.datetime]]]:
    keys = sorted(last)
    for part in _chunks(keys):
        yield list(part), {k: last[k] for k in part}


def refresh(session: Session, full: bool = False, now: dt.datetime | None = None,
            progress: Progress | None = None,
            total: Callable[[int], None] | None = None) -> RollupReport:
    """Bring the facts up to date with the event log (all of them with `full`)."""
    now = now or utcnow()
    report = RollupReport()
    policies = list(session.scalars(select(SlaPolicy)))
    org = _org(session)
    top = session.scalar(select(func.max(TicketEvent.id))) or 0
    top_call = session.scalar(select(func.max(Interaction.id))) or 0
    mark = _watermark(session, "events")
    call_mark = _watermark(session, "calls")
    if full or mark is None:
        session.execute(delete(KpiTicketFact))
        ids: list[int] = list(session.scalars(select(Ticket.id).order_by(Ticket.id)))
    else:
        since = max(0, mark - OVERLAP)
        changed = set(session.scalars(select(TicketEvent.ticket_id).distinct().where(
            TicketEvent.id > since, TicketEvent.id <= top)))
        created = sorted(session.scalars(select(TicketEvent.ticket_id).where(
            TicketEvent.id > since, TicketEvent.id <= top, TicketEvent.kind == "created")))
        # A contact stored without its own event still changes the ticket's count (FCR);
        # linking one writes an event, which the overlap above covers.
        changed |= {i for i in session.scalars(select(Interaction.ticket_id).distinct().where(
            Interaction.id > (call_mark or 0), Interaction.id <= top_call)) if i is not None}
        ids = sorted(changed | _repeat_dependents(session, created))
    if full or call_mark is None:
        session.execute(delete(KpiVoiceFact))
        calls = list(session.scalars(select(Interaction.id).where(
            Interaction.channel == "voice", Interaction.direction == "inbound")
            .order_by(Interaction.id)))
    else:
        since_call = max(0, call_mark - OVERLAP)
        calls = sorted(set(session.scalars(select(Interaction.id).where(
            Interaction.id > since_call, Interaction.id <= top_call,
            Interaction.channel == "voice", Interaction.direction == "inbound")))
            | set(session.scalars(select(KpiVoiceFact.interaction_id)
                                  .where(KpiVoiceFact.settled.is_(False)))))
    if total:
        total(len(ids))
    whole_tickets = full or mark is None
    report.tickets = _write_tickets(session, ids, policies, org, now, progress, whole_tickets)
    report.calls = _write_calls(session, calls, org, full or call_mark is None)
    _mark(session, "events", top, now)
    _mark(session, "calls", top_call, now)
    report.last_event_id = top
    if report.tickets or report.calls or full:
        audit.record(session, "kpi_rollup.refresh", "kpi_ticket_facts", None,
                     {"full": full, "tickets": report.tickets, "calls": report.calls,
                      "last_event_id": top})
    return report
