"""Workforce planning (issue 7 §1–4): queue plans, special days, stored forecasts, the
staff required per interval, the monthly caplan and staff fulfilment (D15.14)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from sigap.auth import audit
from sigap.core.errors import InvalidInput, NotFound
from sigap.org.models import Role, Site, Staff, Team
from sigap.routing.models import Queue as RoutingQueue
from sigap.workforce import forecast as fc
from sigap.workforce import history, staffing
from sigap.workforce.models import Forecast, ForecastInterval, QueuePlan, SpecialDay

CHANNELS = ("voice", "whatsapp", "email", "facebook", "x", "web")
HISTORY_DAYS = 56
Progress = Callable[[str], None]


def plans(session: Session, site_id: int | None = None,
          active_only: bool = True) -> list[QueuePlan]:
    stmt = select(QueuePlan).order_by(QueuePlan.name)
    if active_only:
        stmt = stmt.where(QueuePlan.active.is_(True))
    if site_id is not None:
        stmt = stmt.where(QueuePlan.site_id == site_id)
    return list(session.scalars(stmt))


def get_plan(session: Session, plan_id: int) -> QueuePlan:
    plan = session.get(QueuePlan, plan_id)
    if plan is None:
        raise NotFound(f"Rencana antrian {plan_id} tidak ditemukan.")
    return plan


def plan_by_name(session: Session, name: str) -> QueuePlan:
    plan = session.scalar(select(QueuePlan).where(QueuePlan.name == name))
    if plan is None:
        raise NotFound(f"Rencana antrian {name!r} tidak ditemukan.", field="queue")
    return plan


def save_plan(session: Session, values: dict[str, object],
              plan_id: int | None = None) -> QueuePlan:
    """Create or change a queue plan; every number is checked and named when wrong."""
    name = str(values.get("name", "")).strip()
    if not name:
        raise InvalidInput("Nama antrian wajib diisi.", field="name")
    if values.get("channel") not in CHANNELS:
        raise InvalidInput(f"Kanal harus salah satu dari {', '.join(CHANNELS)}.",
                           field="channel")
    minutes = int(str(values.get("interval_minutes", 30)))
    if minutes not in (15, 30, 60):
        raise InvalidInput("Interval harus 15, 30 atau 60 menit.", field="interval_minutes")
    for key in ("target_service_level", "max_occupancy", "site_share"):
        if key in values and not 0 < float(str(values[key])) <= 1:
            raise InvalidInput(f"{key} harus di antara 0 dan 1.", field=key)
    for key in ("planned_shrinkage", "unplanned_shrinkage"):
        if key in values and not 0 <= float(str(values[key])) < 1:
            raise InvalidInput(f"{key} harus ≥ 0 dan < 1.", field=key)
    site = values.get("site_id")
    if site is not None and session.get(Site, site) is None:
        raise InvalidInput(f"Situs {site} tidak ditemukan.", field="site_id")
    queue = values.get("routing_queue_id")
    if queue is not None and session.get(RoutingQueue, queue) is None:
        raise InvalidInput(f"Antrian routing {queue} tidak ditemukan.",
                           field="routing_queue_id")
    twin = session.scalar(select(QueuePlan).where(QueuePlan.name == name))
    if twin is not None and twin.id != plan_id:
        raise InvalidInput(f"Antrian {name!r} sudah ada.", field="name")
    plan = get_plan(session, plan_id) if plan_id is not None else QueuePlan()
    for key, value in values.items():
        setattr(plan, key, value)
    if plan_id is None:
        session.add(plan)
    session.flush()
    return plan


def special_days(session: Session, first: dt.date, last: dt.date) -> list[SpecialDay]:
    return list(session.scalars(select(SpecialDay).where(
        SpecialDay.day >= first, SpecialDay.day <= last).order_by(SpecialDay.day)))


def save_special_day(session: Session, day: dt.date, name: str, factor: float,
                     kind: str = "holiday", queue: str = "") -> SpecialDay:
    """A holiday or campaign the planner expects: the day's volume × `factor`."""
    if not name.strip():
        raise InvalidInput("Nama hari khusus wajib diisi.", field="name")
    if not 0 <= factor <= 20:
        raise InvalidInput("Faktor harus di antara 0 dan 20.", field="factor")
    if kind not in ("holiday", "campaign"):
        raise InvalidInput("Jenis harus holiday atau campaign.", field="kind")
    found = session.scalar(select(SpecialDay).where(SpecialDay.day == day,
                                                    SpecialDay.queue == queue))
    found = found or SpecialDay(day=day, queue=queue)
    found.name, found.factor, found.kind = name.strip()[:120], factor, kind
    session.add(found)
    session.flush()
    return found


