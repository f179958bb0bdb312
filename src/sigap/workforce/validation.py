"""A roster validated before it is published (issue 7 §8): one local day of a site is
simulated from the newest forecast of its queues and the roster's shifts and breaks
(draft or published) with `workforce.simulation`, and the predicted service level, ASA and
abandonment per interval are set beside Erlang's figures."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import select
from sqlalchemy.orm import Session

from sigap.workforce import history, rosters, service
from sigap.workforce import simulation as sim
from sigap.workforce.models import QueuePlan, Roster, RosterShift


@dataclass(frozen=True)
class Predicted:
    """The simulation's figures for one queue on its own interval grid."""

    plan: QueuePlan
    offered: NDArray[np.float64]
    service_level: NDArray[np.float64]
    asa_seconds: NDArray[np.float64]
    abandon_rate: NDArray[np.float64]
    occupancy: NDArray[np.float64]


def _minutes(at: dt.datetime, origin: dt.datetime) -> float:
    return (at - origin).total_seconds() / 60


def build_day(session: Session, site_id: int, day: dt.date,
              roster: Roster | None = None) -> tuple[sim.Day, list[QueuePlan]]:
    """The site's queues and rostered agents of a local day as a simulation input."""
    site = rosters.get_site(session, site_id)
    origin = history.local_midnight(day, site.timezone)
    end = history.local_midnight(day + dt.timedelta(days=1), site.timezone)
    plans = [p for p in service.plans(session, site_id)]
    step = min((p.interval_minutes for p in plans), default=30)
    queues = []
    for plan in plans:
        curve = service.curve(session, plan, origin, end)
        per = plan.interval_minutes // step
        volume = np.repeat(curve.volume / per, per)
        aht = np.repeat(curve.aht_seconds, per)
        answer = plan.deadline_minutes * 60 if plan.channel == "email" and \
            plan.deadline_minutes else plan.target_answer_seconds
        # A chat agent's `concurrency` conversations at once: each costs a share of it.
        effective = aht / max(1, plan.concurrency) if plan.channel != "voice" else aht
        queues.append(sim.Queue(plan.name, volume.tolist(),
                                np.maximum(effective, 1.0).tolist(), float(answer),
                                float(plan.patience_seconds) if plan.patience_seconds
                                else None))
    roster = roster or rosters.get_roster(session, site_id, day.replace(day=1))
    agents = []
    if roster is not None:
        names_by_desk: dict[str, dict[str, int]] = {}
        for plan in plans:
            names_by_desk.setdefault(plan.desk, {})[plan.name] = 1
        rows = session.scalars(select(RosterShift).where(
            RosterShift.roster_id == roster.id, RosterShift.day >= day - dt.timedelta(days=1),
            RosterShift.day <= day))
        for s in rows:
            skills = names_by_desk.get(s.desk)
            if not skills or s.end_at <= origin or s.start_at >= end:
                continue
            breaks = [sim.Window(_minutes(s.break_start, origin), _minutes(s.break_end, origin))] \
                if s.break_start is not None and s.break_end is not None else []
            agents.append(sim.Agent(f"{s.staff_id}", skills,
                                    [sim.Window(_minutes(s.start_at, origin),
                                                _minutes(s.end_at, origin))], breaks))
    return sim.Day(queues, agents, step), plans


def predict(session: Session, site_id: int, day: dt.date, seed: int = 0,
            roster: Roster | None = None) -> dict[int, Predicted]:
    """Simulated SL, ASA, abandonment and occupancy per plan and interval of the day."""
    model, plans = build_day(session, site_id, day, roster)
    if not model.queues:
        return {}
    result = sim.simulate(model, seed)
    out: dict[int, Predicted] = {}
    for plan in plans:
        per = plan.interval_minutes // model.interval_minutes
        slots = 1440 // plan.interval_minutes
        offered, answered_in, answered, abandoned = (np.zeros(slots) for _ in range(4))
        wait, busy = np.zeros(slots), np.zeros(slots)
        for row in result.rows:
            if row.queue != plan.name:
                continue
            i = min(slots - 1, row.interval // per)
            offered[i] += row.offered
            answered[i] += row.answered
            answered_in[i] += row.answered_in_target
            abandoned[i] += row.abandoned
            wait[i] += row.asa_seconds * row.answered if np.isfinite(row.asa_seconds) else 0
            busy[i] += row.occupancy / per if np.isfinite(row.occupancy) else 0
        with np.errstate(invalid="ignore", divide="ignore"):
            out[plan.id] = Predicted(
                plan, offered, np.where(offered > 0, answered_in / offered, np.nan),
                np.where(answered > 0, wait / answered, np.nan),
                np.where(offered > 0, abandoned / offered, np.nan), busy)
    return out
