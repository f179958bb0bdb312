"""CSAT surveys: one per resolution, answered once, read by supervisors.

Rule of sending: each resolution of a ticket gets one survey. A ticket reopened and
resolved again within a day of its last survey gets none (recorded as skipped with that
reason), so a customer is not asked twice about the same fault; a resolution more than a
day later is a new survey. Preparing is idempotent (one row per ticket and resolution),
so the job may run twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sigap.auth import audit
from sigap.auth.actor import SYSTEM, Actor
from sigap.config import Settings
from sigap.core.clock import utcnow
from sigap.surveys import dispatch, links
from sigap.surveys.models import CsatSurvey
from sigap.tickets import service as ticket_service
from sigap.tickets.models import EventKind, Ticket, TicketState
from sigap.tickets.scope import ticket_filter

RESEND_GAP = dt.timedelta(days=1)


def prepare(session: Session, settings: Settings, ticket_id: int,
            now: dt.datetime | None = None) -> CsatSurvey | None:
    """The survey of the ticket's current resolution, made and queued on first call."""
    ticket = session.get(Ticket, ticket_id)
    if ticket is None or ticket.state not in (TicketState.resolved, TicketState.closed) \
            or ticket.resolved_at is None or ticket.merged_into_id is not None:
        return None
    existing = session.scalar(select(CsatSurvey).where(
        CsatSurvey.ticket_id == ticket.id, CsatSurvey.resolved_at == ticket.resolved_at))
    if existing is not None:
        return existing
    now = now or utcnow()
    survey = CsatSurvey(ticket_id=ticket.id, customer_id=ticket.customer_id,
                        resolved_at=ticket.resolved_at, channel="none", status="skipped",
                        created_at=now)
    recent = session.scalar(select(CsatSurvey.id).where(
        CsatSurvey.ticket_id == ticket.id, CsatSurvey.status != "skipped",
        CsatSurvey.created_at > ticket.resolved_at - RESEND_GAP).limit(1))
    try:
        with session.begin_nested():
            session.add(survey)
            session.flush()
    except IntegrityError:  # another worker prepared it a moment ago
        return session.scalar(select(CsatSurvey).where(
            CsatSurvey.ticket_id == ticket.id, CsatSurvey.resolved_at == ticket.resolved_at))
    if recent is not None:
        survey.skip_reason = "Sudah disurvei dalam 24 jam terakhir (tiket dibuka kembali)."
        return survey
    link = links.url(settings.public_base_url, settings.secret_key, survey.id)
    sent = dispatch.send(session, settings, ticket, link)
    survey.channel, survey.address = sent.channel, sent.address[:200]
    survey.chat_message_id, survey.email_id = sent.chat_message_id, sent.email_id
    survey.skip_reason = sent.reason[:300]
    if sent.channel != "none":
        survey.status, survey.sent_at = "sent", now
        ticket_service.add_event(session, ticket, SYSTEM, EventKind.note,
                                 f"Survei CSAT dikirim lewat {sent.channel}.",
                                 data={"csat_survey_id": survey.id})
    session.flush()
    return survey


@dataclass(frozen=True)
class Result:
    survey: CsatSurvey
    ticket_number: str
    owner_id: int | None


def results(session: Session, actor: Actor, start: dt.datetime, end: dt.datetime,
            answered_only: bool = False) -> list[Result]:
    """Surveys about resolutions in [start, end) of tickets in the actor's scope, newest
    first; the comments are customer personal data, so the read is audited."""
    stmt = select(CsatSurvey, Ticket.number, Ticket.owner_id).join(
        Ticket, Ticket.id == CsatSurvey.ticket_id).where(
        CsatSurvey.resolved_at >= start, CsatSurvey.resolved_at < end,
        ticket_filter(actor, "reports.csat"))
    if answered_only:
        stmt = stmt.where(CsatSurvey.status == "answered")
    rows = [Result(s, n, o) for s, n, o in session.execute(
        stmt.order_by(CsatSurvey.resolved_at.desc(), CsatSurvey.id.desc()))]
    answered = [r.survey.id for r in rows if r.survey.status == "answered"]
    if answered:
        audit.record_read(session, "csat_surveys", list(answered),
                          "hasil survei CSAT dengan komentar pelanggan")
    return rows
