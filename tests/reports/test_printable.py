"""The printable monthly report and the board as CSV, on hand-counted alarms and caring
tasks (their numbers are written here)."""

from __future__ import annotations

import csv
import datetime as dt
import io

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from sigap.auth.models import AuditLog
from sigap.channels.alarms.models import Alarm
from sigap.reports import printable
from tests import factories
from tests.tickets.helpers import floor

WIB = dt.timezone(dt.timedelta(hours=7))


def _alarms(session: Session) -> None:
    # 5 Nov: valid, clear (2 of 2); 15 Nov: pending (0 of 1); 25 Nov: valid, pending (1 of 2)
    # → month 3 of 5 = 60 %; parts 100 %, 0 %, 50 %. One in October is not counted.
    for i, (day, follow) in enumerate(((5, "valid"), (5, "clear"), (15, "pending"),
                                       (25, "valid"), (25, "pending"))):
        session.add(Alarm(source="json", fingerprint=f"a{i}", name="LinkDown",
                          starts_at=dt.datetime(2026, 11, day, 10, tzinfo=WIB),
                          follow_up=follow))
    session.add(Alarm(source="json", fingerprint="oct", name="LinkDown",
                      starts_at=dt.datetime(2026, 10, 31, 10, tzinfo=WIB), follow_up="valid"))
    session.commit()


def test_parts_of_a_month() -> None:
    parts = printable.parts_of(dt.date(2026, 2, 1))
    assert [p[0] for p in parts] == ["1–10", "11–20", "21–28"]
    assert parts[2][1:] == (dt.date(2026, 2, 21), dt.date(2026, 3, 1))


def test_monthly_report_prints_every_kpi_with_its_trend(client: TestClient,
                                                         session: Session) -> None:
    world = floor(session)
    _alarms(session)
    factories.login(client, world.spv.login_code)
    page = client.get("/reports/monthly?month=2026-11")
    assert page.status_code == 200
    html = page.text
    assert "@page" in html and "A4" in html and "@media print" in html
    assert 'data-testid="report-site">Site: Semua site' in html
    for code in [f"D15.{n}" for n in range(1, 15)]:
        assert f'data-code="{code}"' in html, code
    assert 'data-code="D15.7" data-light="red"' in html  # 60 % against 90 %
    row = html[html.index('data-code="D15.7"'):]
    assert "60.0 %" in row[:600] and "3 / 5" in row[:600]
    trend = html[html.index('data-trend="D15.7"'):]
    trend = trend[:trend.index("</tr>")]
    cells = [c.split(">")[-1] for c in trend.split("</td>")[1:4]]
    assert cells == ["100.0 %", "0.0 %", "50.0 %"]
    assert 'data-code="D15.1" data-light="grey"' in html
    english = client.get("/lang/en?next=/", follow_redirects=False)
    assert english.status_code in (302, 303, 307)
    assert "Monthly KPI report" in client.get("/reports/monthly?month=2026-11").text
    assert client.get("/reports/monthly?month=2026-14").status_code == 422
    session.rollback()
    assert session.scalar(select(AuditLog.id).where(
        AuditLog.action == "reports.monthly_print").limit(1)) is not None


def test_board_as_csv_has_the_xlsx_lines(client: TestClient, session: Session) -> None:
    world = floor(session)
    _alarms(session)
    factories.login(client, world.tl_a.login_code)
    answer = client.get("/reports/kpi/tenesa.csv?span=month&day=2026-11-20")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(answer.text.lstrip("\ufeff"))))
    assert rows[0] == ["Kode", "KPI", "Target %", "Pembilang", "Penyebut", "Capaian %",
                       "Status"]
    assert len(rows) == 13
    follow = next(r for r in rows if r[0] == "D15.7")
    assert follow[3:] == ["3", "5", "60.0", "merah"]
    assert next(r for r in rows if r[0] == "D15.1")[3:] == ["", "", "", "belum ada data"]
    tam = client.get("/reports/kpi/tam.csv?span=day&day=2026-11-20")
    assert [r[0] for r in csv.reader(io.StringIO(tam.text.lstrip("\ufeff")))][1:] == \
        ["D15.13", "D15.14"]
    assert client.get("/reports/kpi/nope.csv").status_code == 422
    assert client.get("/reports/kpi/tenesa.csv?span=year").status_code == 422
    assert client.get("/reports/kpi/tenesa.csv?day=20-11-2026").status_code == 422
