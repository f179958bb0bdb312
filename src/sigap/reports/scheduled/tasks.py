"""Worker job of the scheduled reports: every quarter of an hour, send what is due."""

from __future__ import annotations

import logging

from huey import Huey, crontab
from huey.api import TaskWrapper

from sigap.config import Settings
from sigap.jobs import job_sessions
from sigap.reports.scheduled import sending

log = logging.getLogger("sigap.reports.scheduled.tasks")


def register(huey: Huey, settings: Settings) -> dict[str, TaskWrapper]:
    @huey.periodic_task(crontab(minute="*/15"), name="scheduled_reports")
    def scheduled_reports() -> None:
        for run in sending.run_due(job_sessions(settings.database_url), settings):
            log.info("scheduled report %s for %s: %s", run.schedule_id, run.period_start,
                     "sent" if run.ok else run.error)

    return {"scheduled_reports": scheduled_reports}
