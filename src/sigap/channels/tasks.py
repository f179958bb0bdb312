"""Worker jobs of the chat and social channels: WhatsApp media, and sending answers."""

from __future__ import annotations

import logging

from huey import Huey, crontab
from huey.api import TaskWrapper

from sigap.channels import outbox
from sigap.channels.whatsapp import media
from sigap.config import Settings
from sigap.jobs import job_sessions

log = logging.getLogger("sigap.channels.tasks")


def register(huey: Huey, settings: Settings) -> dict[str, TaskWrapper]:
    @huey.periodic_task(crontab(minute="*"), name="whatsapp_media")
    def fetch_media() -> None:
        sessions = job_sessions(settings.database_url)
        with sessions() as session:
            if "whatsapp" not in outbox.endpoints(settings, session):
                return  # no token anywhere yet
        report = media.fetch_pending(sessions, settings.graph_base_url,
                                     settings.whatsapp_access_token)
        if report.fetched or report.failed:
            log.info("whatsapp media: %s", report)

    @huey.periodic_task(crontab(minute="*"), name="channels_send")
    def send_answers() -> None:
        sessions = job_sessions(settings.database_url)
        with sessions() as session:
            targets = outbox.endpoints(settings, session)
        report = outbox.send_due(sessions, targets)
        if report.sent or report.failed:
            log.info("channel answers: %s", report)

    return {"whatsapp_media": fetch_media, "channels_send": send_answers}
