"""The customers API: writes with bad input, search, scope, 360 JSON and import."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from sigap.auth.models import AuditLog
from tests import factories
from tests.customers import helpers

GOOD = {"external_id": "API-1", "name": "PT Api", "segment": "DBS",
        "contacts": [{"kind": "phone", "value": "0812-3456-7890"},
                     {"kind": "email", "value": "CS@Api.co.id"}],
        "services": [{"service_id": "SID-API-1", "product": "datin"}]}


def test_create_and_bad_input_on_every_write_route(client: TestClient, session: Session) -> None:
    w = helpers.world(session)
    session.commit()
    auth = factories.token(client, w.manager.login_code)
    created = client.post("/api/customers", json=GOOD, headers=auth)
    assert created.status_code == 201, created.text
    body = created.json()
    cid = body["id"]
    assert [c["value"] for c in body["contacts"]] == ["+6281234567890", "cs@api.co.id"]

    bad_creates = [
        ({**GOOD, "external_id": "API-2", "segment": "retail"}, 422, "segment"),
        ({**GOOD, "external_id": "API-2", "name": ""}, 422, "name"),
        ({**GOOD, "external_id": "API-2", "priority": True}, 422, "priority_reason"),
        ({**GOOD, "external_id": "API-2", "services": [], "contacts": [
            {"kind": "phone", "value": "123"}]}, 422, "contacts.0.value"),
        ({**GOOD, "external_id": "API-2", "contacts": [{"kind": "fax", "value": "1"}]}, 422,
         "contacts.0.kind"),
        ({**GOOD, "external_id": "API-2", "services": [
            {"service_id": "SID-X", "product": "tv"}]}, 422, "services.0.product"),
        ({**GOOD, "external_id": "API-2"}, 409, "service_id"),
        ({**GOOD, "services": []}, 409, "external_id"),
    ]
    for payload, status, field in bad_creates:
        answer = client.post("/api/customers", json=payload, headers=auth)
        assert answer.status_code == status, (field, answer.text)
        assert answer.json()["field"] == field, answer.json()

    base = f"/api/customers/{cid}"
    bad_writes = [
        ("PATCH", base, {"segment": "xx"}, 422, "segment"),
        ("PATCH", base, {"priority": True}, 422, "priority_reason"),
        ("PATCH", base, {"name": ""}, 422, "name"),
        ("POST", f"{base}/contacts", {"kind": "email", "value": "bukan"}, 422, "value"),
        ("POST", f"{base}/contacts", {"kind": "phone", "value": "+62 812 3456 7890"}, 409,
         "value"),
        ("POST", f"{base}/services", {"service_id": "SID-API-1", "product": "datin"}, 409,
         "service_id"),
        ("POST", f"{base}/services", {"service_id": "", "product": "datin"}, 422,
         "service_id"),
        ("PATCH", f"{base}/services/{body['services'][0]['id']}", {"product": "tv"}, 422,
         "product"),
    ]
    for method, url, payload, status, field in bad_writes:
        answer = client.request(method, url, json=payload, headers=auth)
        assert answer.status_code == status, (url, payload, answer.text)
        assert answer.json()["field"] == field, answer.json()

    ok = client.patch(base, json={"priority": True, "priority_reason": "Anggota DPR"},
                      headers=auth)
    assert ok.status_code == 200 and ok.json()["priority"] is True
    contact = client.post(f"{base}/contacts", json={"kind": "x", "value": "@PTApi"},
                          headers=auth)
    assert contact.status_code == 201 and contact.json()["value"] == "ptapi"
    gone = client.delete(f"{base}/contacts/{contact.json()['id']}", headers=auth)
    assert gone.status_code == 204
    svc = client.post(f"{base}/services", json={"service_id": "SID-API-2",
                                                "product": "indihome"}, headers=auth)
    assert svc.status_code == 201
    off = client.patch(f"{base}/services/{svc.json()['id']}", json={"active": False},
                       headers=auth)
    assert off.json()["active"] is False
    assert client.get("/api/customers/999999", headers=auth).status_code == 404


def test_search_scope_grant_and_360(client: TestClient, session: Session) -> None:
    w = helpers.world(session)
    hidden = factories.customer(session, name="PT Tim B", phone="+6281234567890",
                                service_id="SID-B-1")
    helpers.ticket(session, hidden, team=w.team_b)
    helpers.interaction(session, hidden, w.agent_b)
    session.commit()
    agent = factories.token(client, w.agent_a.login_code)
    assert client.get(f"/api/customers/{hidden.id}", headers=agent).status_code == 404
    assert client.get("/api/customers", params={"q": "Tim B"}, headers=agent).json()["total"] \
        == 0
    found = client.get("/api/customers", params={"q": "SID-B-1"}, headers=agent).json()
    assert [c["id"] for c in found["items"]] == [hidden.id]
    assert found["matched_by"] == "service_id"
    view = client.get(f"/api/customers/{hidden.id}", headers=agent)
    assert view.status_code == 200
    data = view.json()
    assert data["customer"]["contacts"][0]["value"] == "+6281234567890"
    assert len(data["open_tickets"]) == 1 and data["past_tickets"] == []
    assert len(data["interactions"]) == 1
    reads = session.scalars(select(AuditLog).where(AuditLog.action == "customers.read")).all()
    assert {r.detail["why"] for r in reads} == {"pencarian pelanggan", "customer 360"}
    assert all(r.login_code == w.agent_a.login_code for r in reads)
    session.rollback()  # end the read transaction: SQLite takes the write lock at BEGIN
    # Pagination and bad query params
    assert client.get("/api/customers", params={"limit": 500}, headers=agent).status_code == 422
    assert client.get("/api/customers", params={"segment": "X"},
                      headers=agent).json()["field"] == "segment"


def test_import_api(client: TestClient, session: Session) -> None:
    w = helpers.world(session)
    session.commit()
    admin = factories.token(client, w.admin.login_code)
    data = b"external_id,name,segment,phone\nI-1,PT Impor,DES,0812-3456-7890\nI-2,,DES,\n"
    answer = client.post("/api/customers/import", files={"file": ("c.csv", data, "text/csv")},
                         headers=admin)
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["created"] == 1
    assert report["errors"] == [{"row": 3, "field": "name", "message": "wajib diisi"}]
    wrong = client.post("/api/customers/import", files={"file": ("c.pdf", b"%PDF", "x")},
                        headers=admin)
    assert wrong.status_code == 422 and wrong.json()["field"] == "file"
    agent = factories.token(client, w.agent_a.login_code)
    refused = client.post("/api/customers/import", files={"file": ("c.csv", data, "text/csv")},
                          headers=agent)
    assert refused.status_code == 403
