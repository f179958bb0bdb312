"""The queue plan pages: Operation Plan sets a queue's targets and its planned and
unplanned shrinkage from the page, sees the staff per interval charted, and exports them
as XLSX and CSV; wrong numbers are named; another site's supervisor gets a 404."""

from __future__ import annotations

import csv
import datetime as dt
import io

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from sigap.workforce import erlang, service
from tests import factories
from tests.workforce.helpers import voice_history, world

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORM = {"name": "Voice 147", "channel": "voice", "desk": "Tier 1 Voice", "acd_queue": "",
        "interval_minutes": "60", "site_share": "100", "target_service_level": "80%",
        "target_answer_seconds": "20", "max_occupancy": "90", "patience_seconds": "",
        "concurrency": "1", "deadline_minutes": "0", "planned_shrinkage": "20",
        "unplanned_shrinkage": "10"}


def test_a_queue_page_with_settings_chart_and_exports(client: TestClient,
                                                     session: Session) -> None:
    w = world(session)
    voice_history(session, dt.date(2026, 11, 2), 28)
    service.make_forecast(session, w.plan, dt.date(2026, 12, 1), 7, history_days=28)
    boss = factories.staff(session, "supervisor", site=w.other_site, name="spvb")
    session.commit()
    csrf = factories.login(client, w.planner.login_code)
    listing = client.get("/wfm/plans")
    assert listing.status_code == 200 and f'href="/wfm/plans/{w.plan.id}"' in listing.text
    bad = client.post(f"/wfm/plans/{w.plan.id}", data={
        **FORM, "site_id": str(w.site.id), "max_occupancy": "sembilan", "csrf_token": csrf})
    assert bad.status_code == 422 and "max_occupancy harus angka" in bad.text
    wide = client.post(f"/wfm/plans/{w.plan.id}", data={
        **FORM, "site_id": str(w.site.id), "unplanned_shrinkage": "100", "csrf_token": csrf})
    assert wide.status_code == 422 and "unplanned_shrinkage harus di antara 0 dan 99" \
        in wide.text
    nowhere = client.post(f"/wfm/plans/{w.plan.id}", data={
        **FORM, "site_id": "999", "csrf_token": csrf})
    assert nowhere.status_code == 422 and "Situs 999 tidak ditemukan" in nowhere.text
    saved = client.post(f"/wfm/plans/{w.plan.id}", data={
        **FORM, "site_id": str(w.site.id), "csrf_token": csrf}, follow_redirects=False)
    assert saved.status_code == 303
    session.expire_all()
    plan = service.get_plan(session, w.plan.id)
    assert (plan.target_service_level, plan.max_occupancy) == (0.8, 0.9)
    assert (plan.planned_shrinkage, plan.unplanned_shrinkage) == (0.2, 0.1)

    page = client.get(f"/wfm/plans/{w.plan.id}?day=2026-12-07")
    assert page.status_code == 200 and 'data-testid="plan-chart"' in page.text
    assert "data-chart" in page.text and 'data-testid="staffing"' in page.text
    answer = client.get(f"/wfm/plans/{w.plan.id}/staffing.xlsx?day=2026-12-07")
    assert answer.status_code == 200 and answer.headers["content-type"] == XLSX
    rows = list(load_workbook(io.BytesIO(answer.content)).active.iter_rows(values_only=True))
    assert rows[0][4:7] == ("Agen di lantai", "Agen terjadwal (+unplanned)",
                            "Agen dibayar (+planned)")
    assert len(rows) == 1 + 24
    ten = rows[1 + 10]  # 10:00 WIB on a Monday: 8 calls of 360 s on the forecast
    assert ten[1] == "07/12/2026 10:00 WIB"
    volume, aht = ten[2], ten[3]
    floor = erlang.staff([volume], 60, [aht], 0.8, 20, max_occupancy=0.9)
    # Unplanned 10 % on shift; planned 20 % and unplanned 10 % compound to 28 % paid.
    shift = erlang.staff([volume], 60, [aht], 0.8, 20, shrinkage=0.1, max_occupancy=0.9)
    paid = erlang.staff([volume], 60, [aht], 0.8, 20, shrinkage=0.28, max_occupancy=0.9)
    assert ten[4:7] == (int(floor.agents[0]), int(shift.agents[0]), int(paid.agents[0]))
    assert ten[4] < ten[6]  # shrinkage costs people
    text = client.get(f"/wfm/plans/{w.plan.id}/staffing.csv?day=2026-12-07")
    assert text.headers["content-type"].startswith("text/csv")
    parsed = list(csv.reader(io.StringIO(text.text)))
    assert parsed[11][4:7] == [str(v) for v in ten[4:7]]
    assert client.get(f"/wfm/plans/{w.plan.id}/staffing.pdf").status_code == 422
    assert client.get(f"/wfm/plans/{w.plan.id}?day=7-12-2026").status_code == 422
    listed = client.get("/wfm/plans/export.xlsx")
    assert listed.status_code == 200 and listed.headers["content-type"] == XLSX

    made = client.post("/wfm/plans", data={**FORM, "name": "Email 147", "channel": "email",
                                           "deadline_minutes": "240",
                                           "site_id": str(w.site.id), "csrf_token": csrf},
                       follow_redirects=False)
    assert made.status_code == 303
    twin = client.post("/wfm/plans", data={**FORM, "site_id": "", "csrf_token": csrf})
    assert twin.status_code == 422 and "sudah ada" in twin.text
    client.post("/logout", data={"csrf_token": csrf})

    factories.login(client, boss.login_code)
    assert client.get(f"/wfm/plans/{w.plan.id}").status_code == 404
    assert client.get(f"/wfm/plans/{w.plan.id}/staffing.xlsx").status_code == 404
    assert "Voice 147" not in client.get("/wfm/plans").text
    assert client.post(f"/wfm/plans/{w.plan.id}", data=FORM).status_code in (403, 422)


def test_the_roster_form_names_a_wrong_site_or_month_on_the_roster_page(
        client: TestClient, session: Session) -> None:
    w = world(session)
    csrf = factories.login(client, w.planner.login_code)
    nowhere = client.post("/wfm/rosters", data={"csrf_token": csrf, "site_id": "999",
                                                "month": "2027-02"})
    # The roster page again, with the message (not a 409 "duplicate" from the database).
    assert nowhere.status_code == 404 and "Situs 999 tidak ditemukan" in nowhere.text
    assert 'role="alert"' in nowhere.text and "/wfm/rosters" in nowhere.text
    month = client.post("/wfm/rosters", data={"csrf_token": csrf, "site_id": str(w.site.id),
                                              "month": "Feb"})
    assert month.status_code == 422 and 'role="alert"' in month.text
    assert "Bulan &#39;Feb&#39; tidak valid (YYYY-MM)" in month.text
