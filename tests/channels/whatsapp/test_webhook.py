"""The WhatsApp Cloud API webhook: verification, signatures, batches, dedupe, statuses,
media through a local Graph server, and a conversation turned into a ticket."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from sigap.auth.models import AuditLog
from sigap.channels.models import ChatMessage, Conversation, WebhookDelivery
from sigap.channels.whatsapp import media
from sigap.customers.models import CustomerContact
from sigap.tickets.models import Ticket
from tests import factories
from tests.channels.whatsapp.graph_server import FakeGraph
from tests.channels.whatsapp.helpers import URL, VERIFY, delivery, msg, signed
from tests.tickets.helpers import floor


def test_subscription_check(client: TestClient) -> None:
    ok = client.get(URL, params={"hub.mode": "subscribe", "hub.verify_token": VERIFY,
                                 "hub.challenge": "1158201444"})
    assert ok.status_code == 200 and ok.text == "1158201444"
    bad = client.get(URL, params={"hub.mode": "subscribe", "hub.verify_token": "salah",
                                  "hub.challenge": "1"})
    assert bad.status_code == 403


def test_bad_or_missing_signature_is_refused_and_logged(client: TestClient,
                                                        session: Session) -> None:
    body = delivery([msg("wamid.1")])
    assert client.post(URL, content=body, headers={"Content-Type": "application/json"}
                       ).status_code == 401
    forged = client.post(URL, content=body, headers=signed(body, "another-secret"))
    assert forged.status_code == 401 and forged.json()["field"] == "x-hub-signature-256"
    tampered = client.post(URL, content=body + b" ", headers=signed(body))
    assert tampered.status_code == 401
    assert session.scalar(select(func.count()).select_from(WebhookDelivery)) == 0
    refusals = session.scalar(select(func.count()).select_from(AuditLog).where(
        AuditLog.action == "whatsapp.webhook_refused"))
    assert refusals == 3


def test_a_batch_of_every_kind_is_stored_once(client: TestClient, session: Session) -> None:
    customer = factories.customer(session, phone="+6281234567890")
    session.commit()
    body = delivery([
        msg("wamid.t", body="Internet mati sejak pagi"),
        msg("wamid.i", "image", id="MEDIA-I", mime_type="image/jpeg", caption="foto modem"),
        msg("wamid.d", "document", id="MEDIA-D", mime_type="application/pdf",
            filename="tagihan.pdf"),
        msg("wamid.a", "audio", id="MEDIA-A", mime_type="audio/ogg"),
        msg("wamid.l", "location", latitude=-6.99, longitude=110.42, name="Kantor",
            address="Jl. Pahlawan 10"),
        msg("wamid.b", "interactive", type="button_reply",
            button_reply={"id": "ya", "title": "Ya, masih mati"}),
        msg("wamid.r", "reaction", message_id="wamid.t", emoji="👍"),
    ])
    answer = client.post(URL, content=body, headers=signed(body))
    assert answer.status_code == 200
    rows = {m.provider_id: m for m in session.scalars(select(ChatMessage))}
    assert len(rows) == 7
    assert rows["wamid.t"].text == "Internet mati sejak pagi"
    assert rows["wamid.i"].media_id == "MEDIA-I" and rows["wamid.i"].text == "foto modem"
    assert rows["wamid.d"].text == "tagihan.pdf"
    assert "Jl. Pahlawan 10" in rows["wamid.l"].text and "-6.99" in rows["wamid.l"].text
    assert rows["wamid.b"].text == "Ya, masih mati"
    assert rows["wamid.r"].handled is False and rows["wamid.r"].payload["reaction"]
    conversation = session.scalar(select(Conversation))
    assert conversation is not None and conversation.customer_id == customer.id
    assert conversation.contact_name == "Budi" and conversation.last_inbound_at is not None
    # Meta retries the same delivery: nothing new.
    again = client.post(URL, content=body, headers=signed(body))
    assert again.status_code == 200
    session.rollback()  # a fresh snapshot after the requests
    assert session.scalar(select(func.count()).select_from(ChatMessage)) == 7
    assert session.scalar(select(func.count()).select_from(WebhookDelivery)) == 2
    assert session.scalar(select(func.count()).select_from(Conversation)) == 1


def test_a_body_we_cannot_read_is_kept_and_answered_200(client: TestClient,
                                                        session: Session) -> None:
    body = b'{"object": "whatsapp_business_account", "entry": "not a list"}'
    assert client.post(URL, content=body, headers=signed(body)).status_code == 200
    stored = session.scalar(select(WebhookDelivery))
    assert stored is not None and stored.body == body and "entry" in stored.error


def test_statuses_move_our_messages_forward_only(client: TestClient, session: Session) -> None:
    conversation = Conversation(channel="whatsapp", account="PN1", contact="628")
    session.add(conversation)
    session.flush()
    session.add(ChatMessage(channel="whatsapp", provider_id="wamid.OUT",
                            conversation_id=conversation.id, direction="outbound",
                            kind="text", text="Halo", status="sent"))
    session.commit()

    def status(name: str, ts: str) -> bytes:
        return delivery([], [{"id": "wamid.OUT", "status": name, "timestamp": ts,
                              "recipient_id": "628"}])

    for body in (status("read", "1795400100"), status("delivered", "1795400050")):
        assert client.post(URL, content=body, headers=signed(body)).status_code == 200
    session.rollback()  # a fresh snapshot after the requests
    row = session.scalar(select(ChatMessage).where(ChatMessage.provider_id == "wamid.OUT"))
    assert row is not None and row.status == "read"


def test_media_is_downloaded_through_graph_with_retry(
        client: TestClient, session: Session, sessions: sessionmaker[Session],
        graph: FakeGraph) -> None:
    graph.media["MEDIA-I"] = (b"\xff\xd8\xff\xe0jpeg-bytes", "image/jpeg")
    body = delivery([msg("wamid.i", "image", id="MEDIA-I", mime_type="image/jpeg")])
    client.post(URL, content=body, headers=signed(body))
    graph.fail = 1
    first = media.fetch_pending(sessions, graph.base, "graph-token")
    assert (first.fetched, first.failed) == (0, 1)
    row = session.scalar(select(ChatMessage))
    assert row is not None and row.media is None and "500" in row.media_error
    second = media.fetch_pending(sessions, graph.base, "graph-token")
    assert second.fetched == 1
    session.rollback()  # a fresh snapshot after the requests
    row = session.scalar(select(ChatMessage))
    assert row is not None and row.media == b"\xff\xd8\xff\xe0jpeg-bytes"
    assert row.media_attempts == 2 and row.media_error == ""
    assert "/MEDIA-I" in graph.calls and "/files/MEDIA-I" in graph.calls
    assert media.fetch_pending(sessions, graph.base, "graph-token").fetched == 0


def test_conversation_becomes_a_ticket_or_joins_the_open_one(client: TestClient,
                                                             session: Session) -> None:
    world = floor(session)
    session.add(CustomerContact(customer_id=world.customer.id, kind="whatsapp",
                                value="6285000000001"))
    session.commit()
    for sender, mid in (("6285000000001", "wamid.x1"), ("6285000000002", "wamid.x2")):
        body = delivery([msg(mid, sender=sender, body="Internet mati total")], wa_id=sender)
        client.post(URL, content=body, headers=signed(body))
    known, unknown = session.scalars(select(Conversation).order_by(Conversation.id)).all()
    assert known.customer_id == world.customer.id and unknown.customer_id is None
    auth = factories.token(client, world.agent_a.login_code)
    made = client.post(f"/api/conversations/{known.id}/ticket", json={}, headers=auth)
    assert made.status_code == 201, made.text
    assert made.json()["channel"] == "whatsapp"
    assert made.json()["subject"] == "Internet mati total"
    again = client.post(f"/api/conversations/{known.id}/ticket", json={}, headers=auth)
    assert again.status_code == 409
    needs_customer = client.post(f"/api/conversations/{unknown.id}/ticket", json={},
                                 headers=auth)
    assert needs_customer.status_code == 422 and needs_customer.json()["field"] == "customer_id"
    linked = client.post(f"/api/conversations/{unknown.id}/ticket", headers=auth,
                         json={"customer_id": world.customer.id,
                               "ticket_id": made.json()["id"]})
    assert linked.status_code == 201 and linked.json()["id"] == made.json()["id"]
    session.rollback()  # a fresh snapshot after the requests
    assert session.scalar(select(func.count()).select_from(Ticket)) == 1
    detail = client.get(f"/api/conversations/{known.id}", headers=auth).json()
    assert detail["ticket_id"] == made.json()["id"] and len(detail["messages"]) == 1


def test_concurrent_deliveries_from_one_contact_share_one_conversation(
        db_url: str, session: Session) -> None:
    import threading

    from sigap.auth import audit
    from sigap.auth.actor import SYSTEM
    from sigap.channels import service
    from sigap.channels.whatsapp import payload
    from sigap.db.session import make_engine, make_sessionmaker, transaction

    engine = make_engine(db_url)  # as a server process has it: writers take their lock
    sessions = make_sessionmaker(engine)
    barrier = threading.Barrier(6)
    errors: list[BaseException] = []

    def deliver(n: int) -> None:
        body = delivery([msg(f"wamid.c{n}", body=f"pesan {n}")])
        try:
            barrier.wait(timeout=10)
            with transaction(sessions) as s:
                audit.bind_actor(s, SYSTEM)
                stored = service.store_delivery(s, "whatsapp", body)
                service.receive(s, stored, *payload.parse(body))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=deliver, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    engine.dispose()
    assert errors == []
    assert session.scalar(select(func.count()).select_from(Conversation)) == 1
    assert session.scalar(select(func.count()).select_from(ChatMessage)) == 6


def test_agent_works_a_conversation_from_its_page(client: TestClient, session: Session) -> None:
    world = floor(session)
    session.add(CustomerContact(customer_id=world.customer.id, kind="whatsapp",
                                value="6285000000009"))
    session.commit()
    old = client.post("/api/tickets", headers=factories.token(client, world.agent_a.login_code),
                      json={"customer_id": world.customer.id, "type": "gangguan",
                            "subject": "Internet lambat"}).json()
    body = delivery([msg("wamid.p1", sender="6285000000009", body="Masih lambat juga")],
                    wa_id="6285000000009")
    client.post(URL, content=body, headers=signed(body))
    csrf = factories.login(client, world.agent_a.login_code)
    listing = client.get("/conversations")
    assert listing.status_code == 200 and "Budi" in listing.text
    conversation = session.scalar(select(Conversation))
    assert conversation is not None
    page = client.get(f"/conversations/{conversation.id}").text
    assert "Masih lambat juga" in page and old["number"] in page  # the old/new check
    sent = client.post(f"/conversations/{conversation.id}/messages",
                       data={"csrf_token": csrf, "text": "Baik, kami cek."},
                       follow_redirects=False)
    assert sent.status_code == 303 and "error" not in sent.headers["location"]
    empty = client.post(f"/conversations/{conversation.id}/messages",
                        data={"csrf_token": csrf, "text": ""}, follow_redirects=False)
    assert "error=" in empty.headers["location"]
    linked = client.post(f"/conversations/{conversation.id}/ticket",
                         data={"csrf_token": csrf, "ticket_id": str(old["id"])},
                         follow_redirects=False)
    assert linked.status_code == 303 and linked.headers["location"] == f"/tickets/{old['id']}"
    session.rollback()
    fresh = session.get(Conversation, conversation.id)
    assert fresh is not None and fresh.ticket_id == old["id"]
    assert 'data-testid="ticket-link"' in client.get(f"/conversations/{conversation.id}").text


def test_every_entry_change_message_and_status_of_a_batch(client: TestClient,
                                                         session: Session) -> None:
    """Meta batches: several entries (business accounts), several changes each (numbers),
    each with its contacts, messages and statuses; all of it is taken in, once."""
    import json

    conversation = Conversation(channel="whatsapp", account="PN1", contact="6281111111111")
    session.add(conversation)
    session.flush()
    for n in range(1, 5):
        session.add(ChatMessage(channel="whatsapp", provider_id=f"wamid.OUT{n}",
                                conversation_id=conversation.id, direction="outbound",
                                kind="text", text=f"jawaban {n}", status="sent"))
    session.commit()

    def change(number: str, contacts: list[tuple[str, str]], messages: list[dict[str, object]],
               statuses: list[dict[str, object]] | None = None) -> dict[str, object]:
        value: dict[str, object] = {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "62" + number, "phone_number_id": number},
            "contacts": [{"profile": {"name": name}, "wa_id": wa} for wa, name in contacts],
            "messages": messages}
        if statuses:
            value["statuses"] = statuses
        return {"field": "messages", "value": value}

    def status(mid: str, name: str, ts: int, **extra: object) -> dict[str, object]:
        return {"id": mid, "status": name, "timestamp": str(ts),
                "recipient_id": "6281111111111", **extra}

    body = json.dumps({"object": "whatsapp_business_account", "entry": [
        {"id": "WABA1", "changes": [
            change("PN1", [("6281111111111", "Ani"), ("6282222222222", "Bayu")], [
                msg("wamid.a1", sender="6281111111111", body="Halo"),
                msg("wamid.b1", sender="6282222222222", body="Internet mati"),
                msg("wamid.a2", sender="6281111111111", body="Masih mati"),
                msg("wamid.a1", sender="6281111111111", body="Halo")]),  # twice in one batch
            change("PN1", [], [], [status("wamid.OUT1", "delivered", 1795400100),
                                   status("wamid.OUT2", "read", 1795400200)])]},
        {"id": "WABA2", "changes": [
            change("PN2", [("6283333333333", "Citra")], [
                msg("wamid.c1", "interactive", sender="6283333333333", type="list_reply",
                    list_reply={"id": "paket-50", "title": "Paket 50 Mbps"}),
                msg("wamid.c2", "location", sender="6283333333333", latitude=-7.0,
                    longitude=110.4)], [
                status("wamid.OUT3", "failed", 1795400300, errors=[
                    {"code": 131047, "title": "Re-engagement message"}]),
                status("wamid.UNKNOWN", "read", 1795400300)]),
            change("PN2", [("6281111111111", "Ani")], [
                msg("wamid.a3", sender="6281111111111", body="Dari nomor lain")])]}]}
    ).encode()
    assert client.post(URL, content=body, headers=signed(body)).status_code == 200
    session.rollback()
    rows = {m.provider_id: m for m in session.scalars(
        select(ChatMessage).where(ChatMessage.direction == "inbound"))}
    assert set(rows) == {"wamid.a1", "wamid.b1", "wamid.a2", "wamid.c1", "wamid.c2",
                         "wamid.a3"}
    assert rows["wamid.c1"].text == "Paket 50 Mbps" and rows["wamid.c1"].handled
    assert rows["wamid.c2"].text == "Lokasi: (-7.0,110.4)"
    threads = {(c.account, c.contact): c for c in session.scalars(
        select(Conversation).where(Conversation.id != conversation.id))}
    # Ani wrote to PN1 (joins the open conversation) and to PN2 (a thread of its own).
    assert set(threads) == {("PN1", "6282222222222"), ("PN2", "6283333333333"),
                            ("PN2", "6281111111111")}
    assert rows["wamid.a1"].conversation_id == conversation.id == rows["wamid.a2"].conversation_id
    assert threads[("PN1", "6282222222222")].contact_name == "Bayu"
    out = {m.provider_id: m for m in session.scalars(
        select(ChatMessage).where(ChatMessage.direction == "outbound"))}
    assert [out[f"wamid.OUT{n}"].status for n in range(1, 5)] == [
        "delivered", "read", "failed", "sent"]
    assert out["wamid.OUT3"].media_error == "131047 Re-engagement message"
    assert out["wamid.OUT2"].status_at is not None
    assert out["wamid.OUT2"].status_at.timestamp() == 1795400200


def test_a_delivery_not_processed_is_taken_in_again_after_the_fix(
        client: TestClient, session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    from sigap.channels.whatsapp import payload

    def broken(_body: bytes) -> None:  # the code of the day cannot read Meta's new shape
        raise KeyError("interactive.nfm_reply")

    body = delivery([msg("wamid.f1", body="Halo"), msg("wamid.f2", body="Masih mati")])
    unreadable = b'{"object": "whatsapp_business_account", "entry": 7}'
    with monkeypatch.context() as patch:
        patch.setattr(payload, "parse", broken)
        assert client.post(URL, content=body, headers=signed(body)).status_code == 200
    assert client.post(URL, content=unreadable, headers=signed(unreadable)).status_code == 200
    session.rollback()
    kept = session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)).all()
    assert [d.error.split(":")[0] for d in kept] == ["KeyError", "BadPayload"]
    assert session.scalar(select(func.count()).select_from(ChatMessage)) == 0
    it = factories.staff(session, "it", site=factories.site(session, code="ITS"))
    session.commit()
    auth = factories.token(client, it.login_code)
    again = client.post("/api/channels/deliveries/replay", headers=auth)
    assert again.status_code == 200
    assert again.json() == {"taken": 1, "still_failing": 1, "messages": 2}
    assert client.post("/api/channels/deliveries/replay", headers=auth).json() == {
        "taken": 0, "still_failing": 1, "messages": 0}
    session.rollback()
    assert sorted(session.scalars(select(ChatMessage.provider_id))) == ["wamid.f1", "wamid.f2"]
    fixed = session.execute(select(WebhookDelivery.processed_at, WebhookDelivery.error)
                            .where(WebhookDelivery.id == kept[0].id)).one()
    assert fixed[0] is not None and fixed[1] == ""
    agent = factories.token(client, floor(session).agent_a.login_code)
    assert client.post("/api/channels/deliveries/replay", headers=agent).status_code == 403
