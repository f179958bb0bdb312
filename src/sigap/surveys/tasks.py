"""Worker jobs of CSAT: a survey queued right after a resolution commits, and a periodic
pickup of resolutions whose job was lost (a process without the worker, a restart)."""

from __future__ import annotations

import datetime as dt
import logging

from huey import Huey, crontab
from huey.api import TaskWrapper
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from sigap.auth import audit
from sigap.auth.actor import SYSTEM
from sigap.config import Settings
from sigap.core.clock import utcnow
from sigap.db.session import transaction
from sigap.jobs import job_sessions
from sigap.surveys import service
from sigap.surveys.models import CsatSurvey
from sigap.tickets import actions
from sigap.tickets.models import Ticket, TicketState

log = logging.getLogger("sigap.surveys.tasks")
PICKUP_WINDOW = dt.timedelta(hours=48)


def send_one(sessions: sessionmaker[Session], settings: Settings, ticket_id: int) -> str:
    """Prepare and queue one ticket's survey in its own transaction; the status."""
    with transaction(sessions) as session:
        audit.bind_actor(session, SYSTEM)
        survey = service.prepare(session, settings, ticket_id)
        return survey.status if survey is not None else "none"


def forgotten(session: Session, now: dt.datetime | None = None) -> list[int]:
    """Tickets resolved in the last two days whose current resolution has no survey."""
    since = (now or utcnow()) - PICKUP_WINDOW
    asked = select(CsatSurvey.id).where(CsatSurvey.ticket_id == Ticket.id,
                                        CsatSurvey.resolved_at == Ticket.resolved_at)
    return list(session.scalars(select(Ticket.id).where(
        Ticket.state.in_((TicketState.resolved, TicketState.closed)),
        Ticket.resolved_at >= since, Ticket.merged_into_id.is_(None),
        ~asked.exists()).order_by(Ticket.id)))


def register(huey: Huey, settings: Settings) -> dict[str, TaskWrapper]:
    @huey.task(name="csat_send")
    def csat_send(ticket_id: int) -> None:
        status = send_one(job_sessions(settings.database_url), settings, ticket_id)
        log.info("csat survey for ticket %s: %s", ticket_id, status)

    @huey.periodic_task(crontab(minute="*/5"), name="csat_pickup")
    def csat_pickup() -> None:
        sessions = job_sessions(settings.database_url)
        with sessions() as session:
            waiting = forgotten(session)
        for ticket_id in waiting:
            send_one(sessions, settings, ticket_id)

    actions.on_resolved = csat_send
    return {"csat_send": csat_send, "csat_pickup": csat_pickup}
