"""Worker jobs of routing: offer time-outs (at the moment each offer expires, on the timer
of the process that made it, and swept every minute), work finished elsewhere, surges,
and lost sessions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from huey import Huey, crontab
from huey.api import TaskWrapper

from sigap.auth import audit
from sigap.auth.actor import SYSTEM
from sigap.config import Settings
from sigap.core import timers
from sigap.db.session import transaction
from sigap.jobs import job_sessions
from sigap.routing import assignment, offers, surge


def sweep(settings: Settings) -> None:
    with transaction(job_sessions(settings.database_url)) as session:
        audit.bind_actor(session, SYSTEM)
        assignment.expire_offers(session)
        assignment.reconcile(session)
        surge.check(session)
        assignment.dispatch(session)


def expire_due_offers(settings: Settings) -> None:
    with transaction(job_sessions(settings.database_url)) as session:
        audit.bind_actor(session, SYSTEM)
        assignment.expire_offers(session)


OfferTimer = Callable[[dt.datetime], None] | None


def arm_offer_timer(settings: Settings) -> OfferTimer:
    """Have each offer made by this process timed out the moment it expires, on the
    process's timer thread (core/timers.py); the sweep every minute catches the offers of
    a process that stopped first. Returns the timer it replaces (see restore_offer_timer)."""
    previous = offers.offer_timer
    key = f"offer-timeout:{settings.database_url}"

    def schedule(at: dt.datetime) -> None:
        timers.at(at.timestamp() + 0.2, key, lambda: expire_due_offers(settings))

    offers.offer_timer = schedule
    return previous


def restore_offer_timer(timer: OfferTimer) -> None:
    """Put back the timer an application replaced when it stops (tests start many)."""
    offers.offer_timer = timer


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

    return {"presence_expiry": expire_presence, "routing_sweep": routing_sweep}
