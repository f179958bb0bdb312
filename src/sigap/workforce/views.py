"""Workforce API (issue 7): queue plans, special days, forecasts, staffing, caplan, rosters,
attendance and adherence. Pages live in workforce/pages.py."""

from __future__ import annotations

import datetime as dt

import numpy as np
from fastapi import APIRouter, Depends, Query, Response

from sigap.auth.actor import Actor
from sigap.auth.permissions import Scope, scope_for
from sigap.core.errors import InvalidInput, NotFound
from sigap.web.deps import CurrentActor, DbSession, require
from sigap.web.route import TransactionRoute
from sigap.workforce import (
    attendance,
    display,
    intraday,
    pages,
    rosters,
    scheduler,
    service,
    solver,
)
from sigap.workforce.display import forecast_in_scope, plan_in_scope, plans_in_scope
from sigap.workforce.models import Roster, ShiftTemplate
from sigap.workforce.schemas import (
    AdherenceOut,
    AttendanceOut,
    CaplanOut,
    CorrectionIn,
    ForecastIn,
    ForecastOut,
    IntervalOut,
    IntradayIntervalOut,
    IntradayOut,
    LeaveIn,
    LeaveOut,
    PlanIn,
    PlanOut,
    PreferenceIn,
    RecommendationOut,
    ReviewIn,
    RosterIn,
    RosterOut,
    ShiftOut,
    SpecialDayIn,
    StaffingOut,
    TemplateIn,
    TemplateOut,
)

router = APIRouter(route_class=TransactionRoute, tags=["workforce"])
router.include_router(pages.router)

READ = Depends(require("wfm.read"))
PLAN = Depends(require("wfm.plan"))


def site_scope(actor: Actor, permission: str, site_id: int | None) -> int | None:
    """The site a site-bound role is held to (a request for another answers 404)."""
    if scope_for(actor.role, permission) is Scope.all:
        return site_id
    if site_id is not None and site_id != actor.site_id:
        raise NotFound(f"Situs {site_id} tidak ditemukan.", field="site_id")
    return actor.site_id


def roster_for(session: DbSession, actor: Actor, permission: str, roster_id: int) -> Roster:
    roster = session.get(Roster, roster_id)
    if roster is None or site_scope(actor, permission, roster.site_id) != roster.site_id:
        raise NotFound(f"Roster {roster_id} tidak ditemukan.")
    return roster


@router.get("/api/wfm/plans", response_model=list[PlanOut])
def list_plans(session: DbSession, actor: Actor = READ) -> list[PlanOut]:
    return [PlanOut.model_validate(p) for p in plans_in_scope(session, actor)]


@router.post("/api/wfm/plans", response_model=PlanOut, status_code=201)
def create_plan(body: PlanIn, session: DbSession, actor: Actor = PLAN) -> PlanOut:
    return PlanOut.model_validate(service.save_plan(session, body.model_dump()))


@router.put("/api/wfm/plans/{plan_id}", response_model=PlanOut)
def update_plan(plan_id: int, body: PlanIn, session: DbSession, actor: Actor = PLAN) -> PlanOut:
    plan_in_scope(session, actor, plan_id, "wfm.plan")
    return PlanOut.model_validate(service.save_plan(session, body.model_dump(), plan_id))


@router.post("/api/wfm/special-days", status_code=204)
def special_day(body: SpecialDayIn, session: DbSession, actor: Actor = PLAN) -> Response:
    service.save_special_day(session, body.day, body.name, body.factor, body.kind, body.queue)
    return Response(status_code=204)


@router.post("/api/wfm/forecasts", response_model=ForecastOut, status_code=201)
def run_forecast(body: ForecastIn, session: DbSession, actor: Actor = PLAN) -> ForecastOut:
    plan = plan_in_scope(session, actor, body.plan_id, "wfm.plan")
    made = service.make_forecast(session, plan, body.first_day, body.days, body.history_days,
                                 actor.staff_id, body.note)
    return ForecastOut.model_validate(made)


@router.get("/api/wfm/forecasts", response_model=list[ForecastOut])
def list_forecasts(session: DbSession, actor: Actor = READ,
                   plan_id: int | None = None) -> list[ForecastOut]:
    ids = [p.id for p in plans_in_scope(session, actor)]
    return [ForecastOut.model_validate(f)
            for f in service.forecasts(session, plan_id, plan_ids=ids)]


@router.get("/api/wfm/forecasts/{forecast_id}/intervals", response_model=list[IntervalOut])
def forecast_intervals(forecast_id: int, session: DbSession,
                       actor: Actor = READ) -> list[IntervalOut]:
    return [IntervalOut(start=s, volume=v, aht_seconds=a)
            for s, v, a in pages.forecast_rows(session, forecast_in_scope(session, actor,
                                                                          forecast_id))]


