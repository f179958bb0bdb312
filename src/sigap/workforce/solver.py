"""Solving a site's month (issue 7 §5) in three steps, so the minutes of CP-SAT never hold
a database transaction: `prepare` reads everything into plain problems, `compute` solves
them desk by desk with no database at all, `store` writes the shifts. The pages queue the
work for the worker (`queue` → the `roster_solve` job → `run_queued`); the CLI, the API
test path and the demo run `solve_month`, the three steps in one session."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from sigap.auth import audit
from sigap.auth.actor import SYSTEM
from sigap.core.clock import utcnow
from sigap.core.errors import Conflict, NotFound
from sigap.db.session import on_commit, transaction
from sigap.workforce import rosters, scheduler
from sigap.workforce.history import local_midnight
from sigap.workforce.models import Preference, Roster, RosterShift, RosterStatus

log = logging.getLogger("sigap.workforce.solver")
Progress = Callable[[str, int, int], None]
QUEUED, RUNNING, FAILED = "QUEUED", "RUNNING", "ERROR"
# Set by the worker's registration (workforce/tasks.py): hands a roster id to the queue.
enqueue: Callable[[int], None] | None = None


@dataclass
class Prepared:
    roster_id: int
    month: dt.date
    zone: str
    templates: dict[int, scheduler.Template]
    desks: list[tuple[str, scheduler.Problem]] = field(default_factory=list)


@dataclass
class SolveReport:
    roster: Roster
    desks: dict[str, scheduler.Solution] = field(default_factory=dict)


def _draft(session: Session, site_id: int, month: dt.date, staff_id: int | None) -> Roster:
    roster = rosters.get_roster(session, site_id, month)
    if roster is not None and roster.status != RosterStatus.draft:
        raise Conflict("Roster ini sudah diterbitkan; tidak bisa disusun ulang.",
                       field="month")
    if roster is None:
        roster = Roster(site_id=site_id, month=month, created_by_id=staff_id, rules={})
        session.add(roster)
        session.flush()
    return roster


def prepare(session: Session, site_id: int, month: dt.date,
            staff_id: int | None = None) -> Prepared:
    """The month's problems, one per desk, read from the database."""
    site = rosters.get_site(session, site_id)
    roster = _draft(session, site_id, month, staff_id)
    days = rosters.days_in(month)
    tpls = rosters.ensure_templates(session, site_id)
    agents = rosters.site_agents(session, site_id)
    needs = rosters.desk_requirement(session, site, month, days)
    ids = [s.id for s, _ in agents]
    away: dict[int, set[int]] = {}
    for leave in rosters.leaves(session, ids, month, month + dt.timedelta(days=days - 1)):
        for d in range(days):
            if leave.first_day <= month + dt.timedelta(days=d) <= leave.last_day:
                away.setdefault(leave.staff_id, set()).add(d)
    prefs = {p.staff_id: p for p in session.scalars(
        select(Preference).where(Preference.staff_id.in_(ids)))}
    before = rosters.previous_ends(session, ids, month, site.timezone)
    plain = {t.id: scheduler.Template(t.id, t.code, t.start_minute, t.minutes, t.skill,
                                      t.break_minutes, t.break_after, t.break_before)
             for t in tpls}
    prepared = Prepared(roster.id, month, site.timezone, plain)
    for desk in sorted({desk for _, desk in agents}):
        people = [s for s, d in agents if d == desk]
        prepared.desks.append((desk, scheduler.Problem(
            month.weekday(), days, rosters.SLOT,
            needs.get(desk, np.zeros((days, 1440 // rosters.SLOT))), list(plain.values()),
            [scheduler.Agent(s.id, frozenset(s.skills or []), frozenset(away.get(s.id, ())),
                             frozenset(prefs[s.id].shift_codes) if s.id in prefs
                             else frozenset(),
                             frozenset(prefs[s.id].days_off) if s.id in prefs
                             else frozenset(), before.get(s.id))
             for s in people])))
    return prepared


def compute(prepared: Prepared, rules: scheduler.Rules, progress: Progress | None = None
            ) -> dict[str, tuple[scheduler.Solution, dict[tuple[int, int], int]]]:
    """Solve each desk (no database). The time limit is shared by the desks' sizes, the
    smallest first, and what a desk leaves unused passes on to the ones after it."""
    started = time.perf_counter()
    order = sorted(prepared.desks, key=lambda item: (len(item[1].agents), item[0]))
    left_agents = sum(len(p.agents) for _d, p in order) or 1
    out = {}
    for index, (desk, problem) in enumerate(order):
        remaining = rules.time_limit - (time.perf_counter() - started)
        share = remaining * len(problem.agents) / left_agents
        left_agents = max(1, left_agents - len(problem.agents))
        desk_rules = scheduler.Rules(**{**rules.__dict__, "time_limit": max(1.0, share)})
        solution = scheduler.solve(problem, desk_rules)
        out[desk] = (solution, scheduler.place_breaks(problem, solution.assignments,
                                                      solution.scheduled))
        if progress is not None:
            progress(desk, index + 1, len(order))
    return dict(sorted(out.items()))


def store(session: Session, prepared: Prepared, rules: scheduler.Rules,
          results: dict[str, tuple[scheduler.Solution, dict[tuple[int, int], int]]]
          ) -> SolveReport:
    roster = session.get(Roster, prepared.roster_id)
    if roster is None:
        raise NotFound(f"Roster {prepared.roster_id} tidak ditemukan.")
    if roster.status != RosterStatus.draft:
        raise Conflict("Roster ini sudah diterbitkan selama disusun.", field="month")
    gone = session.execute(delete(RosterShift).where(RosterShift.roster_id == roster.id))
    dropped = int(getattr(gone, "rowcount", 0) or 0)
    if dropped:  # a bulk delete bypasses the flush hook: its own audit row
        audit.record(session, "wfm_roster_shifts.delete", "wfm_rosters", roster.id,
                     {"rows": dropped})
    report = SolveReport(roster)
    for desk, (solution, breaks) in results.items():
        report.desks[desk] = solution
        for agent_id, d, template_id in solution.assignments:
            tpl = prepared.templates[template_id]
            day = prepared.month + dt.timedelta(days=d)
            start = local_midnight(day, prepared.zone) + dt.timedelta(minutes=tpl.start_minute)
            offset = breaks.get((agent_id, d))
            session.add(RosterShift(
                roster_id=roster.id, staff_id=agent_id, day=day, template_id=tpl.id,
                desk=desk, start_at=start, end_at=start + dt.timedelta(minutes=tpl.minutes),
                break_start=start + dt.timedelta(minutes=offset) if offset is not None else None,
                break_end=start + dt.timedelta(minutes=offset + tpl.break_minutes)
                if offset is not None else None))
    statuses = [s.status for s in report.desks.values()]
    roster.solver_status = next((s for s in ("MODEL_INVALID", "INFEASIBLE", "UNKNOWN",
                                             "FEASIBLE") if s in statuses), "OPTIMAL")
    roster.solve_seconds = round(sum(s.seconds for s in report.desks.values()), 2)
    roster.under_minutes = sum(s.under_minutes for s in report.desks.values())
    roster.over_minutes = sum(s.over_minutes for s in report.desks.values())
    roster.rules = dict(rules.__dict__)
    session.flush()
    return report


def solve_month(session: Session, site_id: int, month: dt.date,
                rules: scheduler.Rules = scheduler.Rules(), staff_id: int | None = None,
                progress: Progress | None = None) -> SolveReport:
    """Solve (or solve again) a site's draft roster for a month, in this session."""
    prepared = prepare(session, site_id, month, staff_id)
    return store(session, prepared, rules, compute(prepared, rules, progress))


def queue(session: Session, site_id: int, month: dt.date, rules: scheduler.Rules,
          staff_id: int | None = None) -> Roster:
    """Mark the draft roster queued and hand it to the worker once this commits."""
    roster = _draft(session, site_id, month, staff_id)
    if roster.solver_status in (QUEUED, RUNNING):
        raise Conflict("Roster ini sedang disusun.", field="month")
    roster.solver_status, roster.rules = QUEUED, dict(rules.__dict__)
    session.flush()
    roster_id = roster.id
    hand_over = enqueue
    if hand_over is not None:
        on_commit(session, lambda: hand_over(roster_id))
    return roster


def forgotten(session: Session, older_than: dt.timedelta = dt.timedelta(minutes=2)) -> list[int]:
    """Rosters queued a while ago and still not taken up (queued by a process without the
    task queue, or a job lost with a stopped worker): the periodic pickup solves them."""
    cutoff = utcnow() - older_than
    return list(session.scalars(select(Roster.id).where(
        Roster.status == RosterStatus.draft, Roster.solver_status == QUEUED,
        Roster.updated_at <= cutoff).order_by(Roster.id)))


def run_queued(sessions: sessionmaker[Session], roster_id: int) -> SolveReport | None:
    """The worker's job: read in one short transaction, solve outside any, write in
    another; a failure leaves the roster marked ERROR for the planner to queue again."""
    with transaction(sessions) as session:
        audit.bind_actor(session, SYSTEM)
        roster = session.get(Roster, roster_id)
        if roster is None or roster.status != RosterStatus.draft \
                or roster.solver_status != QUEUED:
            return None
        saved: dict[str, Any] = {k: v for k, v in (roster.rules or {}).items()
                                 if k in scheduler.Rules.__dataclass_fields__}
        rules = scheduler.Rules(**saved)
        prepared = prepare(session, roster.site_id, roster.month)
        roster.solver_status = RUNNING
    try:
        results = compute(prepared, rules)
        with transaction(sessions) as session:
            audit.bind_actor(session, SYSTEM)
            return store(session, prepared, rules, results)
    except Exception:
        log.exception("roster %s could not be solved", roster_id)
        with transaction(sessions) as session:
            audit.bind_actor(session, SYSTEM)
            failed = session.get(Roster, roster_id)
            if failed is not None and failed.solver_status == RUNNING:
                failed.solver_status = FAILED
        raise
