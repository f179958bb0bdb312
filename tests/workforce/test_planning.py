"""Forecast versions from the interval history, staffing per interval, the caplan and
staff fulfilment, and a month's roster solved, published and reviewed (both databases)."""

from __future__ import annotations

import datetime as dt
import io
import itertools

import numpy as np
import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from sigap.channels.voice.intervals import import_intervals
from sigap.core.errors import Conflict, InvalidInput
from sigap.workforce import erlang, history, rosters, scheduler, service, solver
from sigap.workforce.models import ForecastInterval, RosterShift
from tests.workforce.helpers import HOURLY, voice_history, world

MONDAY = dt.date(2026, 11, 2)


def test_forecast_versions_from_sigap_interactions(session: Session) -> None:
    w = world(session)
    voice_history(session, MONDAY, 28)
    first = MONDAY + dt.timedelta(days=28)  # Monday 30 November
    made = service.make_forecast(session, w.plan, first, 7, history_days=28)
    session.commit()
    assert made.wape is not None and made.wape < 1.0  # the history repeats exactly
    rows = list(session.execute(select(ForecastInterval.start, ForecastInterval.volume,
                                       ForecastInterval.aht_seconds)
                                .where(ForecastInterval.forecast_id == made.id)
                                .order_by(ForecastInterval.start)))
    assert len(rows) == 7 * 24
    monday = rows[:24]
    assert sum(v for _s, v, _a in monday) == pytest.approx(sum(HOURLY.values()), rel=0.02)
    nine = monday[9]  # 09:00 WIB
    assert nine[0] == history.local_midnight(first, "Asia/Jakarta") + dt.timedelta(hours=9)
    assert nine[1] == pytest.approx(8, rel=0.05) and nine[2] == pytest.approx(360)
    assert monday[3][1] == pytest.approx(0, abs=0.01)  # nothing at 03:00
    again = service.make_forecast(session, w.plan, first, 7, history_days=28)
    assert [f.id for f in service.forecasts(session, w.plan.id)] == [again.id, made.id]


def test_special_days_and_acd_history(session: Session) -> None:
    w = world(session)
    lines = ["interval_start,queue,offered,answered,abandoned,answered_within,handle_time,"
             "wait_time"]
    for d in range(21):
        day = MONDAY + dt.timedelta(days=d)
        lines.append(f"{day} 10:00,VOICE-147,30,28,2,25,{28 * 300},600")
    report = import_intervals(session, "\n".join(lines).encode())
    assert report.created == 21 and not report.errors
    plan = service.save_plan(session, {"name": "ACD 147", "channel": "voice",
                                       "acd_queue": "VOICE-147", "site_id": w.site.id,
                                       "desk": "Tier 1 Voice", "interval_minutes": 30})
    holiday = MONDAY + dt.timedelta(days=22)
    service.save_special_day(session, holiday, "Hari libur", 0.5)
    made = service.make_forecast(session, plan, MONDAY + dt.timedelta(days=21), 3,
                                 history_days=21)
    curve = service.curve(session, plan, history.local_midnight(made.first_day, "Asia/Jakarta"),
                          history.local_midnight(made.first_day + dt.timedelta(days=3),
                                                 "Asia/Jakarta"))
    daily = curve.volume.reshape(3, 48).sum(axis=1)
    assert daily == pytest.approx([30, 15, 30], rel=0.02)
    assert curve.volume[20] == pytest.approx(30, rel=0.02)  # 10:00 is slot 20
    assert curve.aht_seconds[20] == pytest.approx(300)
    with pytest.raises(InvalidInput) as bad:
        service.save_special_day(session, holiday, "x", 50)
    assert bad.value.field == "factor"


def _december(session: Session, w: object) -> None:
    plan = w.plan  # type: ignore[attr-defined]
    voice_history(session, MONDAY, 28)
    service.make_forecast(session, plan, dt.date(2026, 12, 1), 31, history_days=28)
    session.commit()


def test_staffing_caplan_and_fulfilment(session: Session) -> None:
    w = world(session)
    _december(session, w)
    zone = "Asia/Jakarta"
    day = dt.date(2026, 12, 7)  # a Monday
    need = service.requirement(session, w.plan, history.local_midnight(day, zone),
                               history.local_midnight(day + dt.timedelta(days=1), zone))
    direct = erlang.staff(need.volume, 60, need.aht_seconds, 0.8, 20, max_occupancy=0.9)
    assert list(need.raw_agents) == list(direct.agents)
    assert need.raw_agents[3] == 0 and need.raw_agents[9] >= 2  # night empty, 09:00 busy
    rows = service.caplan(session, dt.date(2026, 12, 1))
    assert [(r.site, r.desk, r.available) for r in rows] == [("SMG", "Tier 1 Voice", 4)]
    month = service.curve(session, w.plan, history.local_midnight(dt.date(2026, 12, 1), zone),
                          history.local_midnight(dt.date(2027, 1, 1), zone))
    paid = erlang.staff(month.volume, 60, month.aht_seconds, 0.8, 20, max_occupancy=0.9)
    hours = float(np.sum(paid.agents))
    assert rows[0].required_hours == pytest.approx(hours, abs=0.1)
    assert rows[0].required_fte == pytest.approx(hours / (40 * 52 / 12), abs=0.01)
    total = service.staff_fulfilment(session, dt.date(2026, 12, 15))
    assert total.available == 4 and total.caplan == pytest.approx(rows[0].required_fte)
    assert total.percent == pytest.approx(400 / rows[0].required_fte, rel=1e-3)
    assert service.staff_fulfilment(session, dt.date(2027, 3, 1)).percent is None


