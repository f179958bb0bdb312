"""Taking in one mail: store it, drop the noise, thread it to its ticket or open one (D12).

Whatever path a mail takes (IMAP worker, MTA pipe), `ingest` is the only way in, so every
mail is parsed, deduplicated and threaded the same way. It only flushes: the caller's
transaction commits, and only after that commit may the mail be acknowledged (202, or the
IMAP flag/move).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from sigap.auth.actor import SYSTEM
from sigap.channels.email.models import (
    AckLog,
    EmailAttachment,
    EmailMessage,
    EmailReference,
    Mailbox,
    MailState,
    QuarantinedEmail,
    ReplyTemplate,
    TemplateKind,
)
from sigap.channels.email.noise import noise_reason
from sigap.channels.email.parser import ParsedEmail, UnparseableEmail, parse
from sigap.core.clock import utcnow
from sigap.customers import service as customer_service
from sigap.customers.models import ContactKind, Customer, CustomerContact, CustomerService
from sigap.tickets import actions as ticket_actions
from sigap.tickets import service as ticket_service
from sigap.tickets.interaction import create_interaction
from sigap.tickets.models import PendingReason, Ticket, TicketState
from sigap.tickets.schemas import InteractionCreate, TicketCreate

# "[#T-2026-000123]" in a subject, as our outgoing mail writes it.
TICKET_TAG = re.compile(r"\[#(T-\d{4}-\d{6})\]")
_NO_SUBJECT = "(tanpa subjek)"


@dataclass(frozen=True)
class Ingested:
    state: str  # a MailState, or "quarantined"
    email_id: int | None
    ticket_id: int | None
    created: bool  # False when the mail was already stored (a repeat delivery)
    reason: str = ""


def message_key(mail: ParsedEmail | None, raw: bytes) -> str:
    if mail is not None and mail.message_id:
        return mail.message_id[:300]
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def own_addresses(session: Session) -> set[str]:
    return {a.lower() for a in session.scalars(select(Mailbox.address))}


def quarantine(session: Session, mailbox: Mailbox, raw: bytes, reason: str, source: str,
                uidvalidity: int | None, uid: int | None) -> Ingested:
    digest = hashlib.sha256(raw).hexdigest()
    found = session.scalar(select(QuarantinedEmail.id).where(
        QuarantinedEmail.mailbox_id == mailbox.id, QuarantinedEmail.digest == digest))
    if found is not None:
        return Ingested("quarantined", None, None, False, reason)
    session.add(QuarantinedEmail(mailbox_id=mailbox.id, source=source, uidvalidity=uidvalidity,
                                 uid=uid, digest=digest, raw=raw, reason=reason))
    session.flush()
    return Ingested("quarantined", None, None, True, reason)


def _ticket_of_messages(session: Session, ids: Iterable[str]) -> int | None:
    wanted = [i for i in ids if i]
    if not wanted:
        return None
    rows = session.execute(
        select(EmailMessage.message_id, EmailMessage.ticket_id)
        .where(EmailMessage.message_id.in_(wanted), EmailMessage.ticket_id.is_not(None))
    ).all()
    by_id = {r[0]: r[1] for r in rows}
    for i in wanted:  # the order given is the order of preference
        if i in by_id:
            return int(by_id[i] or 0)
    return None


def find_thread(session: Session, mail: ParsedEmail) -> int | None:
    """The ticket this mail continues: In-Reply-To, then References (nearest first), then
    the ticket tag in the subject, then mail stored earlier that points at the same
    messages (a reply fetched before its parent)."""
    ticket_id = _ticket_of_messages(session, [mail.in_reply_to or ""])
    if ticket_id is None:
        ticket_id = _ticket_of_messages(session, reversed(mail.references))
    if ticket_id is None:
        tag = TICKET_TAG.search(mail.subject)
        if tag:
            ticket_id = session.scalar(select(Ticket.id).where(Ticket.number == tag.group(1)))
    # Out of order: a reply of this mail (it points at our Message-ID), or a sibling that
    # points at the same parent, came first and already has the ticket.
    targets = [t for t in (mail.message_id, mail.in_reply_to, *mail.references) if t]
    if ticket_id is None and targets:
        ticket_id = session.scalar(
            select(EmailMessage.ticket_id)
            .join(EmailReference, EmailReference.message_id == EmailMessage.id)
            .where(EmailReference.target.in_(targets), EmailMessage.ticket_id.is_not(None))
            .order_by(EmailMessage.id).limit(1)
        )
    return _live_ticket(session, ticket_id)


def _live_ticket(session: Session, ticket_id: int | None) -> int | None:
    """Follow merges to the ticket that absorbed this one."""
    seen: set[int] = set()
    while ticket_id is not None and ticket_id not in seen:
        seen.add(ticket_id)
        merged = session.scalar(select(Ticket.merged_into_id).where(Ticket.id == ticket_id))
        if merged is None:
            return ticket_id
        ticket_id = merged
    return ticket_id


def match_customer(session: Session, mailbox: Mailbox, mail: ParsedEmail) -> int:
    """The customer owning the sender's address; an unknown sender becomes a new
    customer with that address as its contact, in the mailbox's segment."""
    address = mail.from_address
    found = session.scalar(
        select(CustomerContact.customer_id)
        .where(CustomerContact.kind == ContactKind.email, CustomerContact.value == address)
        .order_by(CustomerContact.customer_id).limit(1)
    )
    if found is not None:
        return int(found)
    external = "EML-" + hashlib.sha1(address.encode()).hexdigest()[:12].upper()
    existing = session.scalar(select(Customer.id).where(Customer.external_id == external))
    if existing is not None:
        return int(existing)
    customer = customer_service.create_customer(
        session, SYSTEM, external_id=external, name=(mail.from_name or address)[:200],
        segment=mailbox.segment or "consumer",
        notes="Dibuat otomatis dari email masuk.",
        contacts=[customer_service.NewContact(kind=ContactKind.email, value=address,
                                              label="email")],
    )
    return customer.id


