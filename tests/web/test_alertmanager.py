"""End to end with a real Alertmanager (Debian prometheus-alertmanager) firing into Sigap."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from sigap.channels.alarms.models import Alarm, AlarmRule
from sigap.tickets.models import Ticket
from tests import factories
from tests.tickets.helpers import floor

BINARY = "/usr/bin/prometheus-alertmanager"
IN_CI = os.environ.get("CI", "").lower() == "true"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def alertmanager_for(tmp_path: Path) -> Iterator[Callable[[str, str], str]]:
    """Start an Alertmanager whose one receiver posts to `url` with `token`; its base URL."""
    if not os.access(BINARY, os.X_OK):
        message = f"{BINARY} not found (make test installs prometheus-alertmanager)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    processes: list[subprocess.Popen[bytes]] = []
    storage = tempfile.mkdtemp(prefix="sigap-am-")

    def start(url: str, token: str) -> str:
        port = _free_port()
        config = tmp_path / "alertmanager.yml"
        config.write_text(json.dumps({
            "route": {"receiver": "sigap", "group_by": ["alertname", "service_id"],
                      "group_wait": "1s", "group_interval": "1s", "repeat_interval": "1h"},
            "receivers": [{"name": "sigap", "webhook_configs": [{
                "url": url, "send_resolved": True,
                "http_config": {"authorization": {"type": "Bearer", "credentials": token}}}]}],
        }))
        process = subprocess.Popen(
            [BINARY, f"--config.file={config}", f"--storage.path={storage}",
             f"--web.listen-address=127.0.0.1:{port}", "--cluster.listen-address="],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        processes.append(process)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{base}/-/ready", timeout=1) as answer:
                    if answer.status == 200:
                        return base
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("Alertmanager did not become ready")

    yield start
    for process in processes:
        process.terminate()
        process.wait(timeout=10)
    shutil.rmtree(storage, ignore_errors=True)


def _post_alert(base: str, labels: dict[str, str], ends: dt.datetime | None = None) -> None:
    now = dt.datetime.now(dt.UTC)
    alert: dict[str, object] = {"labels": labels,
                                "annotations": {"summary": "No light on the PON port"},
                                "startsAt": (now - dt.timedelta(minutes=1)).isoformat()}
    if ends is not None:
        alert["endsAt"] = ends.isoformat()
    request = urllib.request.Request(f"{base}/api/v2/alerts", data=json.dumps([alert]).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
    with urllib.request.urlopen(request, timeout=5) as answer:
        assert answer.status == 200


def _wait(session: Session, check: Callable[[], bool], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        session.rollback()
        if check():
            return
        time.sleep(0.3)
    raise AssertionError("Alertmanager's notification did not arrive in time")


def test_alertmanager_fires_and_resolves_into_tickets(
        live_server: str, client: TestClient, session: Session,
        alertmanager_for: Callable[[str, str], str]) -> None:
    world = floor(session)
    session.add(AlarmRule(position=1, label="severity", value="critical", action="auto"))
    monitor = factories.staff(session, "it", site=world.site)
    session.commit()
    token = factories.token(client, monitor.login_code)["Authorization"].split(" ", 1)[1]
    base = alertmanager_for(f"{live_server}/api/channels/alarms/alertmanager", token)
    labels = {"alertname": "LinkDown", "service_id": world.service.service_id,
              "severity": "critical", "instance": "cpe-1"}
    _post_alert(base, labels)

    def fired() -> bool:
        alarm = session.scalar(select(Alarm))
        return alarm is not None and alarm.ticket_id is not None

    _wait(session, fired)
    alarm = session.scalar(select(Alarm))
    assert alarm is not None and alarm.source == "alertmanager" and alarm.status == "firing"
    ticket = session.get(Ticket, alarm.ticket_id)
    assert ticket is not None and ticket.customer_id == world.customer.id
    _post_alert(base, labels, ends=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1))
    _wait(session, lambda: session.scalar(select(Alarm.status)) == "resolved")
    assert session.scalar(select(Alarm.ends_at)) is not None
