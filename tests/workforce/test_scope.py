"""Queue plans, forecasts, staffing and intraday are held to the caller's site: a
supervisor or Desk Control of one site neither lists nor opens another site's queue."""

from __future__ import annotations

import datetime as dt
import io

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from sigap.workforce import service
from tests import factories
from tests.workforce.helpers import voice_history, world


def test_a_site_bound_reader_sees_only_its_own_sites_queues(client: TestClient,
                                                           session: Session) -> None:
    w = world(session)
    voice_history(session, dt.date(2026, 11, 2), 14)
    theirs = service.save_plan(session, {
        "name": "Voice 147 · BDG", "channel": "voice", "site_id": w.other_site.id,
        "desk": "Tier 1 Voice", "interval_minutes": 60})
    mine = service.make_forecast(session, w.plan, dt.date(2026, 12, 1), 7, history_days=14)
    other = service.make_forecast(session, theirs, dt.date(2026, 12, 1), 7, history_days=14)
    session.commit()
    boss = factories.staff(session, "supervisor", site=w.other_site, name="spvb")
    session.commit()
    for person in (w.supervisor, w.desk_control):
        headers = factories.token(client, person.login_code)
        assert [p["name"] for p in client.get("/api/wfm/plans", headers=headers).json()] \
            == ["Voice 147"]
        assert [f["id"] for f in client.get("/api/wfm/forecasts", headers=headers).json()] \
            == [mine.id]
        assert client.get(f"/api/wfm/forecasts/{other.id}/intervals",
                          headers=headers).status_code == 404
        refused = client.get(f"/api/wfm/staffing?plan_id={theirs.id}&day=2026-12-01",
                             headers=headers)
        assert refused.status_code == 404 and refused.json()["field"] == "plan_id"
        assert client.get(f"/api/wfm/staffing?plan_id={w.plan.id}&day=2026-12-01",
                          headers=headers).status_code == 200
    # Operation Plan and QIA see every site.
    planner = factories.token(client, w.planner.login_code)
    assert len(client.get("/api/wfm/plans", headers=planner).json()) == 2
    # The pages: Bandung's supervisor gets its own queue and a 404 for Semarang's.
    factories.login(client, boss.login_code)
    page = client.get("/wfm/staffing")
    assert page.status_code == 200 and "Voice 147 · BDG" in page.text
    assert ">Voice 147</option>" not in page.text
    for path in (f"/wfm/staffing?plan_id={w.plan.id}", f"/wfm/forecasts/{mine.id}",
                 f"/wfm/forecasts/{mine.id}/export.xlsx",
                 f"/wfm/intraday?plan_id={w.plan.id}",
                 f"/wfm/intraday/export.xlsx?plan_id={w.plan.id}"):
        assert client.get(path).status_code == 404, path
    listing = client.get("/wfm/forecasts")
    assert f"/wfm/forecasts/{other.id}" in listing.text
    assert f"/wfm/forecasts/{mine.id}\"" not in listing.text
    # The versions export: Bandung's own version only, with its backtest accuracy.
    book = load_workbook(io.BytesIO(client.get("/wfm/forecasts/export.xlsx").content))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][:2] == ("Versi", "Antrian") and [r[:2] for r in rows[1:]] == [
        (other.id, "Voice 147 · BDG")]
    assert rows[1][6] == other.method and rows[1][4] == 7


def test_a_plan_naming_a_site_or_queue_that_does_not_exist_is_refused(
        client: TestClient, session: Session) -> None:
    w = world(session)
    planner = factories.token(client, w.planner.login_code)
    body = {"name": "Voice 147", "channel": "voice", "site_id": 999}
    wrong_site = client.put(f"/api/wfm/plans/{w.plan.id}", headers=planner, json=body)
    assert wrong_site.status_code == 422 and wrong_site.json()["field"] == "site_id"
    wrong_queue = client.post("/api/wfm/plans", headers=planner, json={
        "name": "Baru", "channel": "voice", "routing_queue_id": 999})
    assert wrong_queue.status_code == 422
    assert wrong_queue.json()["field"] == "routing_queue_id"


def test_shift_templates_are_listed_for_the_callers_own_site(client: TestClient,
                                                             session: Session) -> None:
    w = world(session)
    planner = factories.token(client, w.planner.login_code)
    for site, code in ((w.site, "A1"), (w.other_site, "B1")):
        assert client.post("/api/wfm/shift-templates", headers=planner, json={
            "site_id": site.id, "code": code, "start": "08:00", "hours": 9}).status_code == 201
    desk = factories.token(client, w.desk_control.login_code)
    own = client.get(f"/api/wfm/shift-templates?site_id={w.site.id}", headers=desk)
    assert [t["code"] for t in own.json()] == ["A1"]
    other = client.get(f"/api/wfm/shift-templates?site_id={w.other_site.id}", headers=desk)
    assert other.status_code == 404 and other.json()["field"] == "site_id"
    assert [t["code"] for t in client.get(
        f"/api/wfm/shift-templates?site_id={w.other_site.id}", headers=planner).json()] \
        == ["B1"]