@router.get("/api/wfm/staffing", response_model=list[StaffingOut])
def staffing_day(session: DbSession, plan_id: int, day: dt.date,
                 actor: Actor = READ) -> list[StaffingOut]:
    """Staff required per interval of a local day from the newest forecast."""
    req = pages.requirement_of_day(session, plan_in_scope(session, actor, plan_id), day)
    return [StaffingOut(start=at, volume=float(req.volume[i]),
                        aht_seconds=float(req.aht_seconds[i]),
                        raw_agents=float(req.raw_agents[i]),
                        floor_agents=float(req.floor_agents[i]),
                        paid_agents=float(req.paid_agents[i]),
                        service_level=float(req.service_level[i]),
                        asa_seconds=float(req.asa_seconds[i]),
                        occupancy=float(req.occupancy[i]))
            for i, at in enumerate(req.starts())]


@router.get("/api/wfm/intraday", response_model=IntradayOut)
def intraday_today(session: DbSession, plan_id: int, actor: Actor = READ) -> IntradayOut:
    """Today's actual against the forecast per interval, the re-forecast of the rest of the
    day, surges and the recovery recommendations (the QIA report's, D18)."""
    today = intraday.view(session, plan_in_scope(session, actor, plan_id))
    return IntradayOut(
        plan_id=plan_id, ratio=today.ratio,
        intervals=[IntradayIntervalOut(
            start=at, forecast=float(today.forecast[i]),
            actual=None if np.isnan(today.actual[i]) else float(today.actual[i]),
            reforecast=float(today.reforecast[i]), required=float(today.required[i]),
            scheduled=float(today.scheduled[i])) for i, at in enumerate(today.starts)],
        spikes=[today.starts[i] for i in today.spikes],
        recommendations=[RecommendationOut(kind=r.kind, start=r.start, end=r.end,
                                           short=r.short, agents=list(r.agents), text=r.text)
                         for r in today.recommendations])


@router.get("/api/wfm/caplan", response_model=list[CaplanOut])
def caplan(session: DbSession, month: str = Query(pattern=r"^\d{4}-\d{2}$"),
           site_id: int | None = None, actor: Actor = READ) -> list[CaplanOut]:
    rows = service.caplan(session, rosters.month_start(month),
                          site_scope(actor, "wfm.read", site_id))
    return [CaplanOut(site_id=r.site_id, site=r.site, desk=r.desk,
                      required_hours=r.required_hours, required_fte=r.required_fte,
                      available=r.available, fulfilment=r.fulfilment,
                      floor_hours=r.floor_hours, scheduled_hours=r.scheduled_hours)
            for r in rows]


@router.post("/api/wfm/rosters", response_model=RosterOut, status_code=202)
def solve_roster(body: RosterIn, session: DbSession, actor: Actor = PLAN) -> RosterOut:
    """Queue a site's draft roster for a month to be built (again) with CP-SAT by the
    worker; its `solver_status` goes QUEUED → RUNNING → OPTIMAL/FEASIBLE (or ERROR)."""
    rules = scheduler.Rules(days_per_week=body.days_per_week, min_rest_hours=body.min_rest_hours,
                            max_consecutive=body.max_consecutive, time_limit=body.time_limit)
    rosters.get_site(session, body.site_id)
    roster = solver.queue(session, body.site_id, rosters.month_start(body.month), rules,
                          actor.staff_id)
    return RosterOut.model_validate(roster)


@router.get("/api/wfm/rosters/{roster_id}", response_model=RosterOut)
def get_roster(roster_id: int, session: DbSession, actor: Actor = READ) -> RosterOut:
    return RosterOut.model_validate(roster_for(session, actor, "wfm.read", roster_id))


@router.post("/api/wfm/rosters/{roster_id}/publish", response_model=RosterOut)
def publish(roster_id: int, session: DbSession, actor: Actor = PLAN) -> RosterOut:
    roster = roster_for(session, actor, "wfm.plan", roster_id)
    return RosterOut.model_validate(rosters.publish(session, roster, actor.staff_id))


@router.post("/api/wfm/rosters/{roster_id}/review", response_model=RosterOut)
def review(roster_id: int, body: ReviewIn, session: DbSession,
           actor: Actor = Depends(require("wfm.review"))) -> RosterOut:
    roster = roster_for(session, actor, "wfm.review", roster_id)
    return RosterOut.model_validate(rosters.review(session, roster, actor.staff_id, body.note))


def _shift_out(session: DbSession, shifts: list[tuple[object, ShiftTemplate]]) -> list[ShiftOut]:
    return [ShiftOut.model_validate({**{k: getattr(s, k) for k in (
        "staff_id", "day", "desk", "start_at", "end_at", "break_start", "break_end")},
        "code": t.code}) for s, t in shifts]


