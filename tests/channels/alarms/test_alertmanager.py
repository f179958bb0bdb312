"""A real Alertmanager (Debian's prometheus-alertmanager) on loopback, with a throwaway
config, fires its v4 webhook into Sigap: a firing alert opens its fault ticket by rule,
repeats are one alarm, and the resolved notification updates the ticket."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from sigap.channels.alarms.models import Alarm, AlarmRule
from sigap.tickets.models import Ticket, TicketEvent
from tests import factories
from tests.tickets.helpers import floor

IN_CI = os.environ.get("CI", "").lower() == "true"


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _binary() -> str:
    found = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
    if found is None:
        message = "Debian prometheus-alertmanager is not installed"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return found


@pytest.fixture
def alertmanager(tmp_path: Path) -> Iterator[Callable[[str, str], str]]:
    """Starts Alertmanager once the test knows where to send and with which bearer."""
    binary = _binary()
    started: list[subprocess.Popen[bytes]] = []

    def start(webhook: str, bearer: str) -> str:
        config = tmp_path / "alertmanager.yml"
        config.write_text(f"""
route:
  receiver: sigap
  group_by: ['alertname', 'service_id']
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 1h
receivers:
  - name: sigap
    webhook_configs:
      - url: '{webhook}'
        send_resolved: true
        http_config:
          authorization:
            type: Bearer
            credentials: '{bearer}'
""")
        port = _port()
        process = subprocess.Popen(
            [binary, f"--config.file={config}", f"--storage.path={tmp_path / 'data'}",
             f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address=",
             "--log.level=warn"],
            stdout=subprocess.DEVNULL, stderr=(tmp_path / "am.log").open("wb"))
        started.append(process)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/-/ready", timeout=1).status_code == 200:
                    return base
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError("Alertmanager did not start: "
                           + (tmp_path / "am.log").read_text()[-2000:])

    yield start
    for process in started:
        process.terminate()
        process.wait(timeout=10)


def _wait_for(session: Session, check: Callable[[], Any], what: str,
              seconds: float = 40) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        session.rollback()  # a fresh snapshot
        found = check()
        if found:
            return found
        time.sleep(0.3)
    raise AssertionError(f"Alertmanager never delivered: {what}")


def test_alertmanager_fires_and_resolves_into_tickets(
        client: TestClient, session: Session, live_server: str,
        alertmanager: Callable[[str, str], str]) -> None:
    world = floor(session)
    session.add(AlarmRule(position=1, label="severity", value="critical", action="auto"))
    monitor = factories.staff(session, "it", site=factories.site(session, code="MON"))
    session.commit()
    bearer = factories.token(client, monitor.login_code)["Authorization"].split(" ", 1)[1]
    base = alertmanager(f"{live_server}/api/channels/alarms/alertmanager", bearer)
    sid = world.service.service_id
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    alert = {"labels": {"alertname": "LinkDown", "service_id": sid, "severity": "critical",
                        "instance": f"cpe-{sid}"},
             "annotations": {"summary": f"Link {sid} down: no light on the PON port"},
             "startsAt": now.isoformat().replace("+00:00", "Z")}
    warning = {"labels": {"alertname": "HighLatency", "service_id": sid,
                          "severity": "warning"},
               "annotations": {"summary": "Latency 900 ms"},
               "startsAt": now.isoformat().replace("+00:00", "Z")}
    posted = httpx.post(f"{base}/api/v2/alerts", json=[alert, warning], timeout=5)
    assert posted.status_code == 200, posted.text

    def both() -> list[Alarm]:
        rows = list(session.scalars(select(Alarm).order_by(Alarm.name)))
        return rows if len(rows) == 2 else []

    latency, link = _wait_for(session, both, "the two firing alerts")
    assert link.source == "alertmanager" and link.status == "firing"
    assert link.customer_id == world.customer.id and link.service_id == world.service.id
    assert link.ticket_id is not None  # severity=critical: opened at once by the rule
    assert latency.ticket_id is None and latency.follow_up == "pending"  # waits for the desk
    assert len(link.fingerprint) == 16  # Alertmanager's own fingerprint
    assert link.starts_at == now
    ticket = session.get(Ticket, link.ticket_id)
    assert ticket is not None and ticket.channel == "alarm" and ticket.severity == "critical"
    assert ticket.subject == f"[Alarm] LinkDown – cpe-{sid}"

    # The monitor repeats the alert: Alertmanager keeps it as one, and so do we.
    assert httpx.post(f"{base}/api/v2/alerts", json=[alert], timeout=5).status_code == 200
    # Then it is over: Alertmanager sends the resolved notification.
    ended = (now + dt.timedelta(seconds=1)).isoformat().replace("+00:00", "Z")
    resolved = {**alert, "endsAt": ended}
    assert httpx.post(f"{base}/api/v2/alerts", json=[resolved], timeout=5).status_code == 200

    def link_resolved() -> Alarm | None:
        row = session.get(Alarm, link.id)
        return row if row is not None and row.status == "resolved" else None

    done = _wait_for(session, link_resolved, "the resolved notification")
    assert done.ends_at == now + dt.timedelta(seconds=1)
    assert len(list(session.scalars(select(Alarm)))) == 2
    assert len(list(session.scalars(select(Ticket)))) == 1
    note = session.scalar(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id,
                                                    TicketEvent.body.like("%resolved%")))
    assert note is not None and "LinkDown" in note.body
