"""Check-in against the published roster, corrections with a reason, adherence from the
presence log (numbers worked out by hand) and Desk Control's live view."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from sigap.auth.models import AuditLog
from sigap.core.errors import Conflict, InvalidInput
from sigap.routing import service as presence
from sigap.workforce import attendance
from tests.workforce.helpers import published_shift, world


def u(hhmm: str, day: int = 1) -> dt.datetime:
    hour, minute = (int(x) for x in hhmm.split(":"))
    return dt.datetime(2026, 12, day, hour, minute, tzinfo=dt.UTC)


def test_adherence_and_conformance_from_the_presence_log(session: Session) -> None:
    w = world(session)
    agent = w.agents[0]
    # 08:00–17:00 WIB = 01:00–10:00 UTC, break 05:00–06:00 UTC.
    published_shift(session, w, agent, u("01:00"))
    for at, state, reason in [("00:55", "ready", ""), ("03:00", "aux", "toilet"),
                              ("03:15", "ready", ""), ("05:05", "aux", "break"),
                              ("06:10", "ready", ""), ("09:30", "offline", "")]:
        presence.set_state(session, agent.id, state, reason, at=u(at))
    session.commit()
    [row] = attendance.day_report(session, dt.date(2026, 12, 1), now=u("23:00"))
    # In adherence: 01:00–03:00 (7,200 s) + 03:15–05:00 (6,300) + 05:05–06:00 on break
    # (3,300) + 06:10–09:30 (12,000) = 28,800 of 32,400 scheduled seconds.
    assert row.result.adherent_seconds == 28_800
    assert row.result.adherence == pytest.approx(88.8889, abs=1e-3)
    # Worked: 00:55–03:00 (7,500) + 03:15–05:05 (6,600) + 06:10–09:30 (12,000) = 26,100 of
    # 28,800 scheduled working seconds.
    assert row.result.worked_seconds == 26_100
    assert row.result.conformance == pytest.approx(90.625)
    # Half-way through the shift only the part so far counts: 01:00–03:00 of 2 h is 100 %.
    [early] = attendance.day_report(session, dt.date(2026, 12, 1), now=u("03:00"))
    assert early.result.adherence == pytest.approx(100.0)


def test_check_in_late_absent_and_out_of_adherence(session: Session) -> None:
    w = world(session)
    on_time, late, gone, idle = w.agents
    for person in w.agents:
        published_shift(session, w, person, u("01:00"))
    first = attendance.check_in(session, on_time.id, u("00:58"))
    assert first.shift_id is not None and first.day == dt.date(2026, 12, 1)
    with pytest.raises(Conflict):
        attendance.check_in(session, on_time.id, u("01:01"))
    presence.set_state(session, on_time.id, "ready", at=u("00:58"))
    attendance.check_in(session, idle.id, u("00:59"))
    presence.set_state(session, idle.id, "ready", at=u("00:59"))
    presence.set_state(session, idle.id, "aux", "coaching", at=u("01:30"))
    session.commit()
    status = {r.staff_id: (r.status, r.minutes)
              for r in attendance.live(session, w.site.id, u("01:20"))}
    assert status[on_time.id] == ("on_shift", 0)
    assert status[late.id] == ("late", 20) and status[gone.id] == ("late", 20)
    attendance.check_in(session, late.id, u("01:25"))
    presence.set_state(session, late.id, "ready", at=u("01:25"))
    session.commit()
    rows = attendance.live(session, w.site.id, u("01:45"))
    status = {r.staff_id: (r.status, r.minutes) for r in rows}
    assert status[gone.id] == ("absent", 45)
    assert status[late.id] == ("on_shift", 0)
    assert status[idle.id] == ("out_of_adherence", 15)  # aux since 01:30
    # The late one keeps the 25 minutes it came late (checked in at 01:25 for 01:00).
    assert {r.staff_id: r.arrived_late for r in rows}[late.id] == 25
    assert {r.staff_id: r.arrived_late for r in rows}[on_time.id] == 0
    assert rows[0].staff_id == gone.id  # the absent first
    # On break at 05:10 while still ready: out of adherence once five minutes have passed.
    status = {r.staff_id: (r.status, r.minutes)
              for r in attendance.live(session, w.site.id, u("05:10"))}
    assert status[on_time.id] == ("out_of_adherence", 10)
    assert attendance.live(session, w.other_site.id, u("01:20")) == []
    done = attendance.check_out(session, on_time.id, u("10:02"))
    assert done.check_out == u("10:02")


def test_corrections_need_a_reason_and_are_audited(session: Session) -> None:
    w = world(session)
    agent = w.agents[0]
    published_shift(session, w, agent, u("01:00"))
    with pytest.raises(InvalidInput) as bad:
        attendance.correct(session, None, agent.id, dt.date(2026, 12, 1), u("01:00"),
                           u("10:00"), " ", w.desk_control.id)
    assert bad.value.field == "reason"
    with pytest.raises(InvalidInput):
        attendance.correct(session, None, agent.id, dt.date(2026, 12, 1), u("10:00"),
                           u("01:00"), "Mesin absen rusak", w.desk_control.id)
    fixed = attendance.correct(session, None, agent.id, dt.date(2026, 12, 1), u("01:02"),
                               u("10:00"), "Mesin absen rusak", w.desk_control.id)
    session.commit()
    assert fixed.shift_id is not None and fixed.corrected_by_id == w.desk_control.id
    logged = session.scalar(select(AuditLog).where(AuditLog.action == "wfm_attendance.correct"))
    assert logged is not None and logged.detail["reason"] == "Mesin absen rusak"


def test_conformance_counts_the_work_around_its_own_shift_only(session: Session) -> None:
    w = world(session)
    agent = w.agents[0]
    # A night shift 30 Nov 15:00 – 1 Dec 00:00 UTC (22:00–07:00 WIB, local day 30 Nov),
    # worked from 14:55 to its end; the next shift 1 Dec 08:00–17:00 UTC (local day 1 Dec),
    # worked 08:00–16:00 ready, then busy to 18:00 (an hour of overtime).
    night = published_shift(session, w, agent, dt.datetime(2026, 11, 30, 15, tzinfo=dt.UTC),
                            break_at=None)
    day_shift = published_shift(session, w, agent, u("08:00"), break_at=None)
    for at, state in [(dt.datetime(2026, 11, 30, 14, 55, tzinfo=dt.UTC), "ready"),
                      (u("00:00"), "offline"), (u("08:00"), "ready"), (u("16:00"), "busy"),
                      (u("18:00"), "offline")]:
        presence.set_state(session, agent.id, state, "", at=at)
    session.commit()
    [row] = attendance.day_report(session, dt.date(2026, 12, 1), now=u("23:00"))
    assert row.shift.id == day_shift.id
    # Work counted: 08:00–18:00, overtime included (36,000 s), and nothing of the night
    # before (20:00–00:00 of it lies within 12 h of this shift but is that shift's work):
    # 36,000 of 32,400 scheduled seconds.
    assert row.result.worked_seconds == 36_000
    assert row.result.conformance == pytest.approx(36_000 / 32_400 * 100)
    [before] = attendance.day_report(session, dt.date(2026, 11, 30), now=u("23:00"))
    # The night shift: 14:55–00:00 (32,700 s; five minutes early) of 32,400.
    assert before.shift.id == night.id and before.result.worked_seconds == 32_700


def test_an_agent_logged_in_without_a_check_in_is_not_absent(session: Session) -> None:
    w = world(session)
    working, away = w.agents[:2]
    for person in (working, away):
        published_shift(session, w, person, u("01:00"))
    presence.set_state(session, working.id, "ready", at=u("00:57"))  # no check-in click
    session.commit()
    rows = {r.staff_id: r for r in attendance.live(session, w.site.id, u("01:40"))}
    assert (rows[working.id].status, rows[working.id].checked_in) == ("on_shift", False)
    assert rows[away.id].status == "absent" and rows[away.id].minutes == 40