def mentioned_service(session: Session, customer_id: int, mail: ParsedEmail) -> int | None:
    """The customer's service this mail is about: a service id written in the subject or
    body, else the only service the customer has."""
    services = session.execute(
        select(CustomerService.id, CustomerService.service_id)
        .where(CustomerService.customer_id == customer_id, CustomerService.active.is_(True))
    ).all()
    haystack = f"{mail.subject}\n{mail.text}"
    for sid, number in services:
        if number and number in haystack:
            return int(sid)
    return int(services[0][0]) if len(services) == 1 else None


def _store(session: Session, mailbox: Mailbox, mail: ParsedEmail, raw: bytes, key: str,
           state: str, *, uidvalidity: int | None, uid: int | None, reason: str = "",
           customer_id: int | None = None, ticket_id: int | None = None,
           interaction_id: int | None = None, repeat_of: int | None = None) -> EmailMessage:
    row = EmailMessage(
        mailbox_id=mailbox.id, direction="inbound", message_key=key,
        message_id=mail.message_id[:300] if mail.message_id else None,
        in_reply_to=(mail.in_reply_to or "")[:300] or None, references=list(mail.references),
        uidvalidity=uidvalidity, uid=uid, subject=mail.subject[:500],
        from_address=mail.from_address[:200], from_name=mail.from_name[:200],
        to=list(mail.to), cc=list(mail.cc), sent_at=mail.date, received_at=utcnow(),
        text=mail.text, html=mail.html, raw=raw, defects=list(mail.defects), state=state,
        noise_reason=reason, customer_id=customer_id, ticket_id=ticket_id,
        interaction_id=interaction_id, possible_repeat_of=repeat_of,
    )
    session.add(row)
    session.flush()
    targets = dict.fromkeys(t[:300] for t in (mail.in_reply_to, *mail.references) if t)
    if targets:
        session.add_all(EmailReference(message_id=row.id, target=t) for t in targets)
    limit = mailbox.max_attachment_bytes
    for part in mail.attachments:
        size = len(part.data)
        over = limit > 0 and size > limit
        session.add(EmailAttachment(
            message_id=row.id, filename=part.filename[:300], content_type=part.content_type[:200],
            content_id=(part.content_id or "")[:300] or None, inline=part.inline, size=size,
            data=None if over else part.data,
            note=(f"Melebihi batas {limit:,} byte: disisihkan, tetap utuh di pesan asli."
                  if over else ""),
        ))
    return row


def _interaction(session: Session, mail: ParsedEmail, key: str, mailbox: Mailbox,
                 customer_id: int, ticket_id: int | None) -> int:
    item, _ = create_interaction(session, SYSTEM, InteractionCreate(
        channel="email", direction="inbound", customer_id=customer_id, ticket_id=ticket_id,
        arrived_at=utcnow(), from_address=mail.from_address[:200],
        to_address=mailbox.address[:200], subject=mail.subject[:300],
        body=mail.text[:20000], provider_id=key[:250],
    ))
    return item.id


def _continue_ticket(session: Session, ticket_id: int, mail: ParsedEmail) -> None:
    """A customer's answer ends a wait on the customer and reopens a resolved case."""
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        return
    why = "Balasan pelanggan masuk via email."
    waiting = (ticket.state == TicketState.pending
               and ticket.pending_reason == PendingReason.customer)
    if waiting or ticket.state == TicketState.resolved:
        ticket_actions.change_state(session, SYSTEM, ticket_id, TicketState.open, why)
    ticket.updated_at = utcnow()


