"""What lies behind a KPI's numbers: the tickets (or calls) its denominator counted, with
whether each met the target, the missed ones first — the same WHERE as the board's count."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session

from sigap.reports import csat, tally
from sigap.reports.kpis import Options
from sigap.reports.models import KpiTicketFact, KpiVoiceFact
from sigap.reports.tally import Ask
from sigap.sla.models import CaringTask

T = KpiTicketFact
V = KpiVoiceFact
LIMIT = 500


@dataclass(frozen=True)
class Behind:
    kind: str  # tickets / interactions
    rows: tuple[tuple[int, bool], ...]  # (id, met), missed first, at most LIMIT
    total: int


def _resolved(ask: Ask) -> list[ColumnElement[bool]]:
    return [T.resolved_at >= ask.start, T.resolved_at < ask.end, *tally.ticket_where(ask)]


def _ticket_query(code: str, ask: Ask, options: Options
                  ) -> tuple[list[ColumnElement[bool]], ColumnElement[bool]] | None:
    if code == "D15.4":
        return ([T.opened_at >= ask.start, T.opened_at < ask.end, tally.response_counted(ask),
                 *tally.ticket_where(ask)], T.response_met.is_(True))
    if code == "D15.5":
        return _resolved(ask), T.update_met.is_(True)
    if code == "D15.6":
        return _resolved(ask), tally.own_queue_met()
    if code == "D15.8":
        return [*_resolved(ask), T.ttr_target.is_(True)], T.ttr_met.is_(True)
    if code == "D15.12":
        return _resolved(ask), tally.fcr_met(options.fcr_window_days)
    return None


def _run(session: Session, kind: str, stmt: Select[int, bool]) -> Behind:
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.execute(stmt.limit(LIMIT)).all()
    return Behind(kind, tuple((int(r[0]), bool(r[1])) for r in rows), total)


def ticket_outcomes(session: Session, code: str, ask: Ask, options: Options
                    ) -> list[tuple[int, bool]]:
    """Every (ticket id, met) a ticket KPI counts, unlimited (the agent scorecard)."""
    if code == "D15.11":
        stmt = csat.behind(ask)
    else:
        found = _ticket_query(code, ask, options)
        if found is None:
            raise KeyError(f"{code} is not counted by ticket")
        where, met = found
        stmt = select(T.ticket_id, and_(met).label("met")).where(*where)
    return [(int(t), bool(ok)) for t, ok in session.execute(stmt)]


def behind(session: Session, code: str, ask: Ask, options: Options) -> Behind | None:
    """The rows behind KPI `code`, or None when its numbers have no tickets or calls."""
    found = _ticket_query(code, ask, options)
    if found is not None:
        where, met = found
        flag = and_(met).label("met")
        return _run(session, "tickets", select(T.ticket_id, flag).where(*where)
                    .order_by(flag, T.ticket_id))
    if code == "D15.10":
        done = CaringTask.confirmed_at.is_not(None).label("met")
        return _run(session, "tickets", select(CaringTask.ticket_id, done)
                    .join(T, T.ticket_id == CaringTask.ticket_id)
                    .where(CaringTask.opened_at >= ask.start, CaringTask.opened_at < ask.end,
                           *tally.ticket_where(ask)).order_by(done, CaringTask.ticket_id))
    if code == "D15.11":
        return _run(session, "tickets", csat.behind(ask))
    if code == "D15.3":
        within = and_(V.answered.is_(True),
                      V.wait_seconds <= options.sl_threshold_seconds).label("met")
        counted: list[ColumnElement[bool]] = [V.answered.is_(True)]
        if options.abandons_in_denominator:
            counted.append(and_(V.abandoned.is_(True), V.wait_seconds >= (
                options.short_abandon_seconds if options.exclude_short_abandons else 0)))
        return _run(session, "interactions", select(V.interaction_id, within).where(
            V.arrived_at >= ask.start, V.arrived_at < ask.end, or_(*counted),
            *tally.voice_where(ask)).order_by(within, V.interaction_id))
    return None
