"""The desk, ticket list, new-ticket form and ticket page; constant queries per page."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from sigap.auth.models import AuditLog
from tests import factories
from tests.tickets.helpers import Floor, actor, floor, new_ticket


@pytest.fixture
def world(session: Session) -> Floor:
    built = floor(session)
    session.commit()
    return built


@contextmanager
def counted(app: FastAPI) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    event.listen(app.state.engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(app.state.engine, "before_cursor_execute", count)


def _fill(session: Session, world: Floor, n: int) -> None:
    agent, tl = actor(session, world.agent_a), actor(session, world.tl_a)
    for i in range(n):
        new_ticket(session, agent if i % 2 else tl, world.customer, subject=f"Gangguan {i}")
    session.commit()


@pytest.mark.parametrize("path", ["/desk", "/tickets"])
@pytest.mark.parametrize("who", ["agent_a", "tl_a"])
def test_busy_pages_issue_constant_queries(app: FastAPI, client: TestClient, session: Session,
                                           world: Floor, path: str, who: str) -> None:
    head = factories.token(client, getattr(world, who).login_code)
    _fill(session, world, 5)
    client.get(path, headers=head)  # the caller is known from then on (auth/identity.py)
    with counted(app) as few:
        assert client.get(path, headers=head).status_code == 200
    _fill(session, world, 25)
    with counted(app) as many:
        page = client.get(path, headers=head)
    assert page.status_code == 200
    assert page.text.count("data-testid=\"ticket-row\"") >= 15
    assert len(many) == len(few), (len(few), len(many))


def test_desk_shows_loker_queue_counts(client: TestClient, session: Session,
                                       world: Floor) -> None:
    mine = new_ticket(session, actor(session, world.agent_a), world.customer, subject="Punya ayu")
    queued = new_ticket(session, actor(session, world.tl_a), world.customer, subject="Antri")
    session.commit()
    head = factories.token(client, world.agent_a.login_code)
    page = client.get("/desk", headers=head).text
    assert 'data-testid="my-tickets"' in page and mine.number in page
    assert 'data-testid="team-queue"' in page and queued.number in page
    assert "Ambil" in page
    fragment = client.get("/desk?q=antri", headers={**head, "HX-Request": "true"}).text
    assert "<html" not in fragment and queued.number in fragment and mine.number not in fragment
    claimed = client.post(f"/tickets/{queued.id}/claim", headers={**head, "referer": "/desk"},
                          follow_redirects=False)
    assert claimed.status_code == 303 and claimed.headers["location"] == "/desk"
    tl_page = client.get("/desk", headers=factories.token(client, world.tl_a.login_code)).text
    assert 'data-testid="team-by-owner"' in tl_page and "ayu" in tl_page


def test_new_ticket_form_old_or_new_and_create(client: TestClient, session: Session,
                                               world: Floor) -> None:
    old = new_ticket(session, actor(session, world.agent_b), world.customer,
                     service_id=world.service.id, subject="Link lama")
    session.commit()
    head = factories.token(client, world.agent_a.login_code)
    assert "/customers" in client.get("/tickets/new", headers=head).text
    url = f"/tickets/new?customer_id={world.customer.id}&service_id={world.service.id}"
    form = client.get(url, headers=head).text
    assert 'data-testid="new-ticket-form"' in form and 'data-testid="old-new-panel"' in form
    assert old.number in form and "Lampirkan ke tiket ini" in form
    panel = client.get(f"/tickets/check?customer_id={world.customer.id}&service_id=",
                       headers={**head, "HX-Request": "true"}).text
    assert 'data-testid="old-new-panel"' in panel and old.number not in panel
    bad = client.post("/tickets/new", headers=head, data={
        "customer_id": str(world.customer.id), "type": "gangguan", "subject": ""})
    assert bad.status_code == 422 and 'data-testid="form-error"' in bad.text
    created = client.post("/tickets/new", headers=head, follow_redirects=False, data={
        "customer_id": str(world.customer.id), "service_id": str(world.service.id),
        "type": "gangguan", "subject": "Internet mati total", "severity": "major",
        "channel": "voice", "tier": "2", "hard_complaint": "on"})
    assert created.status_code == 303
    page = client.get(created.headers["location"], headers=head).text
    assert 'data-testid="ticket-number"' in page and "Internet mati total" in page
    attached = client.post(f"/tickets/{old.id}/attach", headers=head,
                           data={"note": "Pelanggan telepon lagi"}, follow_redirects=False)
    assert attached.status_code == 303


def test_ticket_page_actions_and_read_audit(client: TestClient, session: Session,
                                            world: Floor) -> None:
    ticket = new_ticket(session, actor(session, world.agent_a), world.customer, tier=2)
    session.commit()
    agent = factories.token(client, world.agent_a.login_code)
    page = client.get(f"/tickets/{ticket.id}", headers=agent).text
    for testid in ("ticket-number", "state-badge", "timeline", "update-form", "state-form",
                   "consent-form", "escalate-form"):
        assert f'data-testid="{testid}"' in page, testid
    assert 'data-testid="takeover-form"' not in page
    assert "+6281234567890" in page
    reads = session.scalars(select(AuditLog).where(AuditLog.action == "customers.read")).all()
    assert [r.entity_id for r in reads][-1] == str(world.customer.id)
    session.commit()  # release the SQLite write lock
    url = f"/tickets/{ticket.id}"
    post = {"headers": agent, "follow_redirects": False}
    assert client.post(f"{url}/notes", data={"body": "Sedang dicek", "kind": "customer_update"},
                       **post).status_code == 303
    assert client.post(f"{url}/escalate", data={"reason": "butuh TL"}, **post).status_code == 303
    refused = client.post(f"{url}/state", data={"state": "closed"}, **post)
    assert refused.status_code == 409 and "diizinkan" in refused.text
    tl = factories.token(client, world.tl_a.login_code)
    tl_page = client.get(url, headers=tl).text
    assert 'data-testid="takeover-form"' in tl_page and 'data-testid="assign-form"' in tl_page
    assert client.post(f"{url}/takeover", data={"reason": "ambil"}, headers=tl,
                       follow_redirects=False).status_code == 303
    assert client.post(f"{url}/state", data={"state": "resolved", "reason": "beres"},
                       headers=tl, follow_redirects=False).status_code == 303
    no_consent = client.post(f"{url}/state", data={"state": "closed"}, **post)
    assert no_consent.status_code == 409 and "persetujuan" in no_consent.text
    assert client.post(f"{url}/consent", data={"note": "setuju", "by": "Bu Rina"},
                       **post).status_code == 303
    assert client.post(f"{url}/state", data={"state": "closed"}, **post).status_code == 303
    final = client.get(url, headers=agent).text
    assert "closed" in final and 'data-testid="update-form"' not in final
    for kind in ("customer_update", "escalated", "taken_over", "consent_recorded"):
        assert f'data-kind="{kind}"' in final


def test_other_team_ticket_page_is_404(client: TestClient, session: Session,
                                       world: Floor) -> None:
    theirs = new_ticket(session, actor(session, world.agent_b), world.customer)
    session.commit()
    head = factories.token(client, world.agent_a.login_code)
    assert client.get(f"/tickets/{theirs.id}", headers=head).status_code == 404


def test_form_post_with_session_login_and_csrf(client: TestClient, session: Session,
                                               world: Floor) -> None:
    ticket = new_ticket(session, actor(session, world.agent_a), world.customer)
    session.commit()
    csrf = factories.login(client, world.agent_a.login_code)
    without = client.post(f"/tickets/{ticket.id}/notes", data={"body": "x"},
                          follow_redirects=False)
    assert without.status_code == 403
    done = client.post(f"/tickets/{ticket.id}/notes", data={"body": "x", "csrf_token": csrf},
                       follow_redirects=False)
    assert done.status_code == 303


def test_list_filters_and_export(client: TestClient, session: Session, world: Floor) -> None:
    import io

    _fill(session, world, 3)
    head = factories.token(client, world.tl_a.login_code)
    page = client.get("/tickets?q=Gangguan%201", headers=head).text
    assert "Gangguan 1" in page and "Gangguan 2" not in page
    assert client.get("/tickets?team_id=abc", headers=head).status_code == 422
    xlsx = client.get("/tickets/export.xlsx", headers=head)
    assert xlsx.status_code == 200
    rows = list(load_workbook(io.BytesIO(xlsx.content)).active.values)
    assert rows[0][0] == "Nomor" and len(rows) == 4
