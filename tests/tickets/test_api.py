"""The JSON API: the contract, bad input on every write route, scope, interactions."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests import factories
from tests.tickets.helpers import Floor, floor


@pytest.fixture
def world(session: Session) -> Floor:
    built = floor(session)
    session.commit()  # SQLite: a reading session holds the write lock (BEGIN IMMEDIATE)
    return built


def _open(client: TestClient, head: dict[str, str], world: Floor, **extra: object) -> dict:
    body = {"customer_id": world.customer.id, "type": "gangguan", "subject": "Link putus",
            **extra}
    answer = client.post("/api/tickets", json=body, headers=head)
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_create_answers_the_contract(client: TestClient, world: Floor) -> None:
    head = factories.token(client, world.agent_a.login_code)
    ticket = _open(client, head, world, service_id=world.service.id, severity="major",
                   channel="whatsapp", tier=2, hard_complaint=True)
    for key in ("id", "number", "type", "state", "subject", "customer_id", "service_id",
                "product", "severity", "priority", "tier", "channel", "owner_id", "team_id",
                "escalation_level", "pending_reason", "created_at"):
        assert key in ticket
    assert ticket["state"] == "new" and ticket["tier"] == 2 and ticket["channel"] == "whatsapp"
    assert ticket["owner_id"] == world.agent_a.id and ticket["product"] == "datin"
    got = client.get(f"/api/tickets/{ticket['id']}", headers=head).json()
    assert got["number"] == ticket["number"]
    timeline = client.get(f"/api/tickets/{ticket['id']}/timeline", headers=head).json()
    # A hard complaint is routed to its handling at once (no Caring desk on this floor).
    assert [(e["kind"], e["actor_name"]) for e in timeline] == [("created", "ayu"),
                                                                ("field_changed", "ayu")]


@pytest.mark.parametrize(("body", "field"), [
    ({"type": "gangguan", "subject": "x"}, "customer_id"),
    ({"customer_id": "abc", "type": "gangguan", "subject": "x"}, "customer_id"),
    ({"customer_id": 1, "subject": "x"}, "type"),
    ({"customer_id": 1, "type": "keluhan", "subject": "x"}, "type"),
    ({"customer_id": 1, "type": "gangguan"}, "subject"),
    ({"customer_id": 1, "type": "gangguan", "subject": ""}, "subject"),
    ({"customer_id": 1, "type": "gangguan", "subject": "x" * 201}, "subject"),
    ({"customer_id": 1, "type": "gangguan", "subject": "x", "severity": "huge"}, "severity"),
    ({"customer_id": 1, "type": "gangguan", "subject": "x", "channel": "fax"}, "channel"),
    ({"customer_id": 1, "type": "gangguan", "subject": "x", "tier": 3}, "tier"),
    ({"customer_id": 1, "type": "gangguan", "subject": "x", "service_id": "s"}, "service_id"),
    ({"customer_id": 1, "type": "gangguan", "subject": "x", "bogus": 1}, "bogus"),
])
def test_create_bad_input_names_the_field(client: TestClient, world: Floor,
                                          body: dict, field: str) -> None:
    head = factories.token(client, world.agent_a.login_code)
    answer = client.post("/api/tickets", json=body, headers=head)
    assert answer.status_code == 422
    assert answer.json()["field"] == field


def test_create_rules_answer_4xx(client: TestClient, world: Floor, session: Session) -> None:
    head = factories.token(client, world.agent_a.login_code)
    other_service = session.get(type(world.service), world.service.id + 1)
    assert other_service is not None and other_service.customer_id != world.customer.id
    session.commit()  # release the SQLite write lock, keep the loaded objects
    bad = client.post("/api/tickets", headers=head, json={
        "customer_id": world.customer.id, "type": "gangguan", "subject": "x",
        "service_id": other_service.id})
    assert bad.status_code == 422 and bad.json()["field"] == "service_id"
    missing = client.post("/api/tickets", headers=head, json={
        "customer_id": 999999, "type": "gangguan", "subject": "x"})
    assert missing.status_code == 404 and missing.json()["field"] == "customer_id"
    team = client.post("/api/tickets", headers=head, json={
        "customer_id": world.customer.id, "type": "gangguan", "subject": "x", "team_id": 9999})
    assert team.status_code == 422 and team.json()["field"] == "team_id"


WRITE_ROUTES = [
    ("attach", {"note": ""}, "note"),
    ("attach", {}, "note"),
    ("notes", {}, "body"),
    ("notes", {"body": "x", "kind": "email"}, "kind"),
    ("state", {}, "state"),
    ("state", {"state": "archived"}, "state"),
    ("state", {"state": "pending", "pending_reason": "later"}, "pending_reason"),
    ("consent", {"note": "ok"}, "by"),
    ("consent", {"by": "Bu Rina"}, "note"),
    ("escalate", {}, "reason"),
    ("escalate", {"reason": 5}, "reason"),
    ("takeover", {}, "reason"),
    ("assign", {"owner_id": 1}, "reason"),
    ("assign", {"owner_id": "x", "reason": "r"}, "owner_id"),
    ("merge", {"reason": "dup"}, "source_id"),
    ("merge", {"source_id": 0, "reason": "dup"}, "source_id"),
]


@pytest.mark.parametrize(("route", "body", "field"), WRITE_ROUTES)
def test_every_write_route_names_the_bad_field(client: TestClient, world: Floor, route: str,
                                               body: dict, field: str) -> None:
    head = factories.token(client, world.tl_a.login_code)
    ticket = _open(client, head, world)
    answer = client.post(f"/api/tickets/{ticket['id']}/{route}", json=body, headers=head)
    assert 400 <= answer.status_code < 500, answer.text
    # A field literally named "body" is reported as "body.body" by the shared handler.
    assert answer.json()["field"].split(".")[-1] == field


def test_rule_errors_are_json(client: TestClient, world: Floor) -> None:
    head = factories.token(client, world.tl_a.login_code)
    ticket = _open(client, head, world, tier=2)
    url = f"/api/tickets/{ticket['id']}"
    closed = client.post(f"{url}/state", json={"state": "closed"}, headers=head)
    assert closed.status_code == 409 and closed.json()["error"] == "illegal_transition"
    assert "diizinkan" in closed.json()["message"]
    resolved = client.post(f"{url}/state", json={"state": "resolved"}, headers=head)
    assert resolved.status_code == 422 and resolved.json()["field"] == "reason"
    ok = client.post(f"{url}/state", json={"state": "resolved", "reason": "beres"}, headers=head)
    assert ok.json()["state"] == "resolved"
    refused = client.post(f"{url}/state", json={"state": "closed"}, headers=head)
    assert refused.status_code == 409 and refused.json()["field"] == "consent"
    consent = client.post(f"{url}/consent", json={"note": "setuju", "by": "Bu Rina"},
                          headers=head)
    assert consent.status_code == 200 and consent.json()["consent_at"]
    assert client.post(f"{url}/state", json={"state": "closed"},
                       headers=head).json()["state"] == "closed"
    assign = client.post(f"{url}/assign", json={"reason": "x"}, headers=head)
    assert assign.status_code == 422 and assign.json()["field"] == "owner_id"


def test_full_action_flow_over_api(client: TestClient, world: Floor) -> None:
    agent = factories.token(client, world.agent_a.login_code)
    tl = factories.token(client, world.tl_a.login_code)
    ticket = _open(client, agent, world, service_id=world.service.id)
    url = f"/api/tickets/{ticket['id']}"
    assert client.post(f"{url}/notes", json={"body": "Sudah dicek", "kind": "customer_update"},
                       headers=agent).json()["first_response_at"]
    assert client.post(f"{url}/escalate", json={"reason": "perlu TL"},
                       headers=agent).json()["escalation_level"] == "team_leader"
    assert client.post(f"{url}/takeover", json={"reason": "ambil"},
                       headers=agent).status_code == 403
    assert client.post(f"{url}/takeover", json={"reason": "ambil"},
                       headers=tl).json()["owner_id"] == world.tl_a.id
    assigned = client.post(f"{url}/assign", json={"owner_id": world.agent_a2.id,
                                                  "reason": "shift"}, headers=tl)
    assert assigned.json()["owner_id"] == world.agent_a2.id
    dup = _open(client, agent, world, service_id=world.service.id)
    merged = client.post(f"{url}/merge", json={"source_id": dup["id"], "reason": "duplikat"},
                         headers=tl)
    assert merged.status_code == 200
    assert client.get(f"/api/tickets/{dup['id']}", headers=agent).json()["merged_into_id"] \
        == ticket["id"]
    kinds = [e["kind"] for e in client.get(f"{url}/timeline", headers=tl).json()]
    assert kinds == ["created", "customer_update", "escalated", "taken_over", "assigned",
                     "merged"]


def test_scope_over_api(client: TestClient, world: Floor) -> None:
    a = factories.token(client, world.agent_a.login_code)
    b = factories.token(client, world.agent_b.login_code)
    tl = factories.token(client, world.tl_a.login_code)
    spv = factories.token(client, world.spv.login_code)
    ours = _open(client, a, world)
    theirs = _open(client, b, world)
    assert client.get(f"/api/tickets/{theirs['id']}", headers=a).status_code == 404
    assert client.post(f"/api/tickets/{theirs['id']}/notes", json={"body": "x"},
                       headers=a).status_code == 404
    assert {t["id"] for t in client.get("/api/tickets", headers=tl).json()["items"]} \
        == {ours["id"]}
    listed = client.get("/api/tickets", headers=spv).json()
    assert listed["total"] == 2 and listed["page"] == 1 and listed["limit"] == 50


def test_list_filters_and_paging(client: TestClient, world: Floor) -> None:
    head = factories.token(client, world.agent_a.login_code)
    for i in range(3):
        _open(client, head, world, subject=f"Gangguan {i}", channel="email" if i else "voice")
    page = client.get("/api/tickets?limit=2&page=2", headers=head).json()
    assert page["total"] == 3 and len(page["items"]) == 1
    assert client.get("/api/tickets?channel=email", headers=head).json()["total"] == 2
    assert client.get("/api/tickets?state=new&state=open&owner=me",
                      headers=head).json()["total"] == 3
    assert client.get("/api/tickets?q=gangguan%201", headers=head).json()["total"] == 1
    for bad in ("limit=0", "limit=201", "page=0", "state=gone", "owner=x", "tier=a"):
        answer = client.get(f"/api/tickets?{bad}", headers=head)
        assert answer.status_code == 422, bad
        assert answer.json()["field"] == bad.split("=")[0]


def test_old_or_new_check_and_attach(client: TestClient, world: Floor) -> None:
    a = factories.token(client, world.agent_a.login_code)
    b = factories.token(client, world.agent_b.login_code)
    old = _open(client, b, world, service_id=world.service.id)
    found = client.get(f"/api/tickets/check?customer_id={world.customer.id}"
                       f"&service_id={world.service.id}", headers=a).json()
    assert [(t["number"], t["owner_name"], t["team_name"]) for t in found] == [
        (old["number"], "budi", "Tier 2 Datin")]
    assert client.get("/api/tickets/check", headers=a).status_code == 422
    attached = client.post(f"/api/tickets/{old['id']}/attach",
                           json={"note": "Telepon ulang pelanggan"}, headers=a)
    assert attached.status_code == 200
    kinds = [e["kind"] for e in client.get(f"/api/tickets/{old['id']}/timeline",
                                           headers=b).json()]
    assert kinds == ["created", "note"]


def test_interactions_dedupe_times_link(client: TestClient, world: Floor) -> None:
    head = factories.token(client, world.agent_a.login_code)
    body = {"channel": "whatsapp", "customer_id": world.customer.id, "provider_id": "wamid.1",
            "arrived_at": "2026-03-02T08:00:00+07:00", "body": "Internet mati"}
    first = client.post("/api/interactions", json=body, headers=head)
    assert first.status_code == 201, first.text
    again = client.post("/api/interactions", json=body, headers=head)
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert client.get("/api/interactions", headers=head).json()["total"] == 1
    iid = first.json()["id"]
    assert first.json()["agent_id"] == world.agent_a.id
    bad_order = client.patch(f"/api/interactions/{iid}",
                             json={"answered_at": "2026-03-02T07:59:00+07:00"}, headers=head)
    assert bad_order.status_code == 422 and bad_order.json()["field"] == "answered_at"
    naive = client.patch(f"/api/interactions/{iid}", json={"ended_at": "2026-03-02T09:00:00"},
                         headers=head)
    assert naive.status_code == 422 and naive.json()["field"] == "ended_at"
    ended = client.patch(f"/api/interactions/{iid}", json={
        "answered_at": "2026-03-02T08:01:00+07:00", "ended_at": "2026-03-02T08:09:00+07:00"},
        headers=head)
    assert ended.status_code == 200
    assert dt.datetime.fromisoformat(ended.json()["ended_at"]) == dt.datetime(
        2026, 3, 2, 1, 9, tzinfo=dt.UTC)
    ticket = _open(client, head, world)
    linked = client.post(f"/api/interactions/{iid}/link", json={"ticket_id": ticket["id"]},
                         headers=head)
    assert linked.json()["ticket_id"] == ticket["id"]
    assert [e["kind"] for e in client.get(f"/api/tickets/{ticket['id']}/timeline",
                                          headers=head).json()][-1] == "interaction_linked"
    assert client.get(f"/api/interactions?ticket_id={ticket['id']}",
                      headers=head).json()["total"] == 1
    assert client.get(f"/api/interactions/{iid}", headers=head).status_code == 200
    other = factories.token(client, world.agent_b.login_code)
    assert client.get(f"/api/interactions/{iid}", headers=other).status_code == 404


@pytest.mark.parametrize(("body", "field"), [
    ({}, "channel"),
    ({"channel": "pigeon"}, "channel"),
    ({"channel": "voice", "arrived_at": "kemarin"}, "arrived_at"),
    ({"channel": "voice", "arrived_at": "2026-03-02T08:00:00"}, "arrived_at"),
    ({"channel": "voice", "arrived_at": "2026-03-02T08:00:00+07:00",
      "queued_at": "2026-03-02T07:00:00+07:00"}, "queued_at"),
    ({"channel": "voice", "arrived_at": "2026-03-02T08:00:00+07:00",
      "answered_at": "2026-03-02T08:05:00+07:00",
      "ended_at": "2026-03-02T08:04:00+07:00"}, "ended_at"),
    ({"channel": "voice", "customer_id": 999999}, "customer_id"),
    ({"channel": "voice", "ticket_id": 999999}, "ticket_id"),
    ({"channel": "voice", "direction": "sideways"}, "direction"),
])
def test_interaction_bad_input(client: TestClient, world: Floor, body: dict,
                               field: str) -> None:
    head = factories.token(client, world.agent_a.login_code)
    answer = client.post("/api/interactions", json=body, headers=head)
    assert answer.status_code == 422, answer.text
    assert answer.json()["field"] == field


def test_interaction_link_bad_input(client: TestClient, world: Floor) -> None:
    head = factories.token(client, world.agent_a.login_code)
    iid = client.post("/api/interactions", json={"channel": "voice"}, headers=head).json()["id"]
    for body, field in (({}, "ticket_id"), ({"ticket_id": "x"}, "ticket_id"),
                        ({"ticket_id": 999999}, "ticket_id")):
        answer = client.post(f"/api/interactions/{iid}/link", json=body, headers=head)
        assert answer.status_code == 422 and answer.json()["field"] == field
    patch = client.patch(f"/api/interactions/{iid}", json={"channel": "x"}, headers=head)
    assert patch.status_code == 422 and patch.json()["field"] == "channel"


def test_a_hard_complaint_goes_to_the_caring_queue(client: TestClient, world: Floor,
                                                   session: Session) -> None:
    caring = factories.team(session, world.site, name="Tier 2 Caring", tier="tier2",
                            desk="Tier 2 Caring")
    session.commit()
    head = factories.token(client, world.agent_a.login_code)
    flagged = _open(client, head, world, hard_complaint=True)
    assert flagged["team_id"] == caring.id and flagged["owner_id"] is None
    later = _open(client, head, world)
    assert later["team_id"] != caring.id
    marked = client.post(f"/api/tickets/{later['id']}/hard-complaint", headers=head,
                         json={"reason": "Pelanggan mengancam ke media"})
    assert marked.status_code == 200, marked.text
    assert marked.json()["hard_complaint"] is True and marked.json()["team_id"] == caring.id
    again = client.post(f"/api/tickets/{later['id']}/hard-complaint", headers=head,
                        json={"reason": "lagi"})
    assert again.status_code == 409
    empty = client.post(f"/api/tickets/{later['id']}/hard-complaint", headers=head,
                        json={"reason": ""})
    assert empty.status_code == 422
