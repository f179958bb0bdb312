"""Worker job of workforce: solving a queued roster (minutes of CP-SAT, never in a
request)."""

from __future__ import annotations

from huey import Huey, crontab
from huey.api import TaskWrapper

from sigap.config import Settings
from sigap.jobs import job_sessions
from sigap.workforce import solver


def register(huey: Huey, settings: Settings) -> dict[str, TaskWrapper]:
    @huey.task(name="roster_solve")
    def roster_solve(roster_id: int) -> None:
        solver.run_queued(job_sessions(settings.database_url), roster_id)

    @huey.periodic_task(crontab(minute="*"), name="roster_pickup")
    def roster_pickup() -> None:
        sessions = job_sessions(settings.database_url)
        with sessions() as session:
            waiting = solver.forgotten(session)
        for roster_id in waiting:
            solver.run_queued(sessions, roster_id)

    solver.enqueue = roster_solve
    return {"roster_solve": roster_solve, "roster_pickup": roster_pickup}
