"""Worker job of reports: the scheduled reports, sent when due."""

from __future__ import annotations

from huey import Huey
from huey.api import TaskWrapper

from sigap.config import Settings


def register(huey: Huey, settings: Settings) -> dict[str, TaskWrapper]:
    return {}
