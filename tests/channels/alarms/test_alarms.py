"""Pro-active alarms (D11): Alertmanager v4 and plain JSON, dedupe, rules, follow-up."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sigap.channels.alarms.models import Alarm, AlarmRule
from sigap.tickets.models import Ticket, TicketEvent
from tests import factories
from tests.tickets.helpers import floor

AM = "/api/channels/alarms/alertmanager"


def webhook(status: str, alerts: list[dict[str, Any]]) -> dict[str, Any]:
    """The body Alertmanager posts (webhook payload version 4)."""
    return {"version": "4", "groupKey": "{}:{alertname=\"LinkDown\"}", "truncatedAlerts": 0,
            "status": status, "receiver": "sigap", "groupLabels": {"alertname": "LinkDown"},
            "commonLabels": {"alertname": "LinkDown"}, "commonAnnotations": {},
            "externalURL": "http://alertmanager:9093", "alerts": alerts}


def alert(sid: str, status: str = "firing", severity: str = "critical",
          fingerprint: str = "") -> dict[str, Any]:
    return {"status": status,
            "labels": {"alertname": "LinkDown", "instance": f"cpe-{sid}", "service_id": sid,
                       "severity": severity},
            "annotations": {"summary": f"Link {sid} down: no light on the PON port"},
            "startsAt": "2026-11-23T01:00:00.000Z",
            "endsAt": "2026-11-23T02:00:00.000Z" if status == "resolved"
            else "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus:9090/graph", "fingerprint": fingerprint or sid}


def _sender(session: Session, client: TestClient) -> dict[str, str]:
    site = factories.site(session, code="MON")
    monitor = factories.staff(session, "it", site=site)
    session.commit()
    return factories.token(client, monitor.login_code)


def test_rules_decide_auto_ticket_or_validation(client: TestClient, session: Session) -> None:
    world = floor(session)
    other = factories.customer(session, service_id="SID-OTHER-1")
    session.add(AlarmRule(position=1, label="severity", value="critical", action="auto"))
    session.commit()
    auth = _sender(session, client)
    body = webhook("firing", [alert(world.service.service_id),
                              alert("SID-OTHER-1", severity="warning"),
                              alert("SID-UNKNOWN")])
    answer = client.post(AM, json=body, headers=auth)
    assert answer.status_code == 200, answer.text
    taken = answer.json()
    assert [t["new"] for t in taken] == [True, True, True]
    assert taken[0]["ticket_id"] is not None and taken[1]["ticket_id"] is None
    session.rollback()
    ticket = session.get(Ticket, taken[0]["ticket_id"])
    assert ticket is not None and ticket.customer_id == world.customer.id
    assert ticket.channel == "alarm" and ticket.service_id == world.service.id
    assert ticket.severity == "critical" and ticket.subject.startswith("[Alarm] LinkDown")
    unknown = session.get(Alarm, taken[2]["alarm_id"])
    assert unknown is not None and unknown.customer_id is None
    # Alertmanager repeats the notification: the same alarms, no new ones.
    again = client.post(AM, json=body, headers=auth).json()
    assert [t["new"] for t in again] == [False, False, False]
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Alarm)) == 3
    assert session.scalar(select(func.count()).select_from(Ticket)) == 1
    del other


def test_follow_up_valid_or_clear_and_inform(client: TestClient, session: Session) -> None:
    world = floor(session)
    auth = _sender(session, client)
    taken = client.post("/api/channels/alarms/events", headers=auth, json=[
        {"name": "HighLatency", "service_id": world.service.service_id, "severity": "major",
         "summary": "Latency 900 ms", "at": "2026-11-23T08:00:00+07:00"},
        {"name": "Flapping", "service_id": world.service.service_id, "severity": "minor",
         "at": "2026-11-23T08:05:00+07:00"}]).json()
    assert all(t["ticket_id"] is None for t in taken)
    agent = factories.token(client, world.agent_a.login_code)
    pending = client.get("/api/alarms?follow_up=pending", headers=agent).json()
    assert {a["name"] for a in pending} == {"HighLatency", "Flapping"}
    too_early = client.post(f"/api/alarms/{taken[0]['alarm_id']}/inform", headers=agent,
                            json={"message": "Ada gangguan"})
    assert too_early.status_code == 409
    valid = client.post(f"/api/alarms/{taken[0]['alarm_id']}/follow-up", headers=agent,
                        json={"result": "valid", "note": "Dicek di NMS: valid."})
    assert valid.status_code == 200 and valid.json()["ticket_id"] is not None
    clear = client.post(f"/api/alarms/{taken[1]['alarm_id']}/follow-up", headers=agent,
                        json={"result": "clear"})
    assert clear.json()["follow_up"] == "clear" and clear.json()["ticket_id"] is None
    twice = client.post(f"/api/alarms/{taken[1]['alarm_id']}/follow-up", headers=agent,
                        json={"result": "valid"})
    assert twice.status_code == 409
    informed = client.post(f"/api/alarms/{taken[0]['alarm_id']}/inform", headers=agent,
                           json={"message": "Kami mendeteksi gangguan pada layanan Anda."})
    assert informed.status_code == 200 and informed.json()["informed_at"]
    session.rollback()
    ticket = session.get(Ticket, valid.json()["ticket_id"])
    assert ticket is not None and ticket.first_response_at is not None
    # The monitor says it is over: the ticket hears of it.
    resolved = client.post("/api/channels/alarms/events", headers=auth, json=[
        {"name": "HighLatency", "service_id": world.service.service_id, "status": "resolved",
         "at": "2026-11-23T09:00:00+07:00"}]).json()
    assert resolved[0]["alarm_id"] == taken[0]["alarm_id"]
    session.rollback()
    note = session.scalar(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id,
                                                    TicketEvent.body.like("%resolved%")))
    assert note is not None
    assert session.get(Alarm, taken[0]["alarm_id"]).status == "resolved"  # type: ignore[union-attr]


def test_bad_alarm_bodies_are_refused_clearly(client: TestClient, session: Session) -> None:
    auth = _sender(session, client)
    bad = client.post(AM, json={"version": "4", "status": "firing",
                                "alerts": [{"labels": {}}]}, headers=auth)
    assert bad.status_code == 422 and "status" in bad.text
    naive = client.post("/api/channels/alarms/events", headers=auth,
                        json=[{"name": "X", "at": "2026-11-23T09:00:00"}])
    assert naive.status_code == 422 and "at" in naive.text


def test_the_pro_active_desk_page(client: TestClient, session: Session) -> None:
    world = floor(session)
    auth = _sender(session, client)
    client.post("/api/channels/alarms/events", headers=auth, json=[
        {"name": "LinkDown", "service_id": "UNKNOWN-1", "at": "2026-11-23T08:00:00+07:00"}])
    csrf = factories.login(client, world.agent_a.login_code)
    page = client.get("/alarms")
    assert page.status_code == 200 and "LinkDown" in page.text and "belum cocok" in page.text
    alarm = session.scalar(select(Alarm))
    assert alarm is not None
    wrong = client.post(f"/alarms/{alarm.id}/follow-up", follow_redirects=False, data={
        "csrf_token": csrf, "result": "valid", "service": "TIDAK-ADA"})
    assert "error=" in wrong.headers["location"]
    ok = client.post(f"/alarms/{alarm.id}/follow-up", follow_redirects=False, data={
        "csrf_token": csrf, "result": "valid", "service": world.service.service_id,
        "note": "Dicek di NMS"})
    assert ok.status_code == 303 and "error" not in ok.headers["location"]
    session.rollback()
    alarm = session.get(Alarm, alarm.id)
    assert alarm is not None and alarm.ticket_id is not None
    assert alarm.customer_id == world.customer.id
    told = client.post(f"/alarms/{alarm.id}/inform", follow_redirects=False, data={
        "csrf_token": csrf, "message": "Kami sedang menangani gangguan Anda."})
    assert told.status_code == 303 and "error" not in told.headers["location"]
    assert "pelanggan diinfo" in client.get("/alarms?follow_up=valid").text


def test_rules_are_maintained_and_decide_in_order(client: TestClient, session: Session) -> None:
    world = floor(session)
    auth = _sender(session, client)
    spv = factories.token(client, world.spv.login_code)
    url = "/api/alarm-rules"
    made = [client.post(url, headers=spv, json=body) for body in (
        {"position": 10, "label": "customer_tier", "value": "vvip", "action": "auto"},
        {"position": 20, "label": "severity", "value": "critical", "action": "validate"},
        {"position": 30, "label": "alertname", "value": "LinkDown", "action": "auto"})]
    assert [m.status_code for m in made] == [201, 201, 201]
    assert client.post(url, headers=spv, json={"label": "severity", "value": "critical",
                                               "action": "auto"}).status_code == 409
    assert client.post(url, headers=spv, json={"label": "bad label", "value": "x",
                                               "action": "auto"}).status_code == 422
    agent = factories.token(client, world.agent_a.login_code)
    assert client.post(url, headers=agent, json={"label": "a", "value": "b",
                                                 "action": "auto"}).status_code == 403
    assert [r["label"] for r in client.get(url, headers=agent).json()] == [
        "customer_tier", "severity", "alertname"]
    sid = world.service.service_id
    taken = client.post(AM, headers=auth, json=webhook("firing", [
        alert(sid, fingerprint="f1"),  # critical LinkDown: rule 20 (validate) before rule 30
        {**alert(sid, fingerprint="f2"),
         "labels": {"alertname": "LinkDown", "service_id": sid, "severity": "critical",
                    "customer_tier": "vvip"}},  # rule 10: auto
        alert(sid, severity="warning", fingerprint="f3")])).json()  # rule 30: auto
    assert [t["ticket_id"] is not None for t in taken] == [False, True, True]
    # The supervisor drops the validate rule: a new critical LinkDown now opens at once.
    assert client.delete(f"{url}/{made[1].json()['id']}", headers=spv).status_code == 204
    assert client.delete(f"{url}/{made[1].json()['id']}", headers=spv).status_code == 404
    later = client.post(AM, headers=auth, json=webhook("firing", [
        alert(sid, fingerprint="f4")])).json()
    assert later[0]["ticket_id"] is not None
    factories.login(client, world.agent_a.login_code)
    page = client.get("/alarms").text
    assert 'data-testid="alarm-rules"' in page and "customer_tier" in page
