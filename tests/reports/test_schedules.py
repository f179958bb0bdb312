"""Scheduled reports: when they are due (by hand), the admin page (CSRF, audit), and runs
sent to a real SMTP server (aiosmtpd) with the XLSX attached, each run logged."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from sigap.auth.models import AuditLog
from sigap.channels.alarms.models import Alarm
from sigap.config import Settings
from sigap.reports.scheduled import sending, service
from sigap.reports.scheduled.models import ReportRun, ReportSchedule
from tests import factories
from tests.channels.email.mailservers import SmtpSink
from tests.tickets.helpers import floor

WIB = dt.timezone(dt.timedelta(hours=7))


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    """A real SMTP server (aiosmtpd) on loopback, started for the test."""
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()


def test_when_a_report_is_due() -> None:
    now = dt.datetime(2026, 12, 1, 6, 30, tzinfo=WIB)
    zone = "Asia/Jakarta"
    assert service.due_period("daily", 7, None, now, zone) is None  # before 07:00
    later = now + dt.timedelta(hours=1)
    assert service.due_period("daily", 7, None, later, zone) == \
        (dt.date(2026, 11, 30), dt.date(2026, 12, 1))
    assert service.due_period("daily", 7, dt.date(2026, 11, 30), later, zone) is None
    assert service.due_period("monthly", 7, dt.date(2026, 10, 1), later, zone) == \
        (dt.date(2026, 11, 1), dt.date(2026, 12, 1))
    assert service.due_period("monthly", 7, dt.date(2026, 11, 1), later, zone) is None
    # 07:30 WIB is 08:30 WITA: the same instant, due by the site's own clock.
    assert service.due_period("daily", 8, None, later, "Asia/Makassar") is not None
    assert service.due_period("daily", 8, None, later, zone) is None
    # Across the year: the January run covers December.
    january = dt.datetime(2027, 1, 3, 9, tzinfo=WIB)
    assert service.due_period("monthly", 7, None, january, zone) == \
        (dt.date(2026, 12, 1), dt.date(2027, 1, 1))


def test_admin_page_with_csrf_errors_and_audit(client: TestClient, session: Session) -> None:
    world = floor(session)
    manager = factories.staff(session, "manager", site=world.site, name="mira")
    session.commit()
    csrf = factories.login(client, manager.login_code)
    page = client.get("/reports/schedules")
    assert page.status_code == 200 and 'data-testid="new-schedule"' in page.text
    form = {"name": "Harian SPV", "frequency": "daily", "board": "tenesa",
            "roles": ["supervisor", "team_leader"], "site_id": str(world.site.id),
            "language": "id", "hour": "7", "enabled": "on"}
    assert client.post("/reports/schedules", data=form).status_code == 403  # no CSRF token
    made = client.post("/reports/schedules", data={**form, "csrf_token": csrf},
                       follow_redirects=False)
    assert made.status_code == 303
    bad = client.post("/reports/schedules", data={**form, "roles": ["raja"],
                                                  "csrf_token": csrf})
    assert bad.status_code == 422 and 'data-field="roles"' in bad.text and "raja" in bad.text
    hour = client.post("/reports/schedules", data={**form, "hour": "25", "csrf_token": csrf})
    assert hour.status_code == 422 and 'data-field="hour"' in hour.text
    session.rollback()
    schedule = session.scalars(select(ReportSchedule)).one()
    assert schedule.roles == ["supervisor", "team_leader"] or \
        schedule.roles == ["team_leader", "supervisor"]
    changed = client.post(f"/reports/schedules/{schedule.id}",
                          data={**form, "frequency": "monthly", "csrf_token": csrf},
                          follow_redirects=False)
    assert changed.status_code == 303
    session.rollback()
    assert session.get(ReportSchedule, schedule.id).frequency == "monthly"  # type: ignore[union-attr]
    actions = set(session.scalars(select(AuditLog.action).where(
        AuditLog.entity == "report_schedules")))
    assert {"report_schedules.create", "report_schedules.update"} <= actions
    removed = client.post(f"/reports/schedules/{schedule.id}/delete",
                          data={"csrf_token": csrf}, follow_redirects=False)
    assert removed.status_code == 303
    session.rollback()
    assert session.scalar(select(func.count()).select_from(ReportSchedule)) == 0
    assert client.post("/reports/schedules/999/delete",
                       data={"csrf_token": csrf}).status_code == 404
    client.cookies.clear()
    factories.login(client, world.agent_a.login_code)
    assert client.get("/reports/schedules").status_code == 403


def _parts(raw: bytes) -> tuple[str, bytes]:
    mail = message_from_bytes(raw, policy=default)
    assert isinstance(mail, EmailMessage)
    html = mail.get_body(preferencelist=("html",))
    assert html is not None
    attachment = next(mail.iter_attachments())
    return str(html.get_content()), bytes(attachment.get_content())


def test_runs_send_by_smtp_to_active_staff_of_the_roles(
        session: Session, sessions: sessionmaker[Session], settings: Settings,
        smtp_sink: SmtpSink) -> None:
    world = floor(session)
    world.spv.email = "sari@sigap.test"
    world.tl_a.email = "tari@sigap.test"
    gone = factories.staff(session, "supervisor", site=world.site, name="lama")
    gone.email, gone.active = "lama@sigap.test", False
    elsewhere = factories.site(session, code="BDG", name="GMP", city="Bandung")
    other = factories.staff(session, "supervisor", site=elsewhere, name="lain")
    other.email = "lain@sigap.test"
    # November: 3 of 5 alarms followed up (60 %).
    for i, follow in enumerate(("valid", "clear", "pending", "valid", "pending")):
        session.add(Alarm(source="json", fingerprint=f"s{i}", name="LinkDown",
                          starts_at=dt.datetime(2026, 11, 5 + i, 10, tzinfo=WIB),
                          follow_up=follow))
    monthly = ReportSchedule(name="Bulanan", frequency="monthly", board="tenesa",
                             roles=["supervisor", "team_leader"], site_id=world.site.id,
                             language="en", hour=7, enabled=True)
    nobody = ReportSchedule(name="QCO harian", frequency="daily", board="tam",
                            roles=["qco"], language="id", hour=7, enabled=True)
    off = ReportSchedule(name="Mati", frequency="daily", board="tam", roles=["supervisor"],
                         hour=0, enabled=False)
    session.add_all([monthly, nobody, off])
    session.commit()
    smtp = Settings(**{**settings.model_dump(), "smtp_host": smtp_sink.host,
                       "smtp_port": smtp_sink.port, "smtp_security": "none",
                       "smtp_from": "laporan@sigap.test"})
    now = dt.datetime(2026, 12, 1, 7, 15, tzinfo=WIB)
    smtp_sink.fail_next(1)  # the first SMTP attempt is refused for now
    first = sending.run_due(sessions, smtp, now)
    assert sorted((r.schedule_id, r.ok) for r in first) == [(monthly.id, False),
                                                          (nobody.id, False)]
    assert smtp_sink.messages == []
    again = sending.run_due(sessions, smtp, now + dt.timedelta(minutes=15))
    assert [(r.schedule_id, r.ok) for r in again] == [(monthly.id, True)]  # nobody: not again
    assert sending.run_due(sessions, smtp, now + dt.timedelta(minutes=30)) == []
    [mail] = smtp_sink.messages
    assert sorted(mail.recipients) == ["sari@sigap.test", "tari@sigap.test"]
    html, xlsx = _parts(mail.raw)
    assert "KPI report TENESA monthly 2026-11" in html
    row = html[html.index('data-code="D15.7"'):]
    assert "60.0 %" in row[:500] and "3 / 5" in row[:500] and "red" in row[:500]
    sheet = load_workbook(io.BytesIO(xlsx)).active
    rows = list(sheet.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert rows[0][3:5] == ("Numerator", "Denominator")
    assert next(r for r in rows if r[0] == "D15.7")[3:7] == (3, 5, 60.0, "red")
    session.rollback()
    logged = list(session.scalars(select(ReportRun).order_by(ReportRun.id)))
    assert [(r.ok, r.period_start) for r in logged] == [
        (False, dt.date(2026, 11, 1)), (False, dt.date(2026, 11, 30)),
        (True, dt.date(2026, 11, 1))]
    assert "451" in logged[0].error and "penerima" in logged[1].error
    assert logged[2].recipients == ["sari@sigap.test", "tari@sigap.test"]
    session.refresh(monthly)
    assert monthly.last_period == dt.date(2026, 11, 1)
    unset = sending.run_due(sessions, settings, dt.datetime(2027, 1, 2, 8, tzinfo=WIB))
    assert any("SIGAP_SMTP_HOST" in r.error for r in unset)
