"""Email desk pages: the ticket's mail panel with the SOP checklist, replying, levels, admin."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from sigap.auth.actor import SYSTEM
from sigap.channels.email import inbox, sop
from sigap.channels.email.models import (
    EmailMessage,
    LevelRoute,
    Mailbox,
    RelatedProduct,
    ReplyTemplate,
)
from sigap.tickets import actions
from sigap.tickets.models import Ticket
from tests import factories
from tests.channels.email.helpers import mail, mailbox
from tests.tickets.helpers import actor, floor

HX = {"HX-Request": "true"}


def _email_ticket(session: Session, **box: object) -> tuple[object, Ticket, str]:
    world = floor(session)
    mb = mailbox(session, team=world.team_a, **box)
    raw, msgid = mail(sender="budi@pelanggan.co.id",
                      attachments=[("modem.jpg", "image/jpeg", b"\xff\xd8\xff\xd9")])
    outcome = inbox.ingest(session, mb, raw)
    session.commit()
    ticket = session.get(Ticket, outcome.ticket_id)
    assert ticket is not None
    return world, ticket, msgid


def test_ticket_page_loads_the_mail_panel(client: TestClient, session: Session) -> None:
    world, ticket, _ = _email_ticket(session)
    factories.login(client, world.agent_a.login_code)  # type: ignore[attr-defined]
    page = client.get(f"/tickets/{ticket.id}")
    assert f'hx-get="/tickets/{ticket.id}/email"' in page.text
    panel = client.get(f"/tickets/{ticket.id}/email", headers=HX)
    assert panel.status_code == 200
    assert "<html" not in panel.text  # a fragment for HTMX
    assert "mati sejak kemarin" in panel.text and "modem.jpg" in panel.text
    assert 'data-step="received"' in panel.text and 'data-testid="reply-form"' in panel.text
    full = client.get(f"/tickets/{ticket.id}/email")
    assert "<html" in full.text and "Langkah SOP email" in full.text


def test_reply_form_with_template_and_file_goes_to_the_outbox(client: TestClient,
                                                              session: Session) -> None:
    world, ticket, parent = _email_ticket(session)
    session.add(ReplyTemplate(name="Gangguan diterima", kind="reply",
                              subject="Tiket {nomor_tiket} sedang ditangani",
                              body="{salam} Bapak/Ibu {nama_pelanggan},\n\nKeluhan {subjek} "
                                   "sudah kami teruskan ke teknisi.\n\nSalam,\n{agen}"))
    session.commit()
    template = session.scalar(select(ReplyTemplate))
    assert template is not None
    csrf = factories.login(client, world.agent_a.login_code)  # type: ignore[attr-defined]
    draft = client.get(f"/tickets/{ticket.id}/email/draft?template_id={template.id}",
                       headers=HX)
    assert "Keluhan Internet mati sudah kami teruskan" in draft.text
    assert re.search(r"Selamat (pagi|siang|sore|malam) Bapak/Ibu", draft.text)
    answer = client.post(
        f"/tickets/{ticket.id}/email/reply",
        data={"csrf_token": csrf, "template_id": str(template.id), "kind": "reply",
              "body": "Selamat pagi Bapak/Ibu,\n\nSedang kami tangani.", "cc": "bos@pt.id"},
        files=[("files", ("foto-lokasi.png", b"\x89PNG\r\n\x1a\n", "image/png"))],
        follow_redirects=False)
    assert answer.status_code == 303 and "email_error" not in answer.headers["location"]
    session.rollback()  # a fresh snapshot: the request committed after ours began
    sent = session.scalar(select(EmailMessage).where(EmailMessage.direction == "outbound"))
    assert sent is not None and sent.in_reply_to == parent
    assert sent.subject.startswith(f"Tiket {ticket.number} sedang ditangani")
    assert b'filename="foto-lokasi.png"' in sent.raw and sent.cc == ["bos@pt.id"]
    steps = {s.key: s for s in sop.checklist(session, session.get(Ticket, ticket.id))}  # type: ignore[arg-type]
    assert steps["responded"].done and steps["responded"].by == "ayu"
    panel = client.get(f"/tickets/{ticket.id}/email", headers=HX)
    assert 'data-direction="outbound"' in panel.text and "queued" in panel.text
    # A bad address is said back on the ticket page, and nothing is queued.
    bad = client.post(f"/tickets/{ticket.id}/email/reply",
                      data={"csrf_token": csrf, "body": "x", "cc": "bukan alamat"},
                      follow_redirects=False)
    assert "email_error=" in bad.headers["location"]
    page = client.get(bad.headers["location"].split("#")[0])
    assert "email_error" not in page.text or "error=" in page.text


def test_information_answer_offers_related_products(client: TestClient,
                                                    session: Session) -> None:
    world, ticket, _ = _email_ticket(session)
    ticket.type, ticket.product = "informasi", "indihome"
    session.add_all([RelatedProduct(product="indihome", related="IndiHome Gamer",
                                    pitch="kuota game tanpa batas"),
                     RelatedProduct(product="indihome", related="Add-on Netflix")])
    session.commit()
    csrf = factories.login(client, world.agent_a.login_code)  # type: ignore[attr-defined]
    client.post(f"/tickets/{ticket.id}/email/reply",
                data={"csrf_token": csrf, "body": "Paket Anda 50 Mbps."}, follow_redirects=False)
    session.rollback()  # a fresh snapshot: the request committed after ours began
    sent = session.scalar(select(EmailMessage).where(EmailMessage.direction == "outbound"))
    assert sent is not None
    assert "- IndiHome Gamer: kuota game tanpa batas" in sent.text
    assert "- Add-on Netflix" in sent.text
    assert sent.text.index("Paket Anda") < sent.text.index("produk terkait")


def test_checklist_follows_the_sop_from_the_event_log(session: Session) -> None:
    world, ticket, _ = _email_ticket(session)
    agent = actor(session, world.agent_a)  # type: ignore[attr-defined]
    steps = {s.key: s.done for s in sop.checklist(session, ticket)}
    assert steps == {"received": False, "recorded": True, "responded": False,
                     "coordinated": False, "escalated": False, "updated": False,
                     "cause_repair": False, "closing": False}
    actions.change_state(session, agent, ticket.id, "open", "dianalisa")
    actions.escalate(session, agent, ticket.id, "butuh koordinasi TL")
    steps = {s.key: s for s in sop.checklist(session, ticket)}
    assert steps["received"].done and steps["received"].by == "ayu"
    assert steps["escalated"].done and not steps["coordinated"].done


def test_work_level_routes_the_ticket_and_other_segment_needs_a_note(
        client: TestClient, session: Session) -> None:
    world, ticket, _ = _email_ticket(session)
    session.add(LevelRoute(level="level1", segment="", team_id=world.team_b.id))  # type: ignore[attr-defined]
    des_team = factories.team(session, world.site, name="Desk DES")  # type: ignore[attr-defined]
    session.add(Mailbox(name="des", address="care.des@sigap.test", segment="DES",
                        team_id=des_team.id))
    session.commit()
    agent = actor(session, world.agent_a)  # type: ignore[attr-defined]
    assert sop.current_level(session, ticket) == "level0"
    csrf = factories.login(client, world.agent_a.login_code)  # type: ignore[attr-defined]
    refused = client.post(f"/tickets/{ticket.id}/email/level",
                          data={"csrf_token": csrf, "level": "other_segment", "segment": "DES"},
                          follow_redirects=False)
    assert "email_error=" in refused.headers["location"]
    moved = client.post(f"/tickets/{ticket.id}/email/level",
                        data={"csrf_token": csrf, "level": "other_segment", "segment": "DES",
                              "note": "Pelanggan DES, mohon dilanjutkan."},
                        follow_redirects=False)
    assert moved.status_code == 303 and "email_error" not in moved.headers["location"]
    session.rollback()  # a fresh snapshot: the request committed after ours began
    fresh = session.get(Ticket, ticket.id)
    assert fresh is not None and fresh.team_id == des_team.id and fresh.owner_id is None
    assert sop.current_level(session, fresh) == "other_segment"
    sop.set_work_level(session, SYSTEM, ticket.id, "level1")
    assert session.get(Ticket, ticket.id).team_id == world.team_b.id  # type: ignore[union-attr,attr-defined]
    del agent


def test_admin_pages_for_mailboxes_quarantine_and_templates(client: TestClient,
                                                            session: Session) -> None:
    site = factories.site(session)
    admin = factories.staff(session, "admin", site=site)
    session.commit()
    csrf = factories.login(client, admin.login_code)
    assert 'href="/email/mailboxes"' in client.get("/desk", follow_redirects=True).text \
        or client.get("/email/mailboxes").status_code == 200
    created = client.post("/email/mailboxes", data={
        "csrf_token": csrf, "name": "dgs", "address": "care.dgs@sigap.test",
        "imap_host": "imap.sigap.test", "imap_port": "993", "imap_tls": "on",
        "imap_user": "care.dgs", "imap_auth": "password", "imap_secret": "rahasia-imap",
        "imap_folder": "INBOX", "smtp_port": "587", "smtp_security": "starttls",
        "segment": "DGS", "tier": "1", "work_level": "level0", "default_type": "gangguan",
        "max_attachment_bytes": "1000000", "ack_interval_minutes": "60", "active": "on"},
        follow_redirects=False)
    assert created.status_code == 303, created.text
    listing = client.get("/email/mailboxes")
    assert "care.dgs@sigap.test" in listing.text and "rahasia-imap" not in listing.text
    box = session.scalar(select(Mailbox).where(Mailbox.name == "dgs"))
    assert box is not None and box.imap_secret == "rahasia-imap"
    edit = client.get(f"/email/mailboxes?edit={box.id}")
    assert "rahasia-imap" not in edit.text and "tersimpan" in edit.text
    bad = client.post("/email/mailboxes", data={"csrf_token": csrf, "name": "X Y",
                                                "address": "x@y.id"})
    assert bad.status_code == 422 and "name" in bad.text
    inbox.ingest(session, box, b"\x00\x00not mail", source="api")
    session.commit()
    quarantine = client.get("/email/quarantine")
    assert "Tidak ada header email" in quarantine.text
    wrong = client.post("/email/templates", data={"csrf_token": csrf, "name": "Salah",
                                                  "kind": "reply", "body": "Halo {nama}"})
    assert wrong.status_code == 422 and "{nama}" in wrong.text
    good = client.post("/email/templates", data={"csrf_token": csrf, "name": "Update",
                                                 "kind": "periodic_update", "active": "on",
                                                 "body": "{salam}, tiket {nomor_tiket} ..."},
                       follow_redirects=False)
    assert good.status_code == 303
    assert "Update" in client.get("/email/templates").text
