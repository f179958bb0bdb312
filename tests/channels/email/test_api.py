"""The email API: the MTA pipe, mailboxes without secrets, quarantine, replies."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sigap.auth.models import AuditLog
from sigap.channels.email.models import EmailMessage, Mailbox, SendState
from sigap.org.models import Site, Staff
from sigap.tickets.models import Ticket, TicketEvent
from tests import factories
from tests.channels.email.helpers import mail, mailbox
from tests.tickets.helpers import floor

RFC822 = {"Content-Type": "message/rfc822"}


def _admin(session: Session, site: Site | None = None) -> Staff:
    return factories.staff(session, "admin", site=site or factories.site(session))


def test_inbound_stores_then_answers_202_and_is_idempotent(client: TestClient,
                                                           session: Session) -> None:
    admin = _admin(session)
    mailbox(session)
    session.commit()
    auth = factories.token(client, admin.login_code)
    raw, msgid = mail()
    answer = client.post("/api/channels/email/inbound?mailbox=dbs", content=raw,
                         headers={**auth, **RFC822})
    assert answer.status_code == 202, answer.text
    body = answer.json()
    assert body["state"] == "new_ticket" and body["duplicate"] is False
    # Stored and committed before the answer: a fresh session sees it.
    session.expire_all()
    stored = session.scalar(select(EmailMessage).where(EmailMessage.message_id == msgid))
    assert stored is not None and stored.raw == raw
    again = client.post("/api/channels/email/inbound?mailbox=dbs", content=raw,
                        headers={**auth, **RFC822})
    assert again.status_code == 202 and again.json()["duplicate"] is True
    assert again.json()["ticket_id"] == body["ticket_id"]
    assert session.scalar(select(func.count()).select_from(Ticket)) == 1


def test_inbound_refuses_bad_requests_clearly(client: TestClient, session: Session) -> None:
    admin = _admin(session)
    agent = factories.staff(session, "agent", site=None)
    mailbox(session)
    session.commit()
    auth = factories.token(client, admin.login_code)
    raw, _ = mail()
    url = "/api/channels/email/inbound?mailbox=dbs"
    assert client.post(url, content=raw, headers=RFC822).status_code == 401
    refused = client.post(url, content=raw,
                          headers={**factories.token(client, agent.login_code), **RFC822})
    assert refused.status_code == 403
    wrong_type = client.post(url, content=raw, headers={**auth, "Content-Type": "text/plain"})
    assert wrong_type.status_code == 415 and wrong_type.json()["field"] == "content-type"
    unknown = client.post("/api/channels/email/inbound?mailbox=nope", content=raw,
                          headers={**auth, **RFC822})
    assert unknown.status_code == 404 and unknown.json()["field"] == "mailbox"
    empty = client.post(url, content=b"", headers={**auth, **RFC822})
    assert empty.status_code == 422 and empty.json()["field"] == "body"
    missing = client.post("/api/channels/email/inbound", content=raw, headers={**auth, **RFC822})
    assert missing.status_code == 422


def test_garbage_through_the_pipe_is_quarantined_for_the_admin(client: TestClient,
                                                              session: Session) -> None:
    admin = _admin(session)
    mailbox(session)
    session.commit()
    auth = factories.token(client, admin.login_code)
    answer = client.post("/api/channels/email/inbound?mailbox=dbs",
                         content=b"\x00\x01\x02 not a mail at all \xff\xfe",
                         headers={**auth, **RFC822})
    assert answer.status_code == 202 and answer.json()["state"] == "quarantined"
    listed = client.get("/api/channels/email/quarantine", headers=auth).json()
    assert len(listed) == 1 and listed[0]["reason"]
    raw = client.get(f"/api/channels/email/quarantine/{listed[0]['id']}/raw", headers=auth)
    assert raw.content == b"\x00\x01\x02 not a mail at all \xff\xfe"
    dismissed = client.post(f"/api/channels/email/quarantine/{listed[0]['id']}/dismiss",
                            headers=auth)
    assert dismissed.json()["dismissed_at"] is not None
    assert client.get("/api/channels/email/quarantine", headers=auth).json() == []


def test_mailbox_secrets_go_in_but_never_come_out(client: TestClient, session: Session) -> None:
    admin = _admin(session)
    session.commit()
    auth = factories.token(client, admin.login_code)
    body = {"name": "des", "address": "Care.DES@sigap.test", "imap_host": "imap.sigap.test",
            "imap_user": "care.des", "imap_secret": "s3cret-imap", "smtp_host": "smtp.sigap.test",
            "smtp_secret": "s3cret-smtp", "segment": "DES"}
    created = client.post("/api/channels/email/mailboxes", json=body, headers=auth)
    assert created.status_code == 201, created.text
    out = created.json()
    assert out["address"] == "care.des@sigap.test"
    assert out["imap_secret_set"] is True and out["smtp_secret_set"] is True
    assert "s3cret" not in created.text
    listed = client.get("/api/channels/email/mailboxes", headers=auth)
    assert "s3cret" not in listed.text
    # Updating without the secret keeps it.
    body.pop("imap_secret")
    body.pop("smtp_secret")
    updated = client.put(f"/api/channels/email/mailboxes/{out['id']}",
                         json={**body, "display_name": "Care DES"}, headers=auth)
    assert updated.status_code == 200 and updated.json()["display_name"] == "Care DES"
    session.expire_all()
    row = session.get(Mailbox, out["id"])
    assert row is not None and row.imap_secret == "s3cret-imap"
    # Nor into the audit log: the change is recorded, the value masked.
    details = [d for (d,) in session.execute(select(AuditLog.detail).where(
        AuditLog.entity == "email_mailboxes"))]
    assert details and any("imap_secret" in str(d) for d in details)
    assert not any("s3cret" in str(d) for d in details)
    page = client.get(f"/email/mailboxes?edit={out['id']}", headers=auth)
    assert "s3cret" not in page.text
    clash = client.post("/api/channels/email/mailboxes", json={**body, "name": "des2"},
                        headers=auth)
    assert clash.status_code == 409
    bad = client.post("/api/channels/email/mailboxes", json={**body, "name": "Bad Name"},
                      headers=auth)
    assert bad.status_code == 422 and "name" in bad.text


def test_agent_replies_from_the_ticket_into_the_outbox(client: TestClient,
                                                       session: Session) -> None:
    world = floor(session)
    box = mailbox(session, team=world.team_a)
    session.commit()
    admin = _admin(session, world.site)
    session.commit()
    raw, parent = mail(sender="budi@pelanggan.co.id")
    pipe = factories.token(client, admin.login_code)
    ticket_id = client.post(f"/api/channels/email/inbound?mailbox={box.name}", content=raw,
                            headers={**pipe, **RFC822}).json()["ticket_id"]
    auth = factories.token(client, world.agent_a.login_code)
    answer = client.post(f"/api/tickets/{ticket_id}/emails", headers=auth, json={
        "body": "Mohon maaf atas ketidaknyamanannya. Tim kami sedang memeriksa.",
        "cc": ["atasan@pelanggan.co.id"],
        "attachments": [{"filename": "panduan.pdf", "content_type": "application/pdf",
                         "content_base64": "JVBERi0xLjQK"}]})
    assert answer.status_code == 201, answer.text
    out = answer.json()
    assert out["send_state"] == SendState.queued and out["direction"] == "outbound"
    session.expire_all()
    row = session.get(EmailMessage, out["id"])
    assert row is not None
    text = row.raw.decode()
    assert f"In-Reply-To: {parent}" in text and parent in text.split("References:")[1]
    ticket = session.get(Ticket, ticket_id)
    assert ticket is not None and f"[#{ticket.number}]" in row.subject
    assert row.text.startswith("Selamat ") and "Bapak/Ibu" in row.text.splitlines()[0]
    assert "Cc: atasan@pelanggan.co.id" in text and 'filename="panduan.pdf"' in text
    assert ticket.first_response_at is not None
    event = session.scalar(select(TicketEvent).where(TicketEvent.ticket_id == ticket_id,
                                                     TicketEvent.kind == "customer_update"))
    assert event is not None and event.data["email_id"] == row.id
    bad = client.post(f"/api/tickets/{ticket_id}/emails", headers=auth,
                      json={"body": "x", "cc": ["bukan-email"]})
    assert bad.status_code == 422 and bad.json()["field"] == "cc.0"
    bad64 = client.post(f"/api/tickets/{ticket_id}/emails", headers=auth, json={
        "body": "x", "attachments": [{"filename": "a", "content_base64": "!!"}]})
    assert bad64.status_code == 422 and bad64.json()["field"] == "attachments.0.content_base64"
