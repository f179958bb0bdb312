"""A priority customer on WhatsApp (W-19): flagged from the customer records, the TL on
duty alerted with a link to the conversation page, the work waits for a priority-segment
agent, the TL takes it over, and a hard complaint goes to its own handling."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from sigap.channels.models import Conversation
from sigap.org.models import Alert
from sigap.routing import queues
from sigap.routing.models import WorkItem
from sigap.tickets.models import Ticket
from tests import factories
from tests.channels.whatsapp.helpers import URL, delivery, msg, signed
from tests.tickets.helpers import floor


def test_a_priority_customer_on_whatsapp_waits_for_a_priority_agent_and_the_tl_takes_over(
        client: TestClient, session: Session) -> None:
    world = floor(session)
    world.customer.priority = True
    world.customer.priority_reason = "Public figure (artis)"
    world.tl_a.channels = ["whatsapp"]
    # Both agents of the queue are ready, neither cleared for priority customers (D22).
    world.agent_a.hire_date, world.agent_a.qa_met_months = dt.date(2026, 10, 1), 12
    world.agent_a2.hire_date, world.agent_a2.qa_met_months = dt.date(2020, 1, 1), 5
    queue = queues.save_queue(session, queues.QueueSpec(name="WA T1", channel="whatsapp",
                                                       site_id=world.site.id))
    queues.set_members(session, queue.id, [world.agent_a.id, world.agent_a2.id])
    session.commit()
    for person in (world.agent_a, world.agent_a2):
        auth = factories.token(client, person.login_code)
        assert client.post("/api/presence", headers=auth,
                           json={"state": "ready"}).status_code == 200
    body = delivery([msg("wamid.v1", body="Internet rumah mati, saya live di IG sekarang")],
                    wa_id="6281234567890")  # the floor customer's phone
    assert client.post(URL, content=body, headers=signed(body)).status_code == 200
    session.rollback()
    conversation = session.scalar(select(Conversation))
    assert conversation is not None and conversation.customer_id == world.customer.id
    assert conversation.priority is True
    assert conversation.priority_reason == "Pelanggan prioritas: Public figure (artis)"
    alert = session.scalar(select(Alert).where(Alert.kind == "priority_customer"))
    assert alert is not None and alert.staff_id == world.tl_a.id
    assert alert.link == f"/conversations/{conversation.id}"  # a page, not JSON
    item = session.scalar(select(WorkItem).where(WorkItem.ref_id == conversation.id))
    assert item is not None and item.priority is True
    assert item.state == "waiting" and item.agent_id is None  # nobody cleared is free

    csrf = factories.login(client, world.tl_a.login_code)
    page = client.get(alert.link)
    assert page.status_code == 200 and 'data-testid="priority"' in page.text
    assert 'data-testid="takeover-form"' in page.text
    taken = client.post(f"/conversations/{conversation.id}/takeover",
                        data={"csrf_token": csrf}, follow_redirects=False)
    assert taken.status_code == 303 and "error" not in taken.headers["location"]
    session.rollback()
    item = session.get(WorkItem, item.id)
    assert item is not None and item.agent_id == world.tl_a.id and item.state == "assigned"
    agent = factories.token(client, world.agent_a.login_code)
    assert client.post(f"/api/conversations/{conversation.id}/takeover",
                       headers=agent).status_code == 403

    made = client.post(f"/api/conversations/{conversation.id}/ticket",
                       headers=factories.token(client, world.tl_a.login_code),
                       json={"hard_complaint": True, "subject": "Komplain keras di IG"})
    assert made.status_code == 201, made.text
    assert made.json()["priority"] is True and made.json()["hard_complaint"] is True


def test_hard_complaint_on_linking_to_the_open_ticket_goes_to_caring(
        client: TestClient, session: Session) -> None:
    world = floor(session)
    caring = factories.team(session, world.site, name="Tier 2 Caring", tier="tier2",
                            desk="Tier 2 Caring")
    session.commit()
    auth = factories.token(client, world.agent_a.login_code)
    old = client.post("/api/tickets", headers=auth, json={
        "customer_id": world.customer.id, "type": "gangguan", "subject": "Internet mati",
        "team_id": world.team_a.id}).json()
    body = delivery([msg("wamid.h1", body="Sudah 3 hari! Saya lapor ke YLKI")])
    client.post(URL, content=body, headers=signed(body))
    conversation = session.scalar(select(Conversation))
    assert conversation is not None
    linked = client.post(f"/api/conversations/{conversation.id}/ticket", headers=auth,
                         json={"ticket_id": old["id"], "hard_complaint": True})
    assert linked.status_code == 201, linked.text
    session.rollback()
    ticket = session.get(Ticket, old["id"])
    assert ticket is not None and ticket.hard_complaint is True
    assert ticket.team_id == caring.id and ticket.owner_id is None


def test_a_team_leader_of_another_channel_cannot_take_over(client: TestClient,
                                                           session: Session) -> None:
    world = floor(session)
    world.tl_a.channels = ["voice"]
    session.commit()
    body = delivery([msg("wamid.o1", body="Halo")])
    client.post(URL, content=body, headers=signed(body))
    conversation = session.scalar(select(Conversation))
    assert conversation is not None
    refused = client.post(f"/api/conversations/{conversation.id}/takeover",
                          headers=factories.token(client, world.tl_a.login_code))
    assert refused.status_code == 403 and refused.json()["field"] == "conversation"


def test_closing_a_conversation_frees_the_agent_and_the_next_message_opens_a_new_one(
        client: TestClient, session: Session) -> None:
    from sigap.routing.models import AgentSlot

    world = floor(session)
    queue = queues.save_queue(session, queues.QueueSpec(name="WA T1", channel="whatsapp",
                                                       site_id=world.site.id))
    queues.set_members(session, queue.id, [world.agent_a.id])
    session.commit()
    auth = factories.token(client, world.agent_a.login_code)
    assert client.post("/api/presence", headers=auth, json={"state": "ready"}).status_code == 200
    body = delivery([msg("wamid.z1", body="Tagihan bulan ini salah")])
    client.post(URL, content=body, headers=signed(body))
    session.rollback()
    first = session.scalar(select(Conversation))
    item = session.scalar(select(WorkItem))
    assert first is not None and item is not None and item.agent_id == world.agent_a.id
    assert client.post(f"/api/work/{item.id}/accept", headers=auth).status_code == 200
    session.rollback()
    slot = session.scalar(select(AgentSlot).where(AgentSlot.staff_id == world.agent_a.id,
                                                  AgentSlot.channel == "whatsapp"))
    assert slot is not None and slot.used == 1
    csrf = factories.login(client, world.agent_a.login_code)
    closed = client.post(f"/conversations/{first.id}/close", data={"csrf_token": csrf},
                         follow_redirects=False)
    assert closed.status_code == 303 and closed.headers["location"] == "/conversations"
    assert client.post(f"/api/conversations/{first.id}/close", headers=auth).status_code == 409
    late = client.post(f"/api/conversations/{first.id}/messages", headers=auth,
                       json={"text": "Satu lagi"})
    assert late.status_code == 409 and late.json()["field"] == "conversation"
    assert 'data-testid="closed"' in client.get(f"/conversations/{first.id}").text
    session.rollback()
    item = session.get(WorkItem, item.id)
    used = session.scalar(select(AgentSlot.used).where(AgentSlot.staff_id == world.agent_a.id,
                                                       AgentSlot.channel == "whatsapp"))
    assert item is not None and item.state == "done" and used == 0
    again = delivery([msg("wamid.z2", body="Masih salah")])
    client.post(URL, content=again, headers=signed(again))
    session.rollback()
    threads = list(session.scalars(select(Conversation).order_by(Conversation.id)))
    assert [c.state for c in threads] == ["closed", "open"]
    assert threads[1].customer_id == world.customer.id
