"""Worker job of routing: a lost session sets the agent offline."""

from __future__ import annotations

import datetime as dt

from huey import Huey, crontab
from huey.api import TaskWrapper

from sigap.auth import audit
from sigap.auth.actor import SYSTEM
from sigap.config import Settings
from sigap.db.session import transaction
from sigap.jobs import job_sessions
from sigap.routing import service


def register(huey: Huey, settings: Settings) -> dict[str, TaskWrapper]:
    @huey.periodic_task(crontab(minute="*/5"), name="presence_expiry")
    def expire_presence() -> None:
        with transaction(job_sessions(settings.database_url)) as session:
            audit.bind_actor(session, SYSTEM)
            service.expire(session, dt.timedelta(seconds=settings.session_max_age_seconds))

    return {"presence_expiry": expire_presence}
