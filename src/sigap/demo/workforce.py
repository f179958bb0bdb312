"""The demo's workforce (issue 7): a queue plan per Tier 1 channel and site, the usual shift
templates, a forecast from the demo's traffic, this month's roster solved and published,
and yesterday's and this morning's presence and check-ins that follow it (some agents
late, a few absent, breaks kept or overrun), so every workforce page shows a real floor."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from sqlalchemy import insert, update
from sqlalchemy.orm import Session

from sigap.auth import audit
from sigap.demo.people import SITES, Org
from sigap.routing.models import Presence, PresenceChange
from sigap.workforce import rosters, scheduler, service, solver
from sigap.workforce.models import (
    Attendance,
    Forecast,
    QueuePlan,
    Roster,
    RosterShift,
    ShiftTemplate,
)

# desk: (channel, plan settings)
PLANS: dict[str, tuple[str, dict[str, Any]]] = {
    "Tier 1 Voice": ("voice", {"target_service_level": 0.8, "target_answer_seconds": 20,
                               "patience_seconds": 120}),
    "Tier 1 Chat": ("whatsapp", {"target_service_level": 0.8, "target_answer_seconds": 60,
                                 "concurrency": 3}),
    "Tier 1 Email": ("email", {"target_service_level": 0.9, "target_answer_seconds": 1800,
                               "deadline_minutes": 30}),
    "Tier 1 Sosial Media": ("facebook", {"target_service_level": 0.8,
                                         "target_answer_seconds": 900}),
}
# Solver effort in CP-SAT's deterministic units: the same roster on every machine.
DEMO_RULES = scheduler.Rules(deterministic_time=2.0, time_limit=30)


def seed_workforce(session: Session, org: Org, rng: random.Random, today: dt.date,
                   cutoff: dt.datetime) -> dict[str, int]:
    total = sum(sdm for *_rest, sdm in SITES)
    share = {i + 1: sdm / total for i, (*_rest, sdm) in enumerate(SITES)}
    made = 0
    for site in org.sites:
        for desk, (channel, settings) in PLANS.items():
            service.save_plan(session, {
                "name": f"{desk} · {site['code']}", "channel": channel, "site_id": site["id"],
                "desk": desk, "site_share": round(share[site["id"]], 4), **settings})
            made += 1
    end = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    forecasts = 0
    for plan in service.plans(session):
        service.make_forecast(session, plan, today, (end - today).days, history_days=14,
                              note="demo")
        forecasts += 1
    month = today.replace(day=1)
    shifts = 0
    for site in org.sites:
        report = solver.solve_month(session, site["id"], month, DEMO_RULES)
        rosters.publish(session, report.roster, None)
        shifts += sum(len(s.assignments) for s in report.desks.values())
    changes, records = _presence(session, rng, today, cutoff)
    _stamp(session, cutoff)
    return {"wfm_queue_plans": made, "wfm_forecasts": forecasts, "wfm_roster_shifts": shifts,
            "presence_changes": changes, "wfm_attendance": records}


def _stamp(session: Session, at: dt.datetime) -> None:
    """The demo's rows carry the demo's 'now', not the wall clock: same seed, same rows."""
    session.flush()
    for model, columns in ((QueuePlan, ("created_at", "updated_at")),
                           (ShiftTemplate, ("created_at", "updated_at")),
                           (Forecast, ("created_at",)),
                           (Roster, ("created_at", "updated_at", "published_at"))):
        session.execute(update(model).values(dict.fromkeys(columns, at)))


def _presence(session: Session, rng: random.Random, today: dt.date,
              cutoff: dt.datetime) -> tuple[int, int]:
    """Presence and check-ins for yesterday's and today's shifts up to the cutoff."""
    from sqlalchemy import select

    shifts = list(session.scalars(select(RosterShift).where(
        RosterShift.day >= today - dt.timedelta(days=1), RosterShift.day <= today)
        .order_by(RosterShift.start_at, RosterShift.staff_id)))
    changes: list[dict[str, Any]] = []
    records: list[dict[str, Any]] = []
    last: dict[int, tuple[str, str, dt.datetime]] = {}

    def move(staff_id: int, at: dt.datetime, state: str, reason: str = "") -> None:
        if at > cutoff:
            return
        before = last.get(staff_id, ("offline", "", at))
        changes.append({"staff_id": staff_id, "at": at, "state": state, "reason": reason,
                        "previous": before[0], "source": "agent",
                        "previous_seconds": max(0, int((at - before[2]).total_seconds()))})
        last[staff_id] = (state, reason, at)

    for s in shifts:
        if s.start_at > cutoff:
            continue
        roll = rng.random()
        if roll < 0.04:
            continue  # absent: no check-in, no presence
        late = dt.timedelta(minutes=rng.randint(8, 40) if roll < 0.14 else rng.randint(-10, 2))
        arrive = s.start_at + late
        if arrive > cutoff:
            continue
        leave = s.end_at + dt.timedelta(minutes=rng.randint(-5, 10))
        records.append({"staff_id": s.staff_id, "day": s.day, "shift_id": s.id,
                        "check_in": arrive, "check_out": leave if leave <= cutoff else None,
                        "corrected_by_id": None, "correction_reason": "",
                        "created_at": arrive, "updated_at": arrive})
        move(s.staff_id, arrive, "ready")
        if rng.random() < 0.3:
            aux = arrive + dt.timedelta(minutes=rng.randint(30, 120))
            move(s.staff_id, aux, "aux", rng.choice(["toilet", "coaching", "system"]))
            move(s.staff_id, aux + dt.timedelta(minutes=rng.randint(5, 20)), "ready")
        if s.break_start is not None and s.break_end is not None:
            move(s.staff_id, s.break_start + dt.timedelta(minutes=rng.randint(0, 5)), "aux",
                 "break")
            move(s.staff_id, s.break_end + dt.timedelta(minutes=rng.randint(0, 15)), "ready")
        move(s.staff_id, leave, "offline")
    changes.sort(key=lambda c: (c["at"], c["staff_id"]))
    if changes:
        session.execute(insert(PresenceChange), changes)
        session.execute(insert(Presence), [
            {"staff_id": sid, "state": state, "reason": reason, "since": at}
            for sid, (state, reason, at) in sorted(last.items())])
    if records:
        session.execute(insert(Attendance), records)
    audit.record(session, "demo.workforce", "wfm_attendance", None,
                 {"presence_changes": len(changes), "attendance": len(records)})
    return len(changes), len(records)