def test_a_month_roster_keeps_its_rules_and_goes_through_review(session: Session) -> None:
    w = world(session, agents=6)
    _december(session, w)
    away = w.agents[0]
    rosters.add_leave(session, away.id, dt.date(2026, 12, 1), dt.date(2026, 12, 5))
    rosters.set_preference(session, w.agents[1].id, ["P1"], [6])
    report = solver.solve_month(session, w.site.id, dt.date(2026, 12, 1),
                                 scheduler.Rules(time_limit=20), w.planner.id)
    session.commit()
    roster = report.roster
    assert roster.solver_status in ("OPTIMAL", "FEASIBLE")
    shifts = rosters.shifts_of(session, roster.id)
    by_agent: dict[int, list[RosterShift]] = {}
    for s in shifts:
        by_agent.setdefault(s.staff_id, []).append(s)
    assert set(by_agent) <= {a.id for a in w.agents}
    assert not [s for s in by_agent.get(away.id, []) if s.day <= dt.date(2026, 12, 5)]
    for mine in by_agent.values():
        days = sorted(s.day for s in mine)
        assert len(days) == len(set(days))
        for a, b in itertools.pairwise(mine):
            assert (b.start_at - a.end_at) >= dt.timedelta(hours=11)
        weeks: dict[int, int] = {}
        for d in days:
            weeks[d.isocalendar()[1]] = weeks.get(d.isocalendar()[1], 0) + 1
        assert max(weeks.values()) <= 5
        for s in mine:
            assert s.break_start is not None and s.start_at < s.break_start < s.end_at
    starts, required, scheduled = rosters.coverage(session, roster, dt.date(2026, 12, 7))
    assert len(starts) == 48 and required[18] >= 1  # 09:00 WIB needs people
    assert scheduled[18] >= 1
    book = load_workbook(io.BytesIO(rosters.roster_xlsx(session, roster, "Asia/Jakarta")))
    assert book["Roster"].max_row == 1 + 6 and book["Shift"].max_row == 1 + len(shifts)
    assert rosters.my_shifts(session, w.agents[1].id, dt.date(2026, 12, 1),
                             dt.date(2026, 12, 31)) == []  # a draft is not shown
    with pytest.raises(Conflict):
        rosters.review(session, roster, w.qia.id, "ok")
    rosters.publish(session, roster, w.planner.id)
    mine = rosters.my_shifts(session, w.agents[1].id, dt.date(2026, 12, 1),
                             dt.date(2026, 12, 31))
    assert mine and all(s.staff_id == w.agents[1].id for s, _t in mine)
    with pytest.raises(InvalidInput):
        rosters.review(session, roster, w.qia.id, "  ")
    assert rosters.review(session, roster, w.qia.id, "Sesuai trafik").status == "reviewed"
    with pytest.raises(Conflict):
        solver.solve_month(session, w.site.id, dt.date(2026, 12, 1))


def test_history_takes_the_acd_report_where_it_exists_and_interactions_elsewhere(
        session: Session) -> None:
    w = world(session)
    voice_history(session, MONDAY, 21)  # 46 calls a weekday, 23 a weekend day, 360 s
    lines = ["interval_start,queue,offered,answered,abandoned,answered_within,handle_time,"
             "wait_time"]
    for d in range(14):  # the ACD's report covers the first two weeks only
        lines.append(f"{MONDAY + dt.timedelta(days=d)} 10:00,VOICE-147,30,28,2,25,"
                     f"{28 * 300},600")
    assert not import_intervals(session, "\n".join(lines).encode()).errors
    w.plan.acd_queue = "VOICE-147"
    session.commit()
    past = history.series(session, w.plan, MONDAY, 21)
    # Days 0–13 are the ACD's 30 offered (not the 46 or 23 Sigap recorded, nor both
    # added); days 14–20 (a week from Monday) are Sigap's own.
    assert list(past.daily()) == [30.0] * 14 + [46.0] * 5 + [23.0] * 2
    hourly = past.handle_seconds.reshape(21, 24)
    handled = past.handled.reshape(21, 24)
    assert hourly[0, 10] / handled[0, 10] == pytest.approx(300)  # the ACD's handle time
    assert hourly[14, 10] / handled[14, 10] == pytest.approx(360)  # Sigap's own


def test_caplan_grosses_the_months_floor_hours_up_by_both_shrinkages(
        session: Session) -> None:
    w = world(session)
    w.plan.planned_shrinkage, w.plan.unplanned_shrinkage = 0.2, 0.1
    session.commit()
    _december(session, w)
    zone = "Asia/Jakarta"
    month = service.curve(session, w.plan, history.local_midnight(dt.date(2026, 12, 1), zone),
                          history.local_midnight(dt.date(2027, 1, 1), zone))
    floor = float(np.sum(erlang.staff(month.volume, 60, month.aht_seconds, 0.8, 20,
                                      max_occupancy=0.9).agents))  # 1-hour intervals
    [row] = service.caplan(session, dt.date(2026, 12, 1))
    assert row.floor_hours == pytest.approx(floor, abs=0.05)
    # On shift: ÷ (1 − 0.1); paid: ÷ (0.8 × 0.9 = 0.72).
    assert row.scheduled_hours == pytest.approx(floor / 0.9, abs=0.05)
    assert row.required_hours == pytest.approx(floor / 0.72, abs=0.05)
    assert row.required_fte == pytest.approx(floor / 0.72 / (40 * 52 / 12), abs=0.005)
    # Interval by interval the same shrinkage would bill a one-agent hour as two
    # (⌈1 ÷ 0.72⌉): more hours than the month's own gross-up.
    per_interval = float(np.sum(erlang.staff(month.volume, 60, month.aht_seconds, 0.8, 20,
                                             shrinkage=0.28, max_occupancy=0.9).agents))
    assert per_interval > row.required_hours + 1
