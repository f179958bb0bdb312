"""Desk Control exports the day's adherence and conformance (worked ÷ scheduled working
time) and the live view as XLSX; the numbers are those of a hand-made day."""

from __future__ import annotations

import datetime as dt
import io

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from sigap.routing import service as presence
from sigap.workforce import attendance
from tests import factories
from tests.workforce.helpers import published_shift, world

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def u(hhmm: str) -> dt.datetime:
    hour, minute = (int(x) for x in hhmm.split(":"))
    return dt.datetime(2026, 12, 1, hour, minute, tzinfo=dt.UTC)


def test_attendance_export_of_a_hand_made_day(client: TestClient, session: Session) -> None:
    w = world(session)
    agent = w.agents[0]
    published_shift(session, w, agent, u("01:00"))  # 08:00–17:00 WIB, break 12:00–13:00
    for at, state, reason in [("00:55", "ready", ""), ("03:00", "aux", "toilet"),
                              ("03:15", "ready", ""), ("05:05", "aux", "break"),
                              ("06:10", "ready", ""), ("09:30", "offline", "")]:
        presence.set_state(session, agent.id, state, reason, at=u(at))
    session.commit()
    factories.login(client, w.desk_control.login_code)
    page = client.get("/wfm/attendance?day=2026-12-01")
    assert 'href="/wfm/attendance/export.xlsx?day=2026-12-01"' in page.text
    answer = client.get("/wfm/attendance/export.xlsx?day=2026-12-01")
    assert answer.status_code == 200 and answer.headers["content-type"] == XLSX
    rows = list(load_workbook(io.BytesIO(answer.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "Adherence 2026-12-01"
    [line] = [r for r in rows if r[0] == agent.online_name]
    # 540 scheduled minutes, 480 in adherence (88.9 %); 480 working minutes scheduled,
    # 435 worked (07:55–10:00, 10:15–12:05, 13:10–16:30 WIB): conformance 90.6 %.
    assert line[3:5] == ("01/12/2026 08:00 WIB", "01/12/2026 17:00 WIB")
    assert line[7:13] == (540, 480, 480, 435, 88.9, 90.6)
    assert client.get("/wfm/attendance/export.xlsx?day=kemarin").status_code == 422
    # Another site's Desk Control exports nobody of this site.
    factories.login(client, w.other_desk_control.login_code)
    other = client.get("/wfm/attendance/export.xlsx?day=2026-12-01")
    names = {r[0] for r in load_workbook(io.BytesIO(other.content)).active.iter_rows(
        values_only=True)}
    assert agent.online_name not in names


def test_attendance_export_lists_who_is_late_absent_or_working_now(
        client: TestClient, session: Session) -> None:
    w = world(session)
    came, missing = w.agents[:2]
    now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    for person in (came, missing):
        published_shift(session, w, person, now - dt.timedelta(minutes=50))
    attendance.check_in(session, came.id, now - dt.timedelta(minutes=20))
    session.commit()
    factories.login(client, w.desk_control.login_code)
    rows = list(load_workbook(io.BytesIO(client.get("/wfm/attendance/export.xlsx").content))
                .active.iter_rows(values_only=True))
    live = rows[next(i for i, r in enumerate(rows) if r[0] == "Agen" and r[5] == "Keadaan"):]
    by_name = {r[0]: r for r in live[1:]}
    # Checked in thirty minutes late, now working; the other not here after 50 minutes.
    assert by_name[came.online_name][8:10] == (30, "ya")
    assert by_name[missing.online_name][6:10] == ("tidak hadir", 50, 0, "tidak")


def test_a_second_check_in_or_a_check_out_without_one_is_said_on_the_agents_page(
        client: TestClient, session: Session) -> None:
    w = world(session)
    agent = w.agents[0]
    now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    published_shift(session, w, agent, now - dt.timedelta(minutes=10))
    csrf = factories.login(client, agent.login_code)
    early = client.post("/wfm/check-out", data={"csrf_token": csrf})
    assert early.status_code == 409 and 'role="alert"' in early.text
    assert "Belum check-in" in early.text and 'data-testid="my-shifts"' in early.text
    assert client.post("/wfm/check-in", data={"csrf_token": csrf},
                       follow_redirects=False).status_code == 303
    twice = client.post("/wfm/check-in", data={"csrf_token": csrf})
    assert twice.status_code == 409 and "sudah check-in" in twice.text
    assert 'data-testid="my-shifts"' in twice.text
