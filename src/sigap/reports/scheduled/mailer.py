"""A scheduled report as mail: the board's figures as an HTML body (and a plain-text
part), the XLSX attached, sent over SMTP with the SIGAP_SMTP_* settings."""

from __future__ import annotations

import datetime as dt
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid

from sqlalchemy.orm import Session

from sigap.config import Settings
from sigap.core.clock import utcnow
from sigap.reports import export, kpis, month
from sigap.reports.scheduled.models import ReportSchedule
from sigap.web.i18n import current_locale, translate
from sigap.web.render import templates

XLSX = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@dataclass(frozen=True)
class Report:
    subject: str
    html: str
    text: str
    attachment: bytes
    filename: str


def render(session: Session, schedule: ReportSchedule, first: dt.date, after: dt.date,
           zone: str, site_name: str) -> Report:
    """The board over every site, as the client is reported to (the schedule's site only
    chooses the recipients and the clock)."""
    start, end = month.bounds(first, after, zone)
    ask = kpis.Ask(start, end, zone, kpis.Filters(), None, utcnow())
    rows = export.board_rows(session, schedule.board, ask)
    lang = schedule.language
    label = first.isoformat() if schedule.frequency == "daily" else first.strftime("%Y-%m")
    kind = translate("harian" if schedule.frequency == "daily" else "bulanan", lang)
    subject = translate("Laporan KPI {board} {kind} {period}", lang,
                        {"board": schedule.board.upper(), "kind": kind, "period": label})
    token = current_locale.set(lang)
    try:
        html = templates.env.get_template("reports/email.html").render(
            subject=subject, rows=rows, site=site_name, first=first,
            last=after - dt.timedelta(days=1), zone=zone, locale=lang)
    finally:
        current_locale.reset(token)
    text_lines = [subject, f"{site_name} · {first} – {after - dt.timedelta(days=1)}", ""]
    text_lines += [f"{line[0]}  {line[1]}: {line[5] if line[5] is not None else '—'} % "
                   f"(target {line[2]:g} %, {line[6]})"
                   for line in export.lines(rows, lang)]
    return Report(subject, html, "\n".join(text_lines) + "\n",
                  export.xlsx(schedule.board.upper(), rows, lang),
                  f"kpi-{schedule.board}-{label}.xlsx")


def message(settings: Settings, report: Report, to: Sequence[str]) -> EmailMessage:
    mime = EmailMessage(policy=SMTP)
    mime["From"] = settings.smtp_from
    mime["To"] = settings.smtp_from  # recipients go in the envelope only (Bcc)
    mime["Subject"] = report.subject
    mime["Date"] = format_datetime(utcnow())
    mime["Message-ID"] = make_msgid(domain=settings.smtp_from.rsplit("@", 1)[-1])
    mime["Auto-Submitted"] = "auto-generated"
    mime.set_content(report.text)
    mime.add_alternative(report.html, subtype="html")
    mime.add_attachment(report.attachment, maintype=XLSX[0], subtype=XLSX[1],
                        filename=report.filename)
    return mime


def send(settings: Settings, report: Report, to: Sequence[str],
         timeout: float = 30.0) -> None:
    """Hand the mail to the SMTP server; raises OSError / smtplib.SMTPException."""
    if not settings.smtp_host:
        raise smtplib.SMTPException("SIGAP_SMTP_HOST belum diatur.")
    mime = message(settings, report, to)
    context = ssl.create_default_context()
    client: smtplib.SMTP
    if settings.smtp_security == "ssl":
        client = smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port, timeout=timeout,
                                  context=context)
    else:
        client = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout)
    with client:
        if settings.smtp_security == "starttls":
            client.starttls(context=context)
        if settings.smtp_user:
            client.login(settings.smtp_user, settings.smtp_password)
        refused = client.send_message(mime, settings.smtp_from, list(to))
    if refused:
        raise smtplib.SMTPRecipientsRefused(refused)
