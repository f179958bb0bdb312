"""Intraday (issue 7 §7, D18): today's actual against the forecast per interval, surges
(routing's surge log of the queue, and intervals well above the forecast), a re-forecast of
the rest of the day, and recovery recommendations for the QIA report: move skilled agents
from desks with people to spare, cancel training, offer overtime."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from sigap.core.clock import utcnow
from sigap.org.models import Staff
from sigap.routing import surge
from sigap.routing.models import Surge
from sigap.workforce import history, rosters, staffing
from sigap.workforce import service as planning
from sigap.workforce.models import Leave, QueuePlan

SPIKE_RATIO = 1.2  # an interval this far above its forecast …
SPIKE_MIN = 5  # … by at least this many contacts is a surge against the forecast
RECENT = 4  # intervals that weigh the re-forecast towards the latest traffic


@dataclass(frozen=True)
class Recommendation:
    kind: str  # move / cancel_training / overtime
    start: dt.datetime
    end: dt.datetime
    short: int  # agents missing at the worst interval of the window
    agents: tuple[str, ...]
    text: str


@dataclass
class Intraday:
    plan: QueuePlan
    starts: list[dt.datetime]
    forecast: np.ndarray
    actual: np.ndarray  # NaN for intervals not yet over
    reforecast: np.ndarray
    required: np.ndarray  # agents on the floor for the re-forecast
    scheduled: np.ndarray
    ratio: float
    spikes: list[int] = field(default_factory=list)
    surges: list[Surge] = field(default_factory=list)
    recommendations: list[Recommendation] = field(default_factory=list)


def ratio_to_date(forecast: np.ndarray, actual: np.ndarray, done: int) -> float:
    """How far today runs above (> 1) or below its forecast: half the whole day so far,
    half the last few intervals; kept between 0.3 and 3."""
    if done == 0:
        return 1.0
    day_f, day_a = forecast[:done].sum(), actual[:done].sum()
    recent_f, recent_a = forecast[max(0, done - RECENT):done].sum(), \
        actual[max(0, done - RECENT):done].sum()
    parts = [a / f for a, f in ((day_a, day_f), (recent_a, recent_f)) if f > 0]
    return float(np.clip(np.mean(parts), 0.3, 3.0)) if parts else 1.0


def view(session: Session, plan: QueuePlan, now: dt.datetime | None = None) -> Intraday:
    now = now or utcnow()
    zone = history.zone_of(session, plan)
    day = history.to_local_day(now, zone)
    start = history.local_midnight(day, zone)
    end = history.local_midnight(day + dt.timedelta(days=1), zone)
    curve = planning.curve(session, plan, start, end)
    past = history.series(session, plan, day, 1, zone)
    step = dt.timedelta(minutes=plan.interval_minutes)
    done = min(len(curve.volume), max(0, int((now - start) / step)))
    actual = past.volume.copy()
    actual[done:] = np.nan
    ratio = ratio_to_date(curve.volume, past.volume, done)
    reforecast = curve.volume.copy()
    reforecast[:done] = past.volume[:done]
    reforecast[done:] = curve.volume[done:] * ratio
    need = staffing.requirement_from(plan, start, reforecast, curve.aht_seconds).floor_agents
    slots, _on = (rosters.scheduled_on(session, plan.site_id, plan.desk, day, zone)
                 if plan.site_id is not None else (np.zeros(48), {}))
    per_slot = rosters.SLOT // plan.interval_minutes if plan.interval_minutes < rosters.SLOT \
        else 1
    scheduled = np.repeat(slots, per_slot) if plan.interval_minutes <= rosters.SLOT else \
        slots.reshape(-1, plan.interval_minutes // rosters.SLOT).min(axis=1)
    spikes = [i for i in range(done) if past.volume[i] >= curve.volume[i] * SPIKE_RATIO
              and past.volume[i] - curve.volume[i] >= SPIKE_MIN]
    result = Intraday(plan, [start + i * step for i in range(len(curve.volume))],
                      curve.volume, actual, reforecast, need, scheduled, ratio, spikes)
    if plan.routing_queue_id is not None:
        result.surges = [s for s in surge.history(session, [plan.routing_queue_id])
                         if s.started_at >= start]
    result.recommendations = recommend(session, result, done, day)
    return result


def _windows(short: np.ndarray, first: int) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    i = first
    while i < len(short):
        if short[i] > 0:
            j = i
            while j + 1 < len(short) and short[j + 1] > 0:
                j += 1
            out.append((i, j + 1))
            i = j + 1
        else:
            i += 1
    return out


def recommend(session: Session, today: Intraday, done: int,
              day: dt.date) -> list[Recommendation]:
    """For each stretch of the rest of the day where the re-forecast needs more agents than
    the roster has on the floor: who could be moved in, whose training could wait, who
    could stay longer."""
    plan = today.plan
    short = np.ceil(today.required - today.scheduled - 1e-9)
    out: list[Recommendation] = []
    for first, last in _windows(short, done):
        worst = int(short[first:last].max())
        t0, t1 = today.starts[first], today.starts[last - 1] + dt.timedelta(
            minutes=plan.interval_minutes)
        spare = _spare_agents(session, plan, day, t0, t1, worst)
        if spare:
            out.append(Recommendation("move", t0, t1, worst, tuple(spare),
                                      f"Pindahkan {len(spare)} agen berskill {plan.channel} "
                                      f"dari desk lain ke {plan.desk}."))
        training = _in_training(session, plan, day)[:worst]
        if training:
            out.append(Recommendation("cancel_training", t0, t1, worst, tuple(training),
                                      f"Tunda training {len(training)} agen {plan.desk}."))
        extra = _overtime(session, plan, day, t0, worst)
        if extra:
            out.append(Recommendation("overtime", t0, t1, worst, tuple(extra),
                                      f"Tawarkan lembur kepada {len(extra)} agen "
                                      f"{plan.desk} yang shiftnya baru selesai."))
    return out


def _spare_agents(session: Session, plan: QueuePlan, day: dt.date, t0: dt.datetime,
                  t1: dt.datetime, wanted: int) -> list[str]:
    """Agents on shift in another desk of the site who serve this channel, from desks
    whose roster has more people than their own requirement over the window."""
    if plan.site_id is None:
        return []
    names: list[str] = []
    zone = history.zone_of(session, plan)
    for other in planning.plans(session, plan.site_id):
        if other.desk == plan.desk or len(names) >= wanted:
            continue
        need = planning.requirement(session, other, t0, t1).floor_agents
        counts, on = rosters.scheduled_on(session, plan.site_id, other.desk, day, zone)
        start = history.local_midnight(day, zone)
        slots = range(int((t0 - start).total_seconds() // 1800),
                      int((t1 - start).total_seconds() // 1800))
        spare = int(min((counts[s] for s in slots if s < 48), default=0)
                    - (need.max() if len(need) else 0))
        if spare <= 0:
            continue
        ids = {sh.staff_id for s in slots for sh in on.get(s, [])}
        for person in session.scalars(select(Staff).where(Staff.id.in_(ids))
                                      .order_by(Staff.online_name)):
            if plan.channel in (person.channels or []) and len(names) < wanted \
                    and spare > 0:
                names.append(person.online_name)
                spare -= 1
    return names


def _in_training(session: Session, plan: QueuePlan, day: dt.date) -> list[str]:
    ids = [s.id for s, desk in rosters.site_agents(session, plan.site_id or 0)
           if desk == plan.desk]
    return list(session.scalars(
        select(Staff.online_name).join(Leave, Leave.staff_id == Staff.id)
        .where(Leave.staff_id.in_(ids), Leave.kind == "training", Leave.first_day <= day,
               Leave.last_day >= day).order_by(Staff.online_name)))


def _overtime(session: Session, plan: QueuePlan, day: dt.date, t0: dt.datetime,
              wanted: int) -> list[str]:
    """Agents of the desk whose published shift ends in the two hours before the window."""
    if plan.site_id is None:
        return []
    zone = history.zone_of(session, plan)
    _counts, on = rosters.scheduled_on(session, plan.site_id, plan.desk, day, zone)
    ending = {sh.staff_id for shifts in on.values() for sh in shifts
              if t0 - dt.timedelta(hours=2) <= sh.end_at <= t0}
    return list(session.scalars(select(Staff.online_name).where(Staff.id.in_(ending))
                                .order_by(Staff.online_name).limit(wanted)))
