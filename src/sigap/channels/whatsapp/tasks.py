"""Worker job of the WhatsApp channel: fetch the media of stored messages (every minute)."""

from __future__ import annotations

import logging

from huey import Huey, crontab
from huey.api import TaskWrapper

from sigap.channels.whatsapp import media, outbox
from sigap.config import Settings
from sigap.jobs import job_sessions

log = logging.getLogger("sigap.whatsapp.tasks")


def register(huey: Huey, settings: Settings) -> dict[str, TaskWrapper]:
    @huey.periodic_task(crontab(minute="*"), name="whatsapp_media")
    def fetch_media() -> None:
        if not settings.whatsapp_access_token:
            return
        report = media.fetch_pending(job_sessions(settings.database_url),
                                     settings.graph_base_url, settings.whatsapp_access_token)
        if report.fetched or report.failed:
            log.info("whatsapp media: %s", report)

    @huey.periodic_task(crontab(minute="*"), name="whatsapp_send")
    def send_messages() -> None:
        if not settings.whatsapp_access_token:
            return
        report = outbox.send_due(job_sessions(settings.database_url),
                                 settings.graph_base_url, settings.whatsapp_access_token)
        if report.sent or report.failed:
            log.info("whatsapp send: %s", report)

    return {"whatsapp_media": fetch_media, "whatsapp_send": send_messages}
