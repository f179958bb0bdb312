"""Taking mail in: storing, dedupe, noise, customers, threading in and out of order (D12)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sigap.auth.actor import SYSTEM
from sigap.auth.models import AuditLog
from sigap.channels.email import inbox
from sigap.channels.email.models import (
    EmailAttachment,
    EmailMessage,
    MailState,
    QuarantinedEmail,
)
from sigap.customers.models import Customer, CustomerContact
from sigap.tickets import actions
from sigap.tickets.models import Interaction, Ticket, TicketEvent, TicketState
from tests import factories
from tests.channels.email.helpers import mail, mailbox


def _tickets(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Ticket)) or 0)


def test_new_mail_opens_a_ticket_for_a_known_customer(session: Session) -> None:
    customer = factories.customer(session, email="Budi@Pelanggan.co.id")
    box = mailbox(session)
    raw, msgid = mail()
    outcome = inbox.ingest(session, box, raw)
    session.commit()
    assert outcome.state == MailState.new_ticket and outcome.created
    ticket = session.get(Ticket, outcome.ticket_id)
    assert ticket is not None
    assert ticket.customer_id == customer.id and ticket.channel == "email"
    assert ticket.subject == "Internet mati" and "mati sejak kemarin" in ticket.description
    stored = session.get(EmailMessage, outcome.email_id)
    assert stored is not None and stored.raw == raw and stored.message_id == msgid
    # The only service of the customer is the one the mail is about.
    assert ticket.service_id is not None
    link = session.scalar(select(Interaction).where(Interaction.ticket_id == ticket.id))
    assert link is not None and link.channel == "email" and link.provider_id == msgid


def test_the_same_mail_twice_is_stored_once(session: Session) -> None:
    box = mailbox(session)
    raw, _ = mail()
    first = inbox.ingest(session, box, raw)
    again = inbox.ingest(session, box, raw)
    assert again.state == MailState.duplicate and not again.created
    assert again.ticket_id == first.ticket_id
    assert session.scalar(select(func.count()).select_from(EmailMessage)) == 1
    assert _tickets(session) == 1


def test_mail_without_message_id_is_deduplicated_by_its_bytes(session: Session) -> None:
    box = mailbox(session)
    raw, msgid = mail()
    raw = raw.replace(f"Message-ID: {msgid}\r\n".encode(), b"")
    assert b"Message-ID" not in raw
    inbox.ingest(session, box, raw)
    assert inbox.ingest(session, box, raw).state == MailState.duplicate
    assert _tickets(session) == 1


def test_unknown_sender_becomes_a_new_customer_with_that_contact(session: Session) -> None:
    box = mailbox(session)
    outcome = inbox.ingest(session, box, mail(sender="Sari@Baru.id", name="Sari Dewi")[0])
    ticket = session.get(Ticket, outcome.ticket_id)
    assert ticket is not None
    customer = session.get(Customer, ticket.customer_id)
    assert customer is not None and customer.name == "Sari Dewi" and customer.segment == "DBS"
    contact = session.scalar(select(CustomerContact).where(
        CustomerContact.customer_id == customer.id))
    assert contact is not None and (contact.kind, contact.value) == ("email", "sari@baru.id")
    # A second mail from the same sender finds that customer again.
    second = inbox.ingest(session, box, mail(sender="sari@baru.id", subject="Lain hal")[0])
    other = session.get(Ticket, second.ticket_id)
    assert other is not None and other.customer_id == customer.id


def test_reply_joins_by_in_reply_to_references_and_subject_tag(session: Session) -> None:
    box = mailbox(session)
    raw, parent = mail()
    first = inbox.ingest(session, box, raw)
    ticket = session.get(Ticket, first.ticket_id)
    assert ticket is not None
    by_header = inbox.ingest(session, box, mail(subject="Re: Internet mati",
                                                in_reply_to=parent)[0])
    by_refs = inbox.ingest(session, box, mail(subject="Re: Internet mati",
                                              references=["<x@y>", parent])[0])
    by_tag = inbox.ingest(session, box, mail(subject=f"Masih mati [#{ticket.number}]")[0])
    for outcome in (by_header, by_refs, by_tag):
        assert outcome.state == MailState.threaded and outcome.ticket_id == ticket.id
    assert _tickets(session) == 1
    linked = session.scalar(select(func.count()).select_from(Interaction)
                            .where(Interaction.ticket_id == ticket.id))
    assert linked == 4


def test_reply_fetched_before_its_parent_lands_on_one_ticket(session: Session) -> None:
    box = mailbox(session)
    parent_raw, parent = mail(subject="Gangguan datin")
    reply_raw, reply_id = mail(subject="Re: Gangguan datin", in_reply_to=parent,
                               references=[parent])
    second_raw, _ = mail(subject="Re: Gangguan datin", in_reply_to=reply_id,
                         references=[parent, reply_id])
    sibling_raw, _ = mail(subject="Re: Gangguan datin (tambahan)", in_reply_to=parent,
                          references=[parent])
    outcomes = [inbox.ingest(session, box, raw)
                for raw in (second_raw, sibling_raw, reply_raw, parent_raw)]
    assert {o.ticket_id for o in outcomes} == {outcomes[0].ticket_id}
    assert _tickets(session) == 1


def test_customer_reply_ends_a_wait_on_the_customer(session: Session) -> None:
    box = mailbox(session)
    raw, parent = mail()
    first = inbox.ingest(session, box, raw)
    assert first.ticket_id is not None
    actions.change_state(session, SYSTEM, first.ticket_id, TicketState.open, "dianalisa")
    actions.change_state(session, SYSTEM, first.ticket_id, TicketState.pending,
                         "menunggu data pelanggan", "customer")
    inbox.ingest(session, box, mail(in_reply_to=parent, body="Ini datanya.")[0])
    ticket = session.get(Ticket, first.ticket_id)
    assert ticket is not None and ticket.state == TicketState.open


def test_reply_to_a_closed_ticket_opens_a_new_one(session: Session) -> None:
    box = mailbox(session)
    raw, parent = mail()
    first = inbox.ingest(session, box, raw)
    ticket = session.get(Ticket, first.ticket_id)
    assert ticket is not None
    ticket.state = TicketState.closed
    session.flush()
    later = inbox.ingest(session, box, mail(in_reply_to=parent, body="Mati lagi.")[0])
    assert later.state == MailState.new_ticket and later.ticket_id != ticket.id


def test_possible_repeat_on_the_same_service_is_flagged(session: Session) -> None:
    customer = factories.customer(session, email="budi@pelanggan.co.id",
                                  service_id="4012345678")
    box = mailbox(session)
    first = inbox.ingest(session, box, mail(subject="Link 4012345678 down")[0])
    second = inbox.ingest(session, box, mail(subject="Layanan 4012345678 masih down")[0])
    assert second.state == MailState.new_ticket and second.ticket_id != first.ticket_id
    stored = session.get(EmailMessage, second.email_id)
    assert stored is not None and stored.possible_repeat_of == first.ticket_id
    note = session.scalar(select(TicketEvent).where(TicketEvent.ticket_id == second.ticket_id,
                                                    TicketEvent.kind == "note"))
    assert note is not None and "Kemungkinan pengulangan" in note.body
    assert session.get(Ticket, second.ticket_id).customer_id == customer.id  # type: ignore[union-attr]


def test_noise_is_stored_without_ticket(session: Session) -> None:
    box = mailbox(session)
    cases = {
        "auto-submitted": {"Auto-Submitted": "auto-replied"},
        "precedence": {"Precedence": "bulk"},
        "list": {"List-Id": "<promo.list.example>"},
        "auto-response-suppress": {"X-Auto-Response-Suppress": "All"},
    }
    for reason, headers in cases.items():
        outcome = inbox.ingest(session, box, mail(headers=headers)[0])
        assert (outcome.state, outcome.reason, outcome.ticket_id) == (MailState.noise, reason,
                                                                      None)
    own = inbox.ingest(session, box, mail(sender="care.dbs@sigap.test")[0])
    assert own.state == MailState.noise and own.reason == "own-address"
    assert _tickets(session) == 0


def test_garbage_goes_to_quarantine_and_does_not_block_the_next_mail(session: Session) -> None:
    box = mailbox(session)
    garbage = b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + bytes(range(256)) * 4
    outcome = inbox.ingest(session, box, garbage, source="api")
    assert outcome.state == "quarantined" and outcome.reason
    assert inbox.ingest(session, box, garbage).created is False  # kept once
    item = session.scalar(select(QuarantinedEmail))
    assert item is not None and item.raw == garbage and item.reason == outcome.reason
    assert inbox.ingest(session, box, mail()[0]).state == MailState.new_ticket


def test_attachment_over_the_limit_is_kept_aside_not_dropped(session: Session) -> None:
    box = mailbox(session, max_attachment_bytes=1000)
    small = b"\x89PNG\r\n\x1a\n" + b"x" * 100
    big = bytes(range(256)) * 20
    raw, _ = mail(attachments=[("foto.png", "image/png", small),
                               ("Tagihan Juni.xlsx", "application/vnd.openxmlformats-"
                                "officedocument.spreadsheetml.sheet", big)])
    outcome = inbox.ingest(session, box, raw)
    rows = {a.filename: a for a in session.scalars(
        select(EmailAttachment).where(EmailAttachment.message_id == outcome.email_id))}
    assert rows["foto.png"].data == small and rows["foto.png"].note == ""
    aside = rows["Tagihan Juni.xlsx"]
    assert aside.data is None and aside.size == len(big) and "disisihkan" in aside.note
    assert inbox.extract_attachment(raw, aside.filename, aside.size) == big


def test_automatic_acknowledgement_once_per_sender_and_never_to_robots(session: Session) -> None:
    box = mailbox(session, auto_acknowledge=True, ack_interval_minutes=60)
    first = inbox.ingest(session, box, mail(subject="Satu")[0])
    inbox.ingest(session, box, mail(subject="Dua")[0])  # same sender, within the hour
    inbox.ingest(session, box, mail(sender="lain@contoh.id", subject="Tiga")[0])
    inbox.ingest(session, box, mail(sender="robot@contoh.id",
                                    headers={"Auto-Submitted": "auto-replied"})[0])
    acks = list(session.scalars(select(EmailMessage).where(EmailMessage.direction == "outbound")
                                .order_by(EmailMessage.id)))
    assert [a.to for a in acks] == [["budi@pelanggan.co.id"], ["lain@contoh.id"]]
    ack = acks[0]
    assert ack.ticket_id == first.ticket_id and ack.template_kind == "acknowledgement"
    assert b"Auto-Submitted: auto-replied" in ack.raw
    ticket = session.get(Ticket, first.ticket_id)
    assert ticket is not None and ticket.number in ack.text
    assert ticket.first_response_at is None  # a robot's answer is not the agent's response
    # The acknowledgement itself, coming back to us, is our own mail: noise.
    echo = inbox.ingest(session, box, ack.raw)
    assert echo.state in (MailState.duplicate, MailState.noise)


def test_a_shuffled_batch_threads_like_one_by_one(session: Session) -> None:
    import random

    box = mailbox(session)
    raws: list[bytes] = []
    roots: list[str] = []
    for c in range(6):
        raw, root = mail(sender=f"p{c}@contoh.id", subject=f"Gangguan {c}")
        raws.append(raw)
        roots.append(root)
        parent = root
        chain = [root]
        for r in range(c % 3):
            reply_raw, reply_id = mail(sender=f"p{c}@contoh.id", subject=f"Re: Gangguan {c}",
                                       in_reply_to=None if r == 1 else parent,
                                       references=list(chain))
            raws.append(reply_raw)
            chain.append(reply_id)
            parent = reply_id
    garbage = b"\x00\x01 bukan email"
    raws += [garbage, garbage, raws[0]]  # in-batch repeats: quarantined once, stored once
    random.Random(3).shuffle(raws)
    outcomes = inbox.ingest_batch(session, box, [(r, None) for r in raws])
    assert len(outcomes) == len(raws)
    assert sum(o.state == "quarantined" and o.created for o in outcomes) == 1
    assert sum(o.state == MailState.duplicate for o in outcomes) == 1
    assert _tickets(session) == 6
    for root in roots:
        ticket_id = session.scalar(select(EmailMessage.ticket_id)
                                   .where(EmailMessage.message_id == root))
        members = session.scalars(select(EmailMessage.ticket_id)
                                  .where(EmailMessage.from_address == session.scalar(
                                      select(EmailMessage.from_address)
                                      .where(EmailMessage.message_id == root)))).all()
        assert set(members) == {ticket_id}
    # The same batch again changes nothing.
    again = inbox.ingest_batch(session, box, [(r, None) for r in raws])
    assert all(not o.created for o in again) and _tickets(session) == 6
    audited = session.scalar(select(func.count()).select_from(AuditLog)
                             .where(AuditLog.action == "tickets.create"))
    assert audited == 6


def test_two_new_mails_on_one_service_in_a_batch_flag_the_second(session: Session) -> None:
    factories.customer(session, email="budi@pelanggan.co.id", service_id="4012345678")
    box = mailbox(session)
    first, second = (mail(subject=f"Link 4012345678 mati ({n})")[0] for n in (1, 2))
    outcomes = inbox.ingest_batch(session, box, [(first, None), (second, None)])
    assert [o.state for o in outcomes] == [MailState.new_ticket, MailState.new_ticket]
    row = session.scalar(select(EmailMessage).where(EmailMessage.id == outcomes[1].email_id))
    assert row is not None and row.possible_repeat_of == outcomes[0].ticket_id