def factors_for(session: Session, plan: QueuePlan, first: dt.date,
                last: dt.date) -> dict[dt.date, float]:
    """Each special day's factor for this queue (its own entry over an all-queue one)."""
    out: dict[dt.date, float] = {}
    for day in special_days(session, first, last):
        if (day.queue == "" and day.day not in out) or day.queue == plan.name:
            out[day.day] = day.factor
    return out


def make_forecast(session: Session, plan: QueuePlan, first_day: dt.date, days: int,
                  history_days: int = HISTORY_DAYS, staff_id: int | None = None,
                  note: str = "") -> Forecast:
    """Fit the queue's history before `first_day` and store a new forecast version."""
    if not 1 <= days <= 62:
        raise InvalidInput("Lama ramalan 1–62 hari.", field="days")
    if not 7 <= history_days <= 730:
        raise InvalidInput("Riwayat 7–730 hari.", field="history_days")
    first_history = first_day - dt.timedelta(days=history_days)
    past = history.series(session, plan, first_history, history_days)
    factors = factors_for(session, plan, first_history, first_day + dt.timedelta(days=days))
    result = fc.forecast_intervals(past.volume, past.handled, past.handle_seconds,
                                   first_history, past.slots_per_day, first_day, days,
                                   factors, default_aht=_default_aht(plan))
    made = Forecast(plan_id=plan.id, created_by_id=staff_id, first_day=first_day, days=days,
                    history_days=history_days, method=result.daily.method,
                    params=dict(result.daily.params), wape=result.backtest.wape,
                    mape=result.backtest.mape, note=note[:300])
    session.add(made)
    session.flush()
    start = history.local_midnight(first_day, past.zone)
    step = dt.timedelta(minutes=plan.interval_minutes)
    rows = [{"forecast_id": made.id, "start": start + i * step,
             "volume": round(float(v), 3), "aht_seconds": round(float(a), 1)}
            for i, (v, a) in enumerate(zip(result.volume, result.aht_seconds, strict=True))]
    # Thousands of rows per version: one multi-row insert, audited as the version itself.
    session.execute(insert(ForecastInterval), rows)
    audit.record(session, "wfm_forecast_intervals.create", "wfm_forecasts", made.id,
                 {"rows": len(rows)})
    return made


def _default_aht(plan: QueuePlan) -> float:
    return {"voice": 300.0, "email": 600.0}.get(plan.channel, 420.0)


def forecasts(session: Session, plan_id: int | None = None, limit: int = 50,
              plan_ids: list[int] | None = None) -> list[Forecast]:
    """The newest forecast versions (of one plan, or of the plans in `plan_ids`)."""
    stmt = select(Forecast).order_by(Forecast.created_at.desc(), Forecast.id.desc()).limit(limit)
    if plan_id is not None:
        stmt = stmt.where(Forecast.plan_id == plan_id)
    if plan_ids is not None:
        stmt = stmt.where(Forecast.plan_id.in_(plan_ids))
    return list(session.scalars(stmt))


def get_forecast(session: Session, forecast_id: int) -> Forecast:
    found = session.get(Forecast, forecast_id)
    if found is None:
        raise NotFound(f"Ramalan {forecast_id} tidak ditemukan.")
    return found


@dataclass(frozen=True)
class Curve:
    """Forecast volume and AHT per interval over [start, end) from the newest versions."""

    start: dt.datetime
    interval_minutes: int
    volume: np.ndarray
    aht_seconds: np.ndarray
    covered: np.ndarray  # bool: an interval some forecast version covers


def curve(session: Session, plan: QueuePlan, start: dt.datetime, end: dt.datetime) -> Curve:
    """The newest forecast for each interval of [start, end) (a later version wins)."""
    step = dt.timedelta(minutes=plan.interval_minutes)
    slots = max(0, int((end - start) / step))
    volume, aht = np.zeros(slots), np.full(slots, _default_aht(plan))
    covered = np.zeros(slots, dtype=bool)
    rows = session.execute(
        select(ForecastInterval.start, ForecastInterval.volume, ForecastInterval.aht_seconds)
        .join(Forecast, Forecast.id == ForecastInterval.forecast_id)
        .where(Forecast.plan_id == plan.id, ForecastInterval.start >= start,
               ForecastInterval.start < end)
        .order_by(Forecast.created_at, Forecast.id))
    for at, v, a in rows:
        i = int((at - start) / step)
        volume[i], aht[i], covered[i] = v, a, True
    return Curve(start, plan.interval_minutes, volume, aht, covered)


