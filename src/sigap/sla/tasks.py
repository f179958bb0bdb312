"""Worker job of the SLA engine: warnings, breaches and caring tasks (every minute)."""

from __future__ import annotations

import logging

from huey import Huey, crontab
from huey.api import TaskWrapper

from sigap.auth import audit
from sigap.auth.actor import SYSTEM
from sigap.config import Settings
from sigap.db.session import transaction
from sigap.jobs import job_sessions
from sigap.sla import policy

log = logging.getLogger("sigap.sla.tasks")


def register(huey: Huey, settings: Settings) -> dict[str, TaskWrapper]:
    @huey.periodic_task(crontab(minute="*"), name="sla_watch")
    def sla_watch() -> None:
        with transaction(job_sessions(settings.database_url)) as session:
            audit.bind_actor(session, SYSTEM)
            report = policy.watch(session)
        if report.warnings or report.breaches or report.caring:
            log.info("sla: %s", report)

    return {"sla_watch": sla_watch}
