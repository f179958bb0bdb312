"""Worker jobs of routing: offer time-outs (scheduled at the moment each offer expires,
and swept every minute), work finished elsewhere, surges, and lost sessions."""

from __future__ import annotations

import datetime as dt

from huey import Huey, crontab
from huey.api import TaskWrapper

from sigap.auth import audit
from sigap.auth.actor import SYSTEM
from sigap.config import Settings
from sigap.db.session import transaction
from sigap.jobs import job_sessions
from sigap.routing import assignment, surge


def sweep(settings: Settings) -> None:
    with transaction(job_sessions(settings.database_url)) as session:
        audit.bind_actor(session, SYSTEM)
        assignment.expire_offers(session)
        assignment.reconcile(session)
        surge.check(session)
        assignment.dispatch(session)


def arm_offer_timer(offer_timeout: TaskWrapper) -> None:
    """Have each offer's time-out checked the moment it expires (not only each minute)."""
    def schedule(at: dt.datetime) -> None:
        offer_timeout.schedule(eta=at + dt.timedelta(milliseconds=200))

    assignment.offer_timer = schedule


def register(huey: Huey, settings: Settings) -> dict[str, TaskWrapper]:
    @huey.periodic_task(crontab(minute="*/5"), name="presence_expiry")
    def expire_presence() -> None:
        with transaction(job_sessions(settings.database_url)) as session:
            audit.bind_actor(session, SYSTEM)
            assignment.expire_presence(
                session, dt.timedelta(seconds=settings.session_max_age_seconds))

    @huey.periodic_task(crontab(minute="*"), name="routing_sweep")
    def routing_sweep() -> None:
        sweep(settings)

    @huey.task(name="offer_timeout")
    def offer_timeout() -> None:
        with transaction(job_sessions(settings.database_url)) as session:
            audit.bind_actor(session, SYSTEM)
            assignment.expire_offers(session)

    return {"presence_expiry": expire_presence, "routing_sweep": routing_sweep,
            "offer_timeout": offer_timeout}