def ingest(session: Session, mailbox: Mailbox, raw: bytes, *, source: str = "imap",
           uidvalidity: int | None = None, uid: int | None = None,
           own: set[str] | None = None) -> Ingested:
    """Store one raw mail and give it its place: quarantine, noise, a ticket."""
    try:
        mail = parse(raw)
    except UnparseableEmail as exc:
        return quarantine(session, mailbox, raw, exc.reason, source, uidvalidity, uid)
    key = message_key(mail, raw)
    existing = session.execute(
        select(EmailMessage.id, EmailMessage.ticket_id).where(EmailMessage.message_key == key)
    ).first()
    if existing is not None:
        return Ingested(MailState.duplicate, existing[0], existing[1], False)
    reason = noise_reason(mail, own if own is not None else own_addresses(session))
    if reason is not None:
        row = _store(session, mailbox, mail, raw, key, MailState.noise, uidvalidity=uidvalidity,
                     uid=uid, reason=reason)
        return Ingested(MailState.noise, row.id, None, True, reason)
    ticket_id = find_thread(session, mail)
    if ticket_id is not None:
        customer_id = int(session.scalar(select(Ticket.customer_id)
                                         .where(Ticket.id == ticket_id)) or 0)
        state = session.scalar(select(Ticket.state).where(Ticket.id == ticket_id))
        if state == TicketState.closed:
            ticket_id = None  # a closed case is not reopened by mail: a new one follows it
    if ticket_id is not None:
        interaction_id = _interaction(session, mail, key, mailbox, customer_id, ticket_id)
        _continue_ticket(session, ticket_id, mail)
        row = _store(session, mailbox, mail, raw, key, MailState.threaded,
                     uidvalidity=uidvalidity, uid=uid, customer_id=customer_id,
                     ticket_id=ticket_id, interaction_id=interaction_id)
        return Ingested(MailState.threaded, row.id, ticket_id, True)
    return _open_ticket(session, mailbox, mail, raw, key, uidvalidity, uid)


def _open_ticket(session: Session, mailbox: Mailbox, mail: ParsedEmail, raw: bytes, key: str,
                 uidvalidity: int | None, uid: int | None) -> Ingested:
    customer_id = match_customer(session, mailbox, mail)
    service_id = mentioned_service(session, customer_id, mail)
    repeats = ticket_service.open_tickets_on_service(session, SYSTEM, customer_id, service_id)
    repeat_of = repeats[0].id if repeats else None
    interaction_id = _interaction(session, mail, key, mailbox, customer_id, None)
    ticket = ticket_service.create_ticket(session, SYSTEM, TicketCreate(
        customer_id=customer_id, type=mailbox.default_type,
        subject=(mail.subject.strip() or _NO_SUBJECT)[:200], description=mail.text[:20000],
        service_id=service_id, channel="email", tier=mailbox.tier,
        team_id=mailbox.team_id, interaction_id=interaction_id,
    ))
    if repeat_of is not None:
        number = repeats[0].number
        ticket_service.add_event(
            session, ticket, SYSTEM, "note",
            f"Kemungkinan pengulangan dari tiket {number} (layanan yang sama masih terbuka). "
            "Gabungkan ke tiket lama atau biarkan sebagai tiket baru.",
            data={"possible_repeat_of": repeat_of},
        )
    row = _store(session, mailbox, mail, raw, key, MailState.new_ticket, uidvalidity=uidvalidity,
                 uid=uid, customer_id=customer_id, ticket_id=ticket.id,
                 interaction_id=interaction_id, repeat_of=repeat_of)
    if mailbox.auto_acknowledge:
        acknowledge(session, mailbox, ticket.id, mail.from_address)
    return Ingested(MailState.new_ticket, row.id, ticket.id, True)


ACK_BODY = ("Terima kasih, email Anda sudah kami terima dan dicatat dengan nomor tiket "
            "{nomor_tiket}. Petugas kami akan segera menindaklanjutinya. Mohon sertakan nomor "
            "tiket tersebut bila membalas email ini.")


def acknowledge(session: Session, mailbox: Mailbox, ticket_id: int, address: str) -> bool:
    """An automatic acknowledgement, at most one per sender per the mailbox's interval
    (a sender writing ten times in a minute gets one answer, and two autoresponders
    cannot keep each other busy)."""
    from sigap.channels.email import reply

    now = utcnow()
    last = session.get(AckLog, address)
    interval = dt.timedelta(minutes=mailbox.ack_interval_minutes)
    if last is not None and last.sent_at > now - interval:
        return False
    if last is None:
        session.add(AckLog(address=address, sent_at=now))
    else:
        last.sent_at = now
    template = session.scalar(
        select(ReplyTemplate).where(ReplyTemplate.kind == TemplateKind.acknowledgement,
                                    ReplyTemplate.active.is_(True))
        .order_by(ReplyTemplate.id).limit(1))
    ticket = session.get(Ticket, ticket_id)
    body = ACK_BODY
    if template is not None:
        body = template.body
    if ticket is not None:
        body = reply.render(body, reply.variables(session, ticket, SYSTEM, now))
    reply.queue_reply(session, SYSTEM, ticket_id, body, template=template,
                      kind=TemplateKind.acknowledgement, automatic=True)
    return True


def extract_attachment(raw: bytes, filename: str, size: int) -> bytes:
    """The bytes of an attachment kept aside (over the size limit) from the stored mail."""
    for part in parse(raw).attachments:
        if part.filename == filename and len(part.data) == size:
            return part.data
    raise LookupError(f"{filename} is not in the stored message")
