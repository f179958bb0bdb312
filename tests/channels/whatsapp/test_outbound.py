"""Answering on WhatsApp: the 24-hour window, approved templates, the Graph send once."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from sigap.channels import outbox
from sigap.channels.base import Endpoint
from sigap.channels.models import ChatMessage, Conversation
from sigap.channels.whatsapp.models import WaTemplate
from sigap.core.clock import utcnow
from tests import factories
from tests.channels.whatsapp.graph_server import FakeGraph
from tests.channels.whatsapp.helpers import URL, delivery, signed
from tests.tickets.helpers import floor


def _conversation(session: Session, hours_ago: float) -> Conversation:
    conversation = Conversation(channel="whatsapp", account="PN1", contact="6281234567890",
                                last_inbound_at=utcnow() - dt.timedelta(hours=hours_ago))
    session.add(conversation)
    session.commit()
    return conversation


def test_free_text_inside_the_window_is_sent_once_and_tracked(
        client: TestClient, session: Session, sessions: sessionmaker[Session],
        graph: FakeGraph) -> None:
    world = floor(session)
    conversation = _conversation(session, hours_ago=2)
    auth = factories.token(client, world.agent_a.login_code)
    queued = client.post(f"/api/conversations/{conversation.id}/messages", headers=auth,
                         json={"text": "Selamat siang, teknisi kami menuju lokasi."})
    assert queued.status_code == 201 and queued.json()["status"] == "queued"
    report = outbox.send_due(sessions, {"whatsapp": Endpoint(graph.base, "graph-token")})
    assert (report.sent, report.failed) == (1, 0)
    assert outbox.send_due(sessions, {"whatsapp": Endpoint(graph.base, "graph-token")}).sent == 0
    assert graph.sent == [{"path": "/PN1/messages", "messaging_product": "whatsapp",
                           "recipient_type": "individual", "to": "6281234567890", "type": "text",
                           "text": {"preview_url": False,
                                    "body": "Selamat siang, teknisi kami menuju lokasi."}}]
    body = delivery([], [{"id": "wamid.SENT1", "status": "delivered",
                          "timestamp": "1795400100", "recipient_id": "6281234567890"}])
    client.post(URL, content=body, headers=signed(body))
    session.rollback()
    row = session.scalar(select(ChatMessage).where(ChatMessage.direction == "outbound"))
    assert row is not None and row.provider_id == "wamid.SENT1" and row.status == "delivered"


def test_outside_the_window_only_an_approved_template(
        client: TestClient, session: Session, sessions: sessionmaker[Session],
        graph: FakeGraph) -> None:
    world = floor(session)
    conversation = _conversation(session, hours_ago=30)
    session.add_all([
        WaTemplate(name="update_tiket", language="id", approved=True,
                   body="Halo {{1}}, tiket {{2}} sedang kami tangani."),
        WaTemplate(name="promo_baru", language="id", approved=False, body="Promo!")])
    session.commit()
    approved, pending = session.scalars(select(WaTemplate).order_by(WaTemplate.id)).all()
    auth = factories.token(client, world.agent_a.login_code)
    url = f"/api/conversations/{conversation.id}/messages"
    refused = client.post(url, headers=auth, json={"text": "Halo?"})
    assert refused.status_code == 422 and refused.json()["field"] == "template_id"
    assert "24 jam" in refused.json()["message"]
    unapproved = client.post(url, headers=auth, json={"template_id": pending.id})
    assert unapproved.status_code == 422
    short = client.post(url, headers=auth, json={"template_id": approved.id,
                                                  "parameters": ["Budi"]})
    assert short.status_code == 422 and short.json()["field"] == "parameters"
    ok = client.post(url, headers=auth, json={"template_id": approved.id,
                                              "parameters": ["Budi", "T-2026-000001"]})
    assert ok.status_code == 201
    assert ok.json()["text"] == "Halo Budi, tiket T-2026-000001 sedang kami tangani."
    outbox.send_due(sessions, {"whatsapp": Endpoint(graph.base, "graph-token")})
    sent = graph.sent[0]
    assert sent["type"] == "template" and sent["template"]["name"] == "update_tiket"
    assert sent["template"]["components"][0]["parameters"][1]["text"] == "T-2026-000001"


def test_a_graph_failure_is_shown_not_retried_blindly(
        client: TestClient, session: Session, sessions: sessionmaker[Session],
        graph: FakeGraph) -> None:
    world = floor(session)
    conversation = _conversation(session, hours_ago=1)
    auth = factories.token(client, world.agent_a.login_code)
    client.post(f"/api/conversations/{conversation.id}/messages", headers=auth,
                json={"text": "Halo"})
    graph.fail = 1
    assert outbox.send_due(sessions, {"whatsapp": Endpoint(graph.base, "graph-token")}).failed == 1
    assert outbox.send_due(sessions, {"whatsapp": Endpoint(graph.base, "graph-token")}).sent == 0
    session.rollback()
    row = session.scalar(select(ChatMessage))
    assert row is not None and row.status == "failed" and "500" in row.media_error


def test_templates_are_maintained_by_their_owners(client: TestClient, session: Session) -> None:
    site = factories.site(session)
    km = factories.staff(session, "knowledge_management", site=site)
    session.commit()
    auth = factories.token(client, km.login_code)
    made = client.post("/api/channels/whatsapp/templates", headers=auth, json={
        "name": "info_gangguan", "body": "Gangguan di {{1}} sedang diperbaiki.",
        "approved": True})
    assert made.status_code == 201
    again = client.post("/api/channels/whatsapp/templates", headers=auth, json={
        "name": "info_gangguan", "body": "x"})
    assert again.status_code == 409
    bad = client.post("/api/channels/whatsapp/templates", headers=auth, json={
        "name": "Bukan Nama", "body": "x"})
    assert bad.status_code == 422


def test_a_file_goes_out_uploaded_then_sent_by_its_media_id(
        client: TestClient, session: Session, sessions: sessionmaker[Session],
        graph: FakeGraph) -> None:
    import base64

    world = floor(session)
    conversation = _conversation(session, hours_ago=1)
    auth = factories.token(client, world.agent_a.login_code)
    pdf = b"%PDF-1.4 tagihan"
    queued = client.post(f"/api/conversations/{conversation.id}/messages", headers=auth, json={
        "text": "Rincian tagihan terlampir.",
        "media": {"filename": "tagihan.pdf", "content_type": "application/pdf",
                  "content_base64": base64.b64encode(pdf).decode()}})
    assert queued.status_code == 201, queued.text
    assert queued.json()["kind"] == "document"
    bad = client.post(f"/api/conversations/{conversation.id}/messages", headers=auth, json={
        "media": {"filename": "x.pdf", "content_type": "application/pdf",
                  "content_base64": "!!"}})
    assert bad.status_code == 422 and bad.json()["field"] == "media.content_base64"
    assert outbox.send_due(sessions, {"whatsapp": Endpoint(graph.base, "graph-token")}).sent == 1
    assert len(graph.uploads) == 1 and pdf in graph.uploads[0]
    assert b'filename="tagihan.pdf"' in graph.uploads[0]
    sent = graph.sent[0]
    assert sent["type"] == "document"
    assert sent["document"] == {"caption": "Rincian tagihan terlampir.",
                                "filename": "tagihan.pdf", "id": "UP1"}
