"""The scheduled-report job: find what is due (one short transaction), render and send
each outside any transaction, and log the run (another transaction)."""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from sigap.auth import audit
from sigap.auth.actor import SYSTEM
from sigap.config import Settings
from sigap.core.clock import utcnow
from sigap.db.session import transaction
from sigap.reports.scheduled import mailer, service
from sigap.reports.scheduled.models import ReportRun, ReportSchedule
from sigap.web.i18n import translate

log = logging.getLogger("sigap.reports.scheduled")


@dataclass(frozen=True)
class Due:
    schedule_id: int
    first: dt.date
    recipients: list[str]
    report: mailer.Report | None


def _prepare(session: Session, now: dt.datetime) -> list[Due]:
    found = []
    for schedule in service.schedules(session):
        if not schedule.enabled:
            continue
        zone = service.zone_of(session, schedule)
        period = service.due_period(schedule.frequency, schedule.hour, schedule.last_period,
                                    now, zone)
        if period is None:
            continue
        to = service.recipients(session, schedule)
        # The site chooses the recipients and the clock; the board counts every site.
        report = mailer.render(session, schedule, period[0], period[1], zone,
                               translate("Semua site", schedule.language)) if to else None
        found.append(Due(schedule.id, period[0], to, report))
    return found


def run_due(sessions: sessionmaker[Session], settings: Settings,
            now: dt.datetime | None = None) -> list[ReportRun]:
    """Send every report that is due now; the runs logged."""
    now = now or utcnow()
    with transaction(sessions) as session:
        due = _prepare(session, now)
    logged = []
    for item in due:
        error = ""
        if item.report is None:
            error = "Tidak ada penerima aktif dengan email untuk peran (dan site) ini."
        else:
            try:
                mailer.send(settings, item.report, item.recipients)
            except (OSError, smtplib.SMTPException) as exc:
                error = f"{type(exc).__name__}: {exc}"[:2000]
                log.warning("scheduled report %s not sent: %s", item.schedule_id, error)
        with transaction(sessions) as session:
            audit.bind_actor(session, SYSTEM)
            run = ReportRun(schedule_id=item.schedule_id, period_start=item.first, at=utcnow(),
                            recipients=item.recipients, ok=not error, error=error)
            session.add(run)
            schedule = session.get(ReportSchedule, item.schedule_id)
            # A send that failed is tried again next time; nobody to send to is not.
            if schedule is not None and (not error or item.report is None):
                schedule.last_period = item.first
            logged.append(run)
    return logged
