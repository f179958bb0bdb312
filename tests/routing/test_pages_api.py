"""Routing API and pages: queues, skills and capacity set up by the right roles; the
agent's offers on the desk; wallboards and the team leader's floor."""

from __future__ import annotations

import time

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from sigap.routing import assignment
from sigap.routing.models import WorkItem
from tests import factories
from tests.routing.helpers import routed


def test_queue_setup_by_role_with_clear_errors(client: TestClient, session: Session) -> None:
    r = routed(session)
    w = r.world
    spv = factories.token(client, w.spv.login_code)
    agent = factories.token(client, w.agent_a.login_code)
    made = client.post("/api/queues", headers=spv, json={
        "name": "Voice DES Tier 1", "channel": "voice", "segment": "DES", "skill": "datin",
        "min_level": 2, "site_id": w.site.id, "surge_waiting": 10})
    assert made.status_code == 201, made.text
    assert client.post("/api/queues", headers=agent,
                       json={"name": "x", "channel": "voice"}).status_code == 403
    bad = client.post("/api/queues", headers=spv, json={"name": "y", "channel": "fax"})
    assert bad.status_code == 422 and bad.json()["field"] == "channel"
    twin = client.post("/api/queues", headers=spv, json={"name": "Voice DES Tier 1",
                                                         "channel": "voice"})
    assert twin.status_code == 409 and twin.json()["field"] == "name"
    queue_id = made.json()["id"]
    moved = client.post("/api/queues/move", headers=spv, json={
        "staff_id": w.agent_a.id, "from_queue": r.queue.id, "to_queue": queue_id})
    assert moved.status_code == 204
    assert client.get(f"/api/queues/{queue_id}/members", headers=spv).json() == [w.agent_a.id]
    assert client.get(f"/api/queues/{r.queue.id}/members",
                      headers=spv).json() == [w.agent_a2.id]
    skills = client.put(f"/api/staff/{w.agent_a.id}/skills", headers=spv,
                        json={"datin": 3, "indihome": 1})
    assert skills.json() == {"datin": 3, "indihome": 1}
    bad_level = client.put(f"/api/staff/{w.agent_a.id}/skills", headers=spv, json={"datin": 9})
    assert bad_level.status_code == 422 and bad_level.json()["field"] == "skills"
    assert client.put("/api/capacity/whatsapp", headers=spv,
                      json={"slots": 4}).status_code == 204
    assert client.put(f"/api/staff/{w.agent_a.id}/capacity/email", headers=spv,
                      json={"slots": 8}).status_code == 204
    listed = client.get("/api/queues", headers=factories.token(client, w.tl_a.login_code))
    assert {q["name"] for q in listed.json()} >= {"Voice DES Tier 1", r.queue.name}


def test_desk_offer_accept_and_finish_then_the_boards(client: TestClient,
                                                      session: Session) -> None:
    r = routed(session)
    w = r.world
    csrf = factories.login(client, w.agent_a.login_code)
    client.post("/presence", data={"csrf_token": csrf, "state": "ready"},
                follow_redirects=False)
    assignment.enqueue(session, assignment.Work(kind="conversation", ref_id=5,
                                                channel="whatsapp", title="WA Budi"))
    session.commit()
    item_id = session.query(WorkItem.id).scalar()
    desk = client.get("/desk")
    assert f'data-testid="accept-{item_id}"' in desk.text
    assert 'data-live-topics="agent:' in desk.text
    mine = client.get("/api/work/mine").json()
    assert [(m["id"], m["state"]) for m in mine] == [(item_id, "offered")]
    accepted = client.post(f"/work/{item_id}/accept", data={"csrf_token": csrf},
                           follow_redirects=False)
    assert accepted.status_code == 303 and accepted.headers["location"] == "/conversations/5"
    no_csrf = client.post(f"/work/{item_id}/finish", data={}, follow_redirects=False)
    assert no_csrf.status_code == 403
    assert f'data-testid="finish-{item_id}"' in client.get("/desk/work").text
    finished = client.post(f"/work/{item_id}/finish", data={"csrf_token": csrf},
                           headers={"HX-Request": "true"})
    assert 'data-testid="work-empty"' in finished.text
    again = client.post(f"/api/work/{item_id}/accept", headers={"X-CSRF-Token": csrf})
    assert again.status_code == 409
    assert client.get("/wallboard").status_code == 403  # agents have no wallboard
    client.post("/logout", data={"csrf_token": csrf})
    factories.login(client, w.spv.login_code)
    board = client.get("/wallboard")
    assert board.status_code == 200 and r.queue.name in board.text
    api = client.get(f"/api/queues/{r.queue.id}/board").json()
    assert api["handled"] == 1 and api["waiting"] == 0 and api["service_level"] == 100.0
    assert {a["name"] for a in api["agents"]} == {"ayu", "andi"}
    lead = factories.token(client, w.tl_a.login_code)
    floor_page = client.get("/floor", headers=lead)
    assert floor_page.status_code == 200 and "ayu" in floor_page.text


