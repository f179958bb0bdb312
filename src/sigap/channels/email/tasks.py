"""Worker jobs of the email desk: fetch every mailbox, send the outbox (every minute)."""

from __future__ import annotations

import logging

from huey import Huey, crontab
from huey.api import TaskWrapper

from sigap.channels.email import fetcher, outbox
from sigap.config import Settings
from sigap.jobs import job_sessions

log = logging.getLogger("sigap.email.tasks")


def register(huey: Huey, settings: Settings) -> dict[str, TaskWrapper]:
    @huey.periodic_task(crontab(minute="*"), name="email_fetch")
    def fetch_mailboxes() -> None:
        for name, report in fetcher.fetch_all(job_sessions(settings.database_url)).items():
            if report.fetched:
                log.info("mailbox %s: %s", name, report)

    @huey.periodic_task(crontab(minute="*"), name="email_send")
    def send_outbox() -> None:
        report = outbox.send_due(job_sessions(settings.database_url))
        if report.sent or report.retried or report.failed:
            log.info("outbox: %s", report)

    return {"email_fetch": fetch_mailboxes, "email_send": send_outbox}