@router.get("/api/wfm/shifts", response_model=list[ShiftOut])
def shifts(session: DbSession, actor: CurrentActor,
           month: str = Query(pattern=r"^\d{4}-\d{2}$"),
           staff_id: int | None = None) -> list[ShiftOut]:
    """Published shifts of one person for a month: an agent only its own; planners and
    readers anyone's within their scope."""
    first = rosters.month_start(month)
    last = first + dt.timedelta(days=rosters.days_in(first) - 1)
    wanted = staff_id or actor.staff_id
    if wanted is None:
        raise InvalidInput("staff_id wajib diisi.", field="staff_id")
    if wanted != actor.staff_id:
        if scope_for(actor.role, "wfm.read") is None:
            raise NotFound(f"Staf {wanted} tidak ditemukan.")
        display.staff_in_scope(session, actor, wanted)
    elif scope_for(actor.role, "wfm.self") is None and scope_for(actor.role, "wfm.read") is None:
        raise NotFound("Tidak ada roster.")
    return _shift_out(session, list(rosters.my_shifts(session, wanted, first, last)))


@router.post("/api/wfm/attendance/check-in", response_model=AttendanceOut)
def check_in(session: DbSession, actor: Actor = Depends(require("wfm.self"))) -> AttendanceOut:
    return AttendanceOut.model_validate(attendance.check_in(session, display.own_staff(actor)))


@router.post("/api/wfm/attendance/check-out", response_model=AttendanceOut)
def check_out(session: DbSession,
              actor: Actor = Depends(require("wfm.self"))) -> AttendanceOut:
    return AttendanceOut.model_validate(attendance.check_out(session, display.own_staff(actor)))


@router.post("/api/wfm/attendance/corrections", response_model=AttendanceOut)
def correct(body: CorrectionIn, session: DbSession,
            actor: Actor = Depends(require("wfm.attendance"))) -> AttendanceOut:
    display.staff_in_scope(session, actor, body.staff_id, "wfm.attendance")
    record = attendance.correct(session, None, body.staff_id, body.day, body.check_in,
                                body.check_out, body.reason, actor.staff_id)
    return AttendanceOut.model_validate(record)


@router.get("/api/wfm/adherence", response_model=list[AdherenceOut])
def adherence_day(session: DbSession, day: dt.date, site_id: int | None = None,
                  actor: Actor = READ) -> list[AdherenceOut]:
    rows = attendance.day_report(session, day, site_scope(actor, "wfm.read", site_id))
    return [AdherenceOut(staff_id=r.staff_id, name=r.name, day=r.shift.day,
                         scheduled_seconds=r.result.scheduled_seconds,
                         adherent_seconds=r.result.adherent_seconds,
                         worked_seconds=r.result.worked_seconds,
                         adherence=r.result.adherence, conformance=r.result.conformance)
            for r in rows]


@router.post("/api/wfm/leave", response_model=LeaveOut, status_code=201)
def add_leave(body: LeaveIn, session: DbSession, actor: Actor = PLAN) -> LeaveOut:
    """Leave, sickness or training days: the roster keeps the person off those days."""
    display.staff_in_scope(session, actor, body.staff_id, "wfm.plan")
    return LeaveOut.model_validate(rosters.add_leave(session, body.staff_id, body.first_day,
                                                     body.last_day, body.kind, body.note))


@router.post("/api/wfm/shift-templates", response_model=TemplateOut, status_code=201)
def add_template(body: TemplateIn, session: DbSession, actor: Actor = PLAN) -> TemplateOut:
    """A shift template (a site's own, or every site's when site_id is empty); a start
    and a length past midnight make a night shift."""
    if body.site_id is not None:
        rosters.get_site(session, body.site_id)
    return TemplateOut.model_validate(rosters.save_template(
        session, body.site_id, body.code, body.start, body.hours, body.break_minutes,
        body.skill))


@router.get("/api/wfm/shift-templates", response_model=list[TemplateOut])
def list_templates(session: DbSession, site_id: int, actor: Actor = READ) -> list[TemplateOut]:
    held = site_scope(actor, "wfm.read", site_id)
    return [TemplateOut.model_validate(t) for t in rosters.templates(session, held or 0)]


@router.put("/api/wfm/preferences/{staff_id}", status_code=204)
def set_preference(staff_id: int, body: PreferenceIn, session: DbSession,
                   actor: CurrentActor) -> Response:
    """Preferred shifts and weekdays off (0 = Monday): an agent its own, a planner
    anyone's; the solver honours them where the coverage allows."""
    if staff_id != actor.staff_id or scope_for(actor.role, "wfm.self") is None:
        if scope_for(actor.role, "wfm.plan") is None:
            raise NotFound(f"Staf {staff_id} tidak ditemukan.")
        display.staff_in_scope(session, actor, staff_id, "wfm.plan")
    rosters.set_preference(session, staff_id, body.shift_codes, body.days_off)
    return Response(status_code=204)