def test_queue_page_creates_queues_and_moves_agents(client: TestClient,
                                                    session: Session) -> None:
    r = routed(session)
    w = r.world
    csrf = factories.login(client, w.spv.login_code)
    page = client.get("/queues")
    assert page.status_code == 200 and r.queue.name in page.text
    bad = client.post("/queues", data={"csrf_token": csrf, "name": "Email DES",
                                       "channel": "email", "sl_seconds": "lima"})
    assert bad.status_code == 422 and "sl_seconds harus angka" in bad.text
    assert 'value="Email DES"' in bad.text  # what was typed is kept
    made = client.post("/queues", data={"csrf_token": csrf, "name": "Email DES",
                                        "channel": "email", "segment": "DES", "tier": "1",
                                        "surge_waiting": "50"}, follow_redirects=False)
    assert made.status_code == 303
    session.rollback()
    from sigap.routing import queues

    email = next(q for q in queues.list_queues(session) if q.name == "Email DES")
    assert email.site_id == w.site.id and email.segment == "DES"  # a supervisor's own site
    moved = client.post("/queues/move", data={
        "csrf_token": csrf, "staff_id": str(w.agent_a.id), "from_queue": str(r.queue.id),
        "to_queue": str(email.id)}, follow_redirects=False)
    assert moved.status_code == 303
    session.rollback()
    assert queues.members(session, email.id) == [w.agent_a.id]
    assert queues.members(session, r.queue.id) == [w.agent_a2.id]
    client.post("/logout", data={"csrf_token": csrf})
    lead = factories.login(client, w.tl_a.login_code)
    view = client.get("/queues")
    assert view.status_code == 200 and 'data-testid="queue-form"' not in view.text
    assert client.post("/queues/move", data={"csrf_token": lead, "staff_id": "1",
                                             "to_queue": "1"}).status_code == 403


def test_an_unanswered_offer_moves_on_by_itself_when_it_expires(client: TestClient,
                                                                session: Session) -> None:
    r = routed(session, offer_seconds=5)
    w = r.world
    for person in (w.agent_a, w.agent_a2):
        answer = client.post("/api/presence", json={"state": "ready"},
                             headers=factories.token(client, person.login_code))
        assert answer.status_code == 200, answer.text
    assignment.enqueue(session, assignment.Work(kind="conversation", ref_id=7,
                                                channel="whatsapp", title="WA Sari"))
    session.commit()
    item = session.scalar(select(WorkItem))
    assert item is not None and item.state == "offered"
    first = item.agent_id
    # Nobody calls expire_offers: the process's timer does, the moment the offer expires.
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        session.rollback()
        item = session.scalar(select(WorkItem))
        if item is not None and item.offers == 2:
            break
        time.sleep(0.2)
    assert item is not None and item.offers == 2 and item.state == "offered"
    assert item.agent_id != first
