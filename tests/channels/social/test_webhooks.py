"""Facebook page / Messenger and X webhooks: their checks, signatures and messages."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sigap.auth.models import AuditLog
from sigap.channels.models import ChatMessage, Conversation, WebhookDelivery
from sigap.config import Settings
from sigap.customers.models import CustomerContact
from tests import factories

FB = "/api/channels/facebook/webhook"
X = "/api/channels/x/webhook"


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(database_url=db_url, secret_key="test-secret-key-not-for-production",
                    facebook_app_secret="fb-secret", facebook_verify_token="fb-verify",
                    x_consumer_secret="x-consumer-secret")


def meta_signed(body: bytes, secret: str = "fb-secret") -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return {"X-Hub-Signature-256": f"sha256={digest}", "Content-Type": "application/json"}


def x_signed(body: bytes, secret: str = "x-consumer-secret") -> dict[str, str]:
    digest = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest())
    return {"X-Twitter-Webhooks-Signature": f"sha256={digest.decode()}",
            "Content-Type": "application/json"}


def test_facebook_messenger_and_comments(client: TestClient, session: Session) -> None:
    assert client.get(FB, params={"hub.mode": "subscribe", "hub.verify_token": "fb-verify",
                                  "hub.challenge": "42"}).text == "42"
    customer = factories.customer(session)
    session.add(CustomerContact(customer_id=customer.id, kind="facebook", value="psid-77"))
    session.commit()
    body = json.dumps({"object": "page", "entry": [{
        "id": "PAGE1", "time": 1795400000000,
        "messaging": [
            {"sender": {"id": "psid-77"}, "recipient": {"id": "PAGE1"},
             "timestamp": 1795400000000, "message": {"mid": "m_1", "text": "Tagihan salah"}},
            {"sender": {"id": "psid-77"}, "recipient": {"id": "PAGE1"},
             "timestamp": 1795400001000,
             "message": {"mid": "m_2", "attachments": [
                 {"type": "image", "payload": {"url": "https://cdn.example/foto.jpg"}}]}},
            {"sender": {"id": "PAGE1"}, "recipient": {"id": "psid-77"},
             "timestamp": 1795400002000, "message": {"mid": "m_3", "text": "echo",
                                                     "is_echo": True}},
            {"sender": {"id": "psid-77"}, "recipient": {"id": "PAGE1"},
             "timestamp": 1795400003000, "read": {"watermark": 1795400002000}}],
        "changes": [{"field": "feed", "value": {
            "item": "comment", "verb": "add", "comment_id": "c_9", "post_id": "p_1",
            "message": "Internet mati di Semarang!", "created_time": 1795400004,
            "from": {"id": "fb-user-9", "name": "Sari Dewi"}}}]}]}).encode()
    assert client.post(FB, content=body, headers=meta_signed(body, "wrong")).status_code == 401
    assert client.post(FB, content=body,
                       headers={"Content-Type": "application/json"}).status_code == 401
    assert client.post(FB, content=body, headers=meta_signed(body)).status_code == 200
    assert client.post(FB, content=body, headers=meta_signed(body)).status_code == 200
    session.rollback()
    rows = {m.provider_id: m for m in session.scalars(select(ChatMessage))}
    assert set(rows) == {"m_1", "m_2", "c_9"}
    assert rows["m_2"].kind == "image" and "foto.jpg" in rows["m_2"].text
    assert rows["c_9"].kind == "comment" and rows["c_9"].text == "Internet mati di Semarang!"
    conversations = {c.contact: c for c in session.scalars(select(Conversation))}
    assert conversations["psid-77"].customer_id == customer.id
    assert conversations["fb-user-9"].contact_name == "Sari Dewi"
    refused = session.scalars(select(AuditLog.detail).where(
        AuditLog.action == "facebook.webhook_refused").order_by(AuditLog.id)).all()
    assert [d["why"] for d in refused] == ["tanda tangan salah", "tanda tangan tidak ada"]
    assert session.scalar(select(func.count()).select_from(WebhookDelivery)) == 2


def test_x_crc_signature_mentions_and_direct_messages(client: TestClient,
                                                      session: Session) -> None:
    answer = client.get(X, params={"crc_token": "challenge-123"})
    expected = base64.b64encode(hmac.new(b"x-consumer-secret", b"challenge-123",
                                         hashlib.sha256).digest()).decode()
    assert answer.json() == {"response_token": f"sha256={expected}"}
    customer = factories.customer(session)
    session.add(CustomerContact(customer_id=customer.id, kind="x", value="budi_s"))
    session.commit()
    body = json.dumps({
        "for_user_id": "111",
        "tweet_create_events": [
            {"id_str": "900", "text": "@TelkomCare internet mati!", "timestamp_ms": "1795400000000",
             "user": {"id_str": "222", "screen_name": "budi_s", "name": "Budi"}},
            {"id_str": "901", "text": "Kami cek ya", "timestamp_ms": "1795400001000",
             "user": {"id_str": "111", "screen_name": "TelkomCare", "name": "Telkom Care"}}],
        "direct_message_events": [
            {"type": "message_create", "id": "dm1", "created_timestamp": "1795400002000",
             "message_create": {"target": {"recipient_id": "111"}, "sender_id": "222",
                                "message_data": {"text": "Nomor layanan 1234"}}}],
        "users": {"222": {"id": "222", "screen_name": "budi_s", "name": "Budi"}}}).encode()
    missing = client.post(X, content=body, headers={"Content-Type": "application/json"})
    assert missing.status_code == 401
    hex_signed = client.post(X, content=body, headers=meta_signed(body, "x-consumer-secret")
                             | {"X-Twitter-Webhooks-Signature": "sha256=00"})
    assert hex_signed.status_code == 401
    assert client.post(X, content=body, headers=x_signed(body)).status_code == 200
    session.rollback()
    rows = {m.provider_id: m for m in session.scalars(select(ChatMessage))}
    assert set(rows) == {"tweet:900", "dm:dm1"}
    assert rows["dm:dm1"].kind == "direct_message" and rows["dm:dm1"].text == "Nomor layanan 1234"
    conversation = session.scalar(select(Conversation))
    assert conversation is not None and conversation.customer_id == customer.id
    assert session.scalar(select(WebhookDelivery.channel)) == "x"
    refused = session.scalar(select(func.count()).select_from(AuditLog).where(
        AuditLog.action == "x.webhook_refused"))
    assert refused == 2


def test_an_x_account_and_a_page_with_their_own_secrets(client: TestClient,
                                                        session: Session) -> None:
    from sigap.channels.models import ChannelAccount

    session.add_all([
        ChannelAccount(channel="x", name="telkomcare", external_id="111",
                       app_secret="own-consumer-secret"),
        ChannelAccount(channel="facebook", name="indihome", external_id="PAGE2",
                       app_secret="page-secret", verify_token="page-verify")])
    session.commit()
    answer = client.get(f"{X}/telkomcare", params={"crc_token": "abc"})
    expected = base64.b64encode(hmac.new(b"own-consumer-secret", b"abc",
                                         hashlib.sha256).digest()).decode()
    assert answer.json() == {"response_token": f"sha256={expected}"}
    body = json.dumps({"for_user_id": "111", "tweet_create_events": [
        {"id_str": "950", "text": "@TelkomCare halo", "timestamp_ms": "1795400000000",
         "user": {"id_str": "333", "screen_name": "sari", "name": "Sari"}}]}).encode()
    assert client.post(f"{X}/telkomcare", content=body,
                       headers=x_signed(body)).status_code == 401  # the settings' secret
    assert client.post(f"{X}/telkomcare", content=body,
                       headers=x_signed(body, "own-consumer-secret")).status_code == 200
    assert client.get(f"{FB}/indihome", params={
        "hub.mode": "subscribe", "hub.verify_token": "page-verify",
        "hub.challenge": "5"}).text == "5"
    page = json.dumps({"object": "page", "entry": [{"id": "PAGE2", "messaging": [
        {"sender": {"id": "psid-5"}, "recipient": {"id": "PAGE2"},
         "timestamp": 1795400000000, "message": {"mid": "m_50", "text": "Halo"}}]}]}).encode()
    assert client.post(f"{FB}/indihome", content=page,
                       headers=meta_signed(page)).status_code == 401
    assert client.post(f"{FB}/indihome", content=page,
                       headers=meta_signed(page, "page-secret")).status_code == 200
    session.rollback()
    assert set(session.scalars(select(ChatMessage.provider_id))) == {"tweet:950", "m_50"}
