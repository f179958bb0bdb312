"""Concurrent writers through a real server: none waits on another that cannot finish."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sigap.tickets.models import Ticket
from tests import factories
from tests.tickets.helpers import floor


def test_concurrent_ticket_creation_over_http(live_server: str, session: Session) -> None:
    world = floor(session)
    session.commit()
    token = httpx.post(f"{live_server}/api/auth/token", data={
        "username": str(world.tl_a.login_code), "password": factories.PASSWORD}).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}

    def create(i: int) -> int:
        with httpx.Client(base_url=live_server, headers=headers, timeout=15) as client:
            for _ in range(5):
                answer = client.post("/api/tickets", json={
                    "customer_id": world.customer.id, "type": "gangguan",
                    "subject": f"Gangguan paralel {i}"})
                if answer.status_code != 201:
                    return answer.status_code
        return 201

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(create, range(8)))
    elapsed = time.monotonic() - started
    assert codes == [201] * 8
    assert elapsed < 15, f"40 tickets by 8 clients took {elapsed:.1f} s"
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Ticket)) == 40
