"""Worker job of the WhatsApp channel: fetch the media of stored messages (every minute)."""

from __future__ import annotations

import logging

from huey import Huey, crontab
from huey.api import TaskWrapper

from sigap.channels.whatsapp import media
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

    return {"whatsapp_media": fetch_media}