def requirement(session: Session, plan: QueuePlan, start: dt.datetime,
                end: dt.datetime) -> staffing.Requirement:
    """Staff required per interval of [start, end) from the newest forecasts."""
    found = curve(session, plan, start, end)
    return staffing.requirement_from(plan, found.start, found.volume, found.aht_seconds)


# Paid hours of one full-time agent in a month: 40 hours a week × 52 weeks / 12.
FTE_HOURS_PER_MONTH = 40 * 52 / 12


@dataclass(frozen=True)
class CaplanRow:
    site_id: int
    site: str
    desk: str
    required_hours: float  # paid: the floor hours grossed up by both shrinkages
    required_fte: float  # the caplan
    available: int  # active agents of the desk
    floor_hours: float = 0.0  # agents on the floor (Erlang, workload), no shrinkage
    scheduled_hours: float = 0.0  # on shift: the floor hours grossed up by unplanned

    @property
    def fulfilment(self) -> float | None:
        """Staff fulfilment = available / caplan (D15.14), percent."""
        return 100.0 * self.available / self.required_fte if self.required_fte > 0 else None


def _month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    first = month.replace(day=1)
    return first, (first + dt.timedelta(days=32)).replace(day=1)


def caplan(session: Session, month: dt.date, site_id: int | None = None) -> list[CaplanRow]:
    """Required FTE per site and desk for a month, against the agents the desk has.

    Each queue's agent-hours on the floor (whole agents per interval from its forecast and
    AHT) are grossed up by its own shrinkage over the month, not interval by interval:
    scheduled = floor ÷ (1 − unplanned), paid = floor ÷ ((1 − planned)(1 − unplanned)).
    Rounding one agent up per interval would bill a quiet night's single agent as two."""
    first, after = _month_bounds(month)
    hours: dict[tuple[int, str], list[float]] = {}
    for plan in plans(session, site_id):
        if plan.site_id is None:
            continue
        zone = history.zone_of(session, plan)
        need = requirement(session, plan, history.local_midnight(first, zone),
                           history.local_midnight(after, zone))
        floor = float(need.raw_agents.sum()) * plan.interval_minutes / 60
        total = hours.setdefault((plan.site_id, plan.desk), [0.0, 0.0, 0.0])
        total[0] += floor
        total[1] += floor / (1 - plan.unplanned_shrinkage)
        total[2] += floor / (1 - staffing.combined(plan.planned_shrinkage,
                                                   plan.unplanned_shrinkage))
    stmt = (select(Staff.site_id, Team.desk, func.count()).join(Team, Team.id == Staff.team_id)
            .where(Staff.role == Role.agent, Staff.active.is_(True))
            .group_by(Staff.site_id, Team.desk))
    if site_id is not None:
        stmt = stmt.where(Staff.site_id == site_id)
    available = {(sid, desk): n for sid, desk, n in session.execute(stmt) if sid is not None}
    codes: dict[int, str] = {i: c for i, c in session.execute(select(Site.id, Site.code))}
    return [CaplanRow(sid, codes.get(sid, str(sid)), desk, round(paid, 1),
                      round(paid / FTE_HOURS_PER_MONTH, 2), int(available.get((sid, desk), 0)),
                      round(floor, 1), round(scheduled, 1))
            for (sid, desk), (floor, scheduled, paid) in sorted(
                hours.items(), key=lambda kv: (codes.get(kv[0][0], ""), kv[0][1]))]


@dataclass(frozen=True)
class Fulfilment:
    available: float  # numerator: agents available
    caplan: float  # denominator: required FTE

    @property
    def percent(self) -> float | None:
        return 100.0 * self.available / self.caplan if self.caplan > 0 else None


def staff_fulfilment(session: Session, month: dt.date,
                     site_id: int | None = None) -> Fulfilment:
    """Staff fulfilment (D15.14) for the month that holds `month`: staff available over the
    caplan target.

    Numerator: active agents on the desks that have a planned queue (per site, or all
    sites). Denominator: the caplan, i.e. the required FTE of those desks for the month
    from the newest forecasts, their AHT and planned + unplanned shrinkage (see
    `caplan`). `percent` is None when no forecast covers the month (no caplan yet). The
    reports domain reads `available` and `caplan` as the KPI's numerator and
    denominator."""
    rows = caplan(session, month, site_id)
    return Fulfilment(float(sum(r.available for r in rows)),
                      round(sum(r.required_fte for r in rows), 2))
