"""Customer pages: search (full and HTMX), export, 360, forms, import; query counts."""

from __future__ import annotations

import io
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from sigap.customers.models import Customer
from tests import factories
from tests.customers import helpers


def test_search_page_htmx_and_export(client: TestClient, session: Session) -> None:
    w = helpers.world(session)
    c = factories.customer(session, name="PT Halaman", phone="+6281234567890",
                           service_id="SID-PG-1")
    session.commit()
    factories.login(client, w.manager.login_code)
    page = client.get("/customers", params={"q": "halaman"})
    assert page.status_code == 200
    assert 'data-testid="customer-search"' in page.text and 'name="q"' in page.text
    assert page.text.count('data-testid="customer-row"') == 1
    assert f'href="/customers/{c.id}"' in page.text and "+6281234567890" in page.text
    fragment = client.get("/customers", params={"q": "0812 3456 7890"},
                          headers={"HX-Request": "true"})
    assert "<html" not in fragment.text
    assert fragment.text.count('data-testid="customer-row"') == 1
    export = client.get("/customers/export.xlsx", params={"q": "halaman"})
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(export.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "external_id" and rows[1][1] == "PT Halaman"


def test_360_page(client: TestClient, session: Session) -> None:
    w = helpers.world(session)
    c = factories.customer(session, name="PT Tiga Enam Puluh", phone="+6281234567890")
    c.priority, c.priority_reason = True, "Akun direksi"
    t = helpers.ticket(session, c, team=w.team_a, owner=w.agent_a, subject="Internet mati")
    helpers.ticket(session, c, team=w.team_a, state="closed", subject="Lama")
    helpers.interaction(session, c, w.agent_a, subject="Telepon pelanggan")
    session.commit()
    factories.login(client, w.agent_a.login_code)
    page = client.get(f"/customers/{c.id}")
    assert page.status_code == 200, page.text
    html = page.text
    assert "Akun direksi" in html and 'data-testid="priority-badge"' in html
    assert f'href="/tickets/{t.id}"' in html and "Internet mati" in html and "Lama" in html
    assert "Telepon pelanggan" in html and w.agent_a.online_name in html
    link = f"/tickets/new?customer_id={c.id}&amp;service_id={c.services[0].id}"
    assert 'data-testid="new-ticket-link"' in html and link in html
    other = factories.customer(session)
    helpers.ticket(session, other, team=w.team_b)
    session.commit()
    assert client.get(f"/customers/{other.id}").status_code == 404


def test_forms_create_edit_contacts_services(client: TestClient, session: Session) -> None:
    w = helpers.world(session)
    session.commit()
    csrf = factories.login(client, w.agent_a.login_code)
    assert client.get("/customers/new").status_code == 200
    form: dict[str, Any] = {
        "csrf_token": csrf, "external_id": "F-1", "name": "PT Formulir", "segment": "DES",
        "contact_kind": ["phone", "email"], "contact_value": ["0812-3456-7890", ""],
        "service_id": ["SID-F-1"], "product": ["datin"], "service_description": ["Datin"]}
    bad = client.post("/customers/new", data={**form, "priority": "1"})
    assert bad.status_code == 422 and "priority_reason" in bad.text
    assert "PT Formulir" in bad.text  # what was typed is kept
    ok = client.post("/customers/new", data=form, follow_redirects=False)
    assert ok.status_code == 303, ok.text
    cid = int(ok.headers["location"].rsplit("/", 1)[1])
    # The agent who registered the customer can open its 360.
    assert client.get(f"/customers/{cid}").status_code == 200
    edit = client.post(f"/customers/{cid}/edit", data={
        "csrf_token": csrf, "external_id": "F-1", "name": "PT Formulir Baru",
        "segment": "DBS", "city": "Solo"}, follow_redirects=False)
    assert edit.status_code == 303
    added = client.post(f"/customers/{cid}/contacts", data={
        "csrf_token": csrf, "kind": "email", "value": "Info@Form.co.id"},
        follow_redirects=False)
    assert added.status_code == 303
    wrong = client.post(f"/customers/{cid}/contacts", data={
        "csrf_token": csrf, "kind": "email", "value": "bukan email"})
    assert wrong.status_code == 422 and "tidak valid" in wrong.text
    assert client.post(f"/customers/{cid}/services", data={
        "csrf_token": csrf, "service_id": "SID-F-2", "product": "indihome"},
        follow_redirects=False).status_code == 303
    session.expire_all()
    c = session.scalar(select(Customer).where(Customer.id == cid))
    assert c is not None and c.name == "PT Formulir Baru" and c.segment == "DBS"
    assert sorted(x.value for x in c.contacts) == ["+6281234567890", "info@form.co.id"]
    assert [s.service_id for s in c.services] == ["SID-F-1", "SID-F-2"]
    session.rollback()  # end the read transaction: SQLite takes the write lock at BEGIN
    assert client.get(f"/customers/{cid}/edit").status_code == 200


def test_import_page(client: TestClient, session: Session) -> None:
    w = helpers.world(session)
    session.commit()
    csrf = factories.login(client, w.admin.login_code)
    assert client.get("/customers/import").status_code == 200
    data = b"external_id,name,segment\nP-1,PT Satu,DES\nP-2,PT Dua,toko\n"
    answer = client.post("/customers/import", data={"csrf_token": csrf},
                         files={"file": ("p.csv", data, "text/csv")})
    assert answer.status_code == 200
    assert 'data-testid="import-errors"' in answer.text and "<td>3</td>" in answer.text
    wrong = client.post("/customers/import", data={"csrf_token": csrf},
                        files={"file": ("p.doc", b"x", "text/plain")})
    assert wrong.status_code == 422


def _count_queries(app: FastAPI, client: TestClient, url: str) -> int:
    statements: list[str] = []

    def listener(*args: Any) -> None:
        statements.append(args[2])

    event.listen(app.state.engine, "before_cursor_execute", listener)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(app.state.engine, "before_cursor_execute", listener)
    return len(statements)


def test_search_page_query_count_is_constant(app: FastAPI, client: TestClient,
                                             session: Session) -> None:
    w = helpers.world(session)
    for i in range(5):
        factories.customer(session, name=f"Lima {i}", phone=f"+62812345678{i:02d}",
                           email=f"lima{i}@x.co.id")
    for i in range(30):
        factories.customer(session, name=f"Tiga Puluh {i}", phone=f"+62813345678{i:02d}",
                           email=f"tiga{i}@x.co.id")
    session.commit()
    factories.login(client, w.manager.login_code)
    five = _count_queries(app, client, "/customers?q=lima")
    thirty = _count_queries(app, client, "/customers?q=tiga+puluh")
    assert five == thirty, (five, thirty)
