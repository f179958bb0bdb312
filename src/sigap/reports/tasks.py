"""Worker job of the KPI rollups: the facts of tickets whose events arrived since the
last pass, and of new or unfinished calls (every minute)."""

from __future__ import annotations

import logging

from huey import Huey, crontab
from huey.api import TaskWrapper

from sigap.auth import audit
from sigap.auth.actor import SYSTEM
from sigap.config import Settings
from sigap.db.session import transaction
from sigap.jobs import job_sessions
from sigap.reports import rollup

log = logging.getLogger("sigap.reports.tasks")


def register(huey: Huey, settings: Settings) -> dict[str, TaskWrapper]:
    @huey.periodic_task(crontab(minute="*"), name="kpi_rollup")
    def kpi_rollup() -> None:
        with transaction(job_sessions(settings.database_url)) as session:
            audit.bind_actor(session, SYSTEM)
            report = rollup.refresh(session)
        if report.tickets or report.calls:
            log.info("kpi rollup: %s", report)

    return {"kpi_rollup": kpi_rollup}
