"""Several WhatsApp numbers, each a channel account with its own secrets: its webhook path
checks its own app secret and verify token, answers and media go out with its own token,
and the settings stay the fallback."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from sigap.auth.models import AuditLog
from sigap.channels import outbox
from sigap.channels.base import Endpoint
from sigap.channels.models import ChatMessage, Conversation, WebhookDelivery
from sigap.channels.whatsapp import media
from tests import factories
from tests.channels.whatsapp.graph_server import FakeGraph
from tests.channels.whatsapp.helpers import SECRET, URL, msg, signed
from tests.tickets.helpers import floor

OWN_SECRET = "jakarta-app-secret"


def _delivery(phone_number_id: str, mid: str, **part: object) -> bytes:
    kind = "image" if "id" in part else "text"
    return json.dumps({"object": "whatsapp_business_account", "entry": [{
        "id": "WABA2", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "62215550147",
                         "phone_number_id": phone_number_id},
            "contacts": [{"profile": {"name": "Rina"}, "wa_id": "6281300000001"}],
            "messages": [msg(mid, kind, sender="6281300000001", **part)]}}]}]}).encode()


def _register(client: TestClient, session: Session) -> dict[str, str]:
    admin = factories.staff(session, "admin", site=factories.site(session, code="ADM"))
    session.commit()
    auth = factories.token(client, admin.login_code)
    made = client.post("/api/channels/accounts", headers=auth, json={
        "channel": "whatsapp", "name": "jakarta", "external_id": "PN2",
        "app_secret": OWN_SECRET, "verify_token": "jakarta-verify",
        "access_token": "pn2-token"})
    assert made.status_code == 201, made.text
    assert made.json() == {"id": made.json()["id"], "channel": "whatsapp", "name": "jakarta",
                           "external_id": "PN2",
                           "webhook": "/api/channels/whatsapp/webhook/jakarta",
                           "app_secret_set": True, "verify_token_set": True,
                           "access_token_set": True, "active": True}
    return auth


def test_accounts_are_kept_by_admins_and_never_show_their_secrets(
        client: TestClient, session: Session) -> None:
    world = floor(session)
    auth = _register(client, session)
    listed = client.get("/api/channels/accounts", headers=auth)
    assert OWN_SECRET not in listed.text and "pn2-token" not in listed.text
    again = client.post("/api/channels/accounts", headers=auth, json={
        "channel": "whatsapp", "name": "bandung", "external_id": "PN2"})
    assert again.status_code == 409 and again.json()["field"] == "external_id"
    bad = client.post("/api/channels/accounts", headers=auth, json={
        "channel": "whatsapp", "name": "Nama Salah", "external_id": "PN3"})
    assert bad.status_code == 422 and "name" in bad.text
    agent = factories.token(client, world.agent_a.login_code)
    assert client.get("/api/channels/accounts", headers=agent).status_code == 403
    session.rollback()
    logged = session.scalars(select(AuditLog.detail).where(
        AuditLog.entity == "channel_accounts")).all()
    assert logged and all(OWN_SECRET not in json.dumps(d) for d in logged)


def test_the_account_path_uses_its_own_secrets(client: TestClient, session: Session) -> None:
    _register(client, session)
    path = f"{URL}/jakarta"
    check = client.get(path, params={"hub.mode": "subscribe",
                                     "hub.verify_token": "jakarta-verify",
                                     "hub.challenge": "77"})
    assert check.status_code == 200 and check.text == "77"
    assert client.get(path, params={"hub.mode": "subscribe", "hub.verify_token": "x",
                                    "hub.challenge": "1"}).status_code == 403
    body = _delivery("PN2", "wamid.j1", body="Halo Jakarta")
    # The settings' secret does not open another account's door.
    assert client.post(path, content=body, headers=signed(body, SECRET)).status_code == 401
    assert client.post(path, content=body, headers=signed(body, OWN_SECRET)).status_code == 200
    # Nor the account's secret the settings' path.
    assert client.post(URL, content=body, headers=signed(body, OWN_SECRET)).status_code == 401
    unknown = client.post(f"{URL}/surabaya", content=body, headers=signed(body, OWN_SECRET))
    assert unknown.status_code == 404 and unknown.json()["field"] == "account"
    session.rollback()
    assert session.scalar(select(func.count()).select_from(WebhookDelivery)) == 1
    row = session.scalar(select(ChatMessage))
    assert row is not None and row.text == "Halo Jakarta"
    why = session.scalars(select(AuditLog.detail).where(
        AuditLog.action == "whatsapp.webhook_refused").order_by(AuditLog.id)).all()
    assert [d["why"] for d in why] == ["tanda tangan salah", "tanda tangan salah",
                                      "akun tidak dikenal"]


def test_answers_and_media_go_out_with_the_numbers_own_token(
        client: TestClient, session: Session, sessions: sessionmaker[Session]) -> None:
    world = floor(session)
    _register(client, session)
    own = FakeGraph("pn2-token")  # answers only the Jakarta number's token
    own.start()
    try:
        own.media["MEDIA-J"] = (b"\x89PNG foto", "image/png")
        body = _delivery("PN2", "wamid.j2", id="MEDIA-J", mime_type="image/png")
        assert client.post(f"{URL}/jakarta", content=body,
                           headers=signed(body, OWN_SECRET)).status_code == 200
        fetched = media.fetch_pending(sessions, own.base, "graph-token")
        assert (fetched.fetched, fetched.failed) == (1, 0)
        session.rollback()
        conversation = session.scalar(select(Conversation))
        assert conversation is not None and conversation.account == "PN2"
        auth = factories.token(client, world.agent_a.login_code)
        assert client.post(f"/api/conversations/{conversation.id}/messages", headers=auth,
                           json={"text": "Foto sudah kami terima."}).status_code == 201
        with sessions() as s:
            targets = outbox.endpoints(client.app.state.settings, s)  # type: ignore[attr-defined]
        assert set(targets) == {"whatsapp"}
        report = outbox.send_due(sessions, {"whatsapp": Endpoint(own.base, "graph-token")})
        assert (report.sent, report.failed) == (1, 0)
        assert own.sent[0]["path"] == "/PN2/messages"
    finally:
        own.stop()
    session.rollback()
    image = session.scalar(select(ChatMessage).where(ChatMessage.provider_id == "wamid.j2"))
    assert image is not None and image.media == b"\x89PNG foto"
