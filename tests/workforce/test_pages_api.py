"""Workforce API and pages by role on both databases: planners run forecasts and rosters,
QIA reviews, Desk Control corrects its own site, an agent sees only its own roster."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import event, select
from sqlalchemy.orm import Session, sessionmaker

from sigap.workforce import service, solver
from sigap.workforce.models import Roster
from tests import factories
from tests.workforce.helpers import WIB, published_shift, voice_history, world

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_forecast_and_roster_by_api_with_permissions(
        client: TestClient, session: Session, sessions: sessionmaker[Session]) -> None:
    w = world(session)
    voice_history(session, dt.date(2026, 11, 2), 28)
    planner = factories.token(client, w.planner.login_code)
    desk = factories.token(client, w.desk_control.login_code)
    agent = factories.token(client, w.agents[0].login_code)
    body = {"plan_id": w.plan.id, "first_day": "2026-12-01", "days": 31, "history_days": 28}
    assert client.post("/api/wfm/forecasts", json=body, headers=desk).status_code == 403
    bad = client.post("/api/wfm/forecasts", json={**body, "days": 0}, headers=planner)
    assert bad.status_code == 422
    missing = client.post("/api/wfm/forecasts", json={**body, "plan_id": 999}, headers=planner)
    assert missing.status_code == 404
    made = client.post("/api/wfm/forecasts", json=body, headers=planner)
    assert made.status_code == 201, made.text
    assert made.json()["method"] and made.json()["wape"] is not None
    plan_bad = client.post("/api/wfm/plans", headers=planner, json={
        "name": "X", "channel": "fax"})
    assert plan_bad.status_code == 422 and plan_bad.json()["field"] == "channel"
    staffing = client.get(f"/api/wfm/staffing?plan_id={w.plan.id}&day=2026-12-07",
                          headers=desk).json()
    assert len(staffing) == 24 and staffing[9]["raw_agents"] >= 1
    caplan = client.get("/api/wfm/caplan?month=2026-12", headers=desk).json()
    assert caplan[0]["available"] == 4 and caplan[0]["fulfilment"] > 0
    roster = client.post("/api/wfm/rosters", headers=planner, json={
        "site_id": w.site.id, "month": "2026-12", "time_limit": 10})
    assert roster.status_code == 202, roster.text
    roster_id = roster.json()["id"]
    assert roster.json()["solver_status"] == "QUEUED"
    assert client.post("/api/wfm/rosters", headers=planner, json={
        "site_id": w.site.id, "month": "2026-12"}).status_code == 409  # already queued
    assert client.post(f"/api/wfm/rosters/{roster_id}/publish",
                       headers=planner).status_code == 409  # nothing to publish yet
    # Not taken up yet: the periodic pickup would solve it once it has waited a while.
    session.rollback()
    assert solver.forgotten(session, older_than=dt.timedelta(0)) == [roster_id]
    assert solver.forgotten(session) == []  # queued just now
    report = solver.run_queued(sessions, roster_id)  # the worker's job
    assert report is not None and report.roster.solver_status in ("OPTIMAL", "FEASIBLE")
    assert solver.run_queued(sessions, roster_id) is None  # done: not run twice
    session.rollback()
    assert solver.forgotten(session, older_than=dt.timedelta(0)) == []
    assert client.get(f"/api/wfm/rosters/{roster_id}", headers=planner).json()[
        "solver_status"] in ("OPTIMAL", "FEASIBLE")
    assert client.post(f"/api/wfm/rosters/{roster_id}/publish",
                       headers=agent).status_code == 403
    assert client.post(f"/api/wfm/rosters/{roster_id}/publish",
                       headers=planner).json()["status"] == "published"
    other_desk = factories.token(client, w.other_desk_control.login_code)
    assert client.get(f"/api/wfm/rosters/{roster_id}", headers=other_desk).status_code == 404
    assert client.get(f"/api/wfm/rosters/{roster_id}", headers=desk).status_code == 200
    qia = factories.token(client, w.qia.login_code)
    review = client.post(f"/api/wfm/rosters/{roster_id}/review", headers=qia,
                         json={"note": "Cocok dengan trafik"})
    assert review.status_code == 200 and review.json()["status"] == "reviewed"
    # An agent sees its own shifts, and nobody else's.
    mine = client.get("/api/wfm/shifts?month=2026-12", headers=agent).json()
    assert mine and {s["staff_id"] for s in mine} == {w.agents[0].id}
    other = client.get(f"/api/wfm/shifts?month=2026-12&staff_id={w.agents[1].id}",
                       headers=agent)
    assert other.status_code == 404
    theirs = client.get(f"/api/wfm/shifts?month=2026-12&staff_id={w.agents[1].id}",
                        headers=planner)
    assert theirs.status_code == 200 and {s["staff_id"] for s in theirs.json()} \
        == {w.agents[1].id}
    assert client.get(f"/api/wfm/shifts?month=2026-12&staff_id={w.agents[1].id}",
                      headers=other_desk).status_code == 404


def test_pages_by_role(client: TestClient, session: Session,
                      sessions: sessionmaker[Session]) -> None:
    w = world(session)
    voice_history(session, dt.date(2026, 11, 2), 28)
    made = service.make_forecast(session, w.plan, dt.date(2026, 12, 1), 31, history_days=28)
    session.commit()
    now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    published_shift(session, w, w.agents[0], now - dt.timedelta(hours=1))
    csrf = factories.login(client, w.planner.login_code)
    for path in ("/wfm/forecasts", f"/wfm/forecasts/{made.id}",
                 f"/wfm/staffing?plan_id={w.plan.id}&day=2026-12-07", "/wfm/caplan?month=2026-12",
                 "/wfm/rosters", "/wfm/intraday", "/wfm/attendance"):
        page = client.get(path)
        assert page.status_code == 200, (path, page.text[:300])
        assert "data-chart" in page.text or path in ("/wfm/attendance", "/wfm/rosters",
                                                     "/wfm/forecasts")
    for path in (f"/wfm/forecasts/{made.id}/export.xlsx", "/wfm/caplan/export.xlsx?month=2026-12",
                 f"/wfm/intraday/export.xlsx?plan_id={w.plan.id}"):
        answer = client.get(path)
        assert answer.status_code == 200 and answer.headers["content-type"] == XLSX
    bad = client.post("/wfm/forecasts", data={"csrf_token": csrf, "plan_id": str(w.plan.id),
                                              "first_day": "kemarin", "days": "7",
                                              "history_days": "28"})
    assert bad.status_code == 422 and "first_day bukan tanggal" in bad.text
    solved = client.post("/wfm/rosters", data={"csrf_token": csrf, "site_id": str(w.site.id),
                                               "month": "2027-01", "time_limit": "5"},
                         follow_redirects=False)
    assert solved.status_code == 303
    waiting = client.get(f"/wfm/rosters?site_id={w.site.id}&month=2027-01")
    assert 'data-testid="solving"' in waiting.text and 'http-equiv="refresh"' in waiting.text
    session.rollback()
    queued = session.scalar(select(Roster).where(Roster.month == dt.date(2027, 1, 1)))
    assert queued is not None and solver.run_queued(sessions, queued.id) is not None
    # This month's roster is already published: it cannot be solved again.
    again = client.post("/wfm/rosters", data={"csrf_token": csrf, "site_id": str(w.site.id),
                                              "month": (now - dt.timedelta(hours=1))
                                              .astimezone(WIB).strftime("%Y-%m")})
    assert again.status_code == 409 and "sudah diterbitkan" in again.text
    grid = client.get(f"/wfm/rosters?site_id={w.site.id}&month=2027-01&day=2027-01-04")
    assert 'data-testid="roster-grid"' in grid.text and "agen0" in grid.text
    assert 'data-testid="coverage"' in grid.text
    client.post("/logout", data={"csrf_token": csrf})
    factories.login(client, w.agents[1].login_code)
    assert client.get("/wfm/forecasts").status_code == 403
    assert client.get("/wfm/rosters").status_code == 403
    assert client.get("/wfm/me").status_code == 200
    assert client.get("/wfm", follow_redirects=False).headers["location"] == "/wfm/me"


def test_agent_checks_in_and_desk_control_corrects(client: TestClient,
                                                  session: Session) -> None:
    w = world(session)
    now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    published_shift(session, w, w.agents[0], now - dt.timedelta(minutes=40))
    agent = factories.token(client, w.agents[0].login_code)
    done = client.post("/api/wfm/attendance/check-in", headers=agent)
    assert done.status_code == 200 and done.json()["shift_id"] is not None
    assert client.post("/api/wfm/attendance/check-in", headers=agent).status_code == 409
    desk = factories.token(client, w.desk_control.login_code)
    day = done.json()["day"]
    no_reason = client.post("/api/wfm/attendance/corrections", headers=desk, json={
        "staff_id": w.agents[0].id, "day": day, "reason": ""})
    assert no_reason.status_code == 422
    fixed = client.post("/api/wfm/attendance/corrections", headers=desk, json={
        "staff_id": w.agents[0].id, "day": day, "check_in": (now - dt.timedelta(minutes=41))
        .isoformat(), "reason": "Lupa check-in, hadir sejak awal"})
    assert fixed.status_code == 200 and fixed.json()["correction_reason"]
    other = factories.token(client, w.other_desk_control.login_code)
    assert client.post("/api/wfm/attendance/corrections", headers=other, json={
        "staff_id": w.agents[0].id, "day": day, "reason": "x"}).status_code == 404
    assert client.post("/api/wfm/attendance/corrections", headers=agent, json={
        "staff_id": w.agents[0].id, "day": day, "reason": "x"}).status_code == 403
    adherence = client.get(f"/api/wfm/adherence?day={day}", headers=desk)
    assert adherence.status_code == 200 and adherence.json()[0]["staff_id"] == w.agents[0].id


def test_leave_templates_and_preferences(client: TestClient, session: Session) -> None:
    w = world(session)
    planner = factories.token(client, w.planner.login_code)
    agent = factories.token(client, w.agents[0].login_code)
    leave = {"staff_id": w.agents[1].id, "first_day": "2026-12-10",
             "last_day": "2026-12-12", "kind": "training"}
    assert client.post("/api/wfm/leave", json=leave, headers=agent).status_code == 403
    made = client.post("/api/wfm/leave", json=leave, headers=planner)
    assert made.status_code == 201 and made.json()["kind"] == "training"
    backwards = client.post("/api/wfm/leave", headers=planner,
                            json={**leave, "last_day": "2026-12-01"})
    assert backwards.status_code == 422 and backwards.json()["field"] == "last_day"
    night = client.post("/api/wfm/shift-templates", headers=planner, json={
        "site_id": w.site.id, "code": "n2", "start": "21:00", "hours": 9, "skill": "malam"})
    assert night.status_code == 201 and night.json()["code"] == "N2"
    odd = client.post("/api/wfm/shift-templates", headers=planner, json={
        "site_id": w.site.id, "code": "X", "start": "07:15", "hours": 9})
    assert odd.status_code == 422 and odd.json()["field"] == "hours"
    listed = client.get(f"/api/wfm/shift-templates?site_id={w.site.id}", headers=planner)
    assert [t["code"] for t in listed.json()] == ["N2"]
    own = client.put(f"/api/wfm/preferences/{w.agents[0].id}", headers=agent,
                     json={"shift_codes": ["n2"], "days_off": [6]})
    assert own.status_code == 204
    assert client.put(f"/api/wfm/preferences/{w.agents[1].id}", headers=agent,
                      json={"shift_codes": [], "days_off": []}).status_code == 404
    bad_day = client.put(f"/api/wfm/preferences/{w.agents[0].id}", headers=agent,
                         json={"shift_codes": [], "days_off": [7]})
    assert bad_day.status_code == 422 and bad_day.json()["field"] == "days_off"
    # The site has the night template N2 now: a shift code it does not have is named.
    odd_shift = client.put(f"/api/wfm/preferences/{w.agents[0].id}", headers=agent,
                           json={"shift_codes": ["N2", "ZZ"], "days_off": []})
    assert odd_shift.status_code == 422 and odd_shift.json()["field"] == "shift_codes"
    assert "ZZ" in odd_shift.json()["message"]
    csrf = factories.login(client, w.agents[0].login_code)
    me = client.get("/wfm/me")
    assert 'value="6" checked' in me.text and 'data-testid="preference-form"' in me.text
    client.post("/logout", data={"csrf_token": csrf})
    csrf = factories.login(client, w.planner.login_code)
    page = client.get(f"/wfm/rosters?site_id={w.site.id}&month=2026-12")
    assert 'data-testid="leave-form"' in page.text and "N2 21:00+9" in page.text
    wrong = client.post("/wfm/leave", data={"csrf_token": csrf, "staff_id": str(w.agents[2].id),
                                            "first_day": "besok", "site_id": str(w.site.id),
                                            "month": "2026-12"})
    assert wrong.status_code == 422 and "Tanggal cuti tidak valid" in wrong.text
    saved = client.post("/wfm/leave", data={
        "csrf_token": csrf, "staff_id": str(w.agents[2].id), "first_day": "2026-12-20",
        "kind": "cuti", "site_id": str(w.site.id), "month": "2026-12"}, follow_redirects=False)
    assert saved.status_code == 303


def test_busy_workforce_pages_issue_constant_queries(app: FastAPI, client: TestClient,
                                                     session: Session) -> None:
    """The roster grid and Desk Control's view read the same number of times for four
    agents as for twelve."""
    w = world(session, agents=4)
    start = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0) - dt.timedelta(hours=1)
    for person in w.agents:
        published_shift(session, w, person, start)
    month = start.astimezone(WIB).strftime("%Y-%m")
    head = factories.token(client, w.desk_control.login_code)
    paths = (f"/wfm/rosters?site_id={w.site.id}&month={month}", "/wfm/attendance",
             f"/api/wfm/adherence?day={start.astimezone(WIB).date()}")
    few = {}
    for path in paths:
        with counted(app) as statements:
            assert client.get(path, headers=head).status_code == 200
        few[path] = len(statements)
    for i in range(8):
        person = factories.staff(session, "agent", team=w.team, name=f"tambahan{i}")
        published_shift(session, w, person, start)
    for path in paths:
        with counted(app) as statements:
            page = client.get(path, headers=head)
        assert page.status_code == 200
        assert len(statements) == few[path], path
    assert page.json() and len(page.json()) == 12


@contextmanager
def counted(app: FastAPI) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    event.listen(app.state.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(app.state.engine, "before_cursor_execute", count)
