"""Answering by email: templates with variables, the courtesy opening (SOP 5.1), related
products with information answers (SOP 5.5), threading headers and the outbox row."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import string
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage as MimeMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr, make_msgid

from sqlalchemy import select
from sqlalchemy.orm import Session

from sigap.auth.actor import Actor
from sigap.channels.email.models import (
    EmailAttachment,
    EmailMessage,
    Mailbox,
    MailState,
    RelatedProduct,
    ReplyTemplate,
    SendState,
)
from sigap.core.clock import utcnow
from sigap.core.errors import InvalidInput, NotFound
from sigap.core.timezones import DEFAULT_ZONE, to_local
from sigap.customers.contacts import normalise_email
from sigap.customers.models import ContactKind, Customer, CustomerContact, CustomerService
from sigap.tickets import service as ticket_service
from sigap.tickets.models import EventKind, Ticket, TicketType

VARIABLES: dict[str, str] = {
    "salam": "Selamat pagi/siang/sore/malam, menurut jam setempat",
    "nama_pelanggan": "nama pelanggan",
    "nomor_tiket": "nomor tiket, mis. T-2026-000123",
    "subjek": "subjek tiket",
    "produk": "produk layanan",
    "nomor_layanan": "nomor layanan",
    "agen": "nama online agen",
    "produk_terkait": "daftar produk terkait (SOP 5.5)",
}


@dataclass(frozen=True)
class NewAttachment:
    filename: str
    content_type: str
    data: bytes


def check_template(text: str, field: str) -> None:
    """Refuse unknown or malformed {variables} with the name of the bad one."""
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
    except ValueError as exc:
        raise InvalidInput(f"Format templat salah: {exc}. Tulis {{{{ untuk kurung kurawal.",
                           field=field) from None
    for name in names:
        if name not in VARIABLES:
            known = ", ".join("{" + v + "}" for v in VARIABLES)
            raise InvalidInput(f"Variabel {{{name}}} tidak dikenal. Yang tersedia: {known}.",
                               field=field)


def salutation(at: dt.datetime, zone: str = DEFAULT_ZONE) -> str:
    hour = to_local(at, zone).hour
    if 4 <= hour < 11:
        return "Selamat pagi"
    if 11 <= hour < 15:
        return "Selamat siang"
    if 15 <= hour < 18:
        return "Selamat sore"
    return "Selamat malam"


def related_block(session: Session, product: str) -> str:
    rows = list(session.scalars(select(RelatedProduct).where(RelatedProduct.product == product)
                                .order_by(RelatedProduct.related)))
    if not rows:
        return ""
    lines = [f"- {r.related}" + (f": {r.pitch}" if r.pitch else "") for r in rows]
    return "Informasi produk terkait yang mungkin bermanfaat:\n" + "\n".join(lines)


def variables(session: Session, ticket: Ticket, actor: Actor,
              at: dt.datetime | None = None) -> dict[str, str]:
    customer = session.get(Customer, ticket.customer_id)
    service = session.get(CustomerService, ticket.service_id) if ticket.service_id else None
    return {
        "salam": salutation(at or utcnow(), actor.timezone),
        "nama_pelanggan": customer.name if customer else "Pelanggan",
        "nomor_tiket": ticket.number,
        "subjek": ticket.subject,
        "produk": ticket.product or (service.product if service else ""),
        "nomor_layanan": service.service_id if service else "",
        "agen": actor.name if not actor.is_system else "Tim Layanan",
        "produk_terkait": related_block(session, ticket.product) if ticket.product else "",
    }


def render(text: str, values: dict[str, str]) -> str:
    check_template(text, "body")
    return text.format_map(values)


def mailbox_of(session: Session, ticket: Ticket) -> Mailbox:
    """The mailbox the customer wrote to, else the one feeding the ticket's team."""
    mailbox_id = session.scalar(
        select(EmailMessage.mailbox_id).where(EmailMessage.ticket_id == ticket.id)
        .order_by(EmailMessage.id.desc()).limit(1))
    if mailbox_id is None and ticket.team_id is not None:
        mailbox_id = session.scalar(select(Mailbox.id).where(Mailbox.team_id == ticket.team_id,
                                                             Mailbox.active.is_(True)).limit(1))
    if mailbox_id is None:
        mailbox_id = session.scalar(select(Mailbox.id).where(Mailbox.active.is_(True))
                                    .order_by(Mailbox.id).limit(1))
    mailbox = session.get(Mailbox, mailbox_id) if mailbox_id is not None else None
    if mailbox is None:
        raise InvalidInput("Belum ada kotak surat email untuk mengirim balasan.", field="ticket")
    return mailbox


def _last_inbound(session: Session, ticket_id: int) -> EmailMessage | None:
    return session.scalar(
        select(EmailMessage).where(EmailMessage.ticket_id == ticket_id,
                                   EmailMessage.direction == "inbound")
        .order_by(EmailMessage.id.desc()).limit(1))


def _recipient(session: Session, ticket: Ticket, parent: EmailMessage | None) -> str:
    if parent is not None and parent.from_address:
        return parent.from_address
    address = session.scalar(
        select(CustomerContact.value).where(CustomerContact.customer_id == ticket.customer_id,
                                            CustomerContact.kind == ContactKind.email)
        .order_by(CustomerContact.id).limit(1))
    if not address:
        raise InvalidInput("Pelanggan ini tidak punya alamat email.", field="to")
    return str(address)


def subject_for(ticket: Ticket, parent: EmailMessage | None, subject: str | None) -> str:
    base = (subject or "").strip()
    if not base:
        original = parent.subject if parent is not None else ticket.subject
        base = original if original.lower().startswith(("re:", "bls:")) else f"Re: {original}"
    tag = f"[#{ticket.number}]"
    return base if tag in base else f"{base} {tag}"


def _full_body(session: Session, mailbox: Mailbox, ticket: Ticket, body: str,
               values: dict[str, str]) -> str:
    greeting = mailbox.greeting.format_map(values).strip() if mailbox.greeting else ""
    text = body.strip()
    if greeting and not text.startswith(greeting):
        text = f"{greeting}\n\n{text}"
    if ticket.type == TicketType.informasi and ticket.product:
        block = related_block(session, ticket.product)
        if block and block not in text:
            text = f"{text}\n\n{block}"
    signature = mailbox.signature.format_map(values).strip() if mailbox.signature else ""
    if signature and signature not in text:
        text = f"{text}\n\n{signature}"
    return text + "\n"


def decode_attachment(filename: str, content_type: str, content_base64: str,
                      index: int) -> NewAttachment:
    try:
        data = base64.b64decode(content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput("Isi lampiran bukan base64 yang sah.",
                           field=f"attachments.{index}.content_base64") from None
    if "/" not in content_type:
        raise InvalidInput("Jenis lampiran harus berbentuk tipe/subtipe.",
                           field=f"attachments.{index}.content_type")
    return NewAttachment(filename.strip() or f"lampiran-{index + 1}", content_type, data)


def queue_reply(session: Session, actor: Actor, ticket_id: int, body: str, *,
                subject: str | None = None, cc: Sequence[str] = (),
                template: ReplyTemplate | None = None, kind: str = "reply",
                attachments: Sequence[NewAttachment] = (),
                forward_attachment_ids: Sequence[int] = (),
                automatic: bool = False) -> EmailMessage:
    """Write the answer into the outbox; the worker sends it (outbox.py). An automatic
    acknowledgement is not the agent's response (SOP 5.2), so it stamps nothing."""
    ticket = ticket_service.get_ticket(session, actor, ticket_id, "tickets.write")
    if ticket.merged_into_id is not None:
        raise InvalidInput("Tiket ini sudah digabung ke tiket lain.", field="ticket")
    if not body.strip():
        raise InvalidInput("Isi balasan wajib diisi.", field="body")
    parent = _last_inbound(session, ticket.id)
    mailbox = mailbox_of(session, ticket)
    now = utcnow()
    values = variables(session, ticket, actor, now)
    if template is not None:
        kind = template.kind
        subject = subject or (render(template.subject, values) if template.subject else None)
    copies = [normalise_email(c, f"cc.{i}") for i, c in enumerate(cc) if c.strip()]
    to = _recipient(session, ticket, parent)
    mime = MimeMessage(policy=SMTP)
    mime["From"] = formataddr((mailbox.display_name, mailbox.address))
    mime["To"] = to
    if copies:
        mime["Cc"] = ", ".join(copies)
    mime["Subject"] = subject_for(ticket, parent, subject)
    mime["Date"] = format_datetime(now)
    domain = mailbox.address.rsplit("@", 1)[-1]
    msgid = make_msgid(idstring=ticket.number, domain=domain)
    mime["Message-ID"] = msgid
    references: list[str] = []
    if parent is not None and parent.message_id:
        references = [*parent.references, parent.message_id][-20:]
        mime["In-Reply-To"] = parent.message_id
        mime["References"] = " ".join(references)
    # RFC 3834: an automatic answer says so, and asks other robots not to answer it.
    mime["Auto-Submitted"] = "auto-replied" if automatic else "no"
    if automatic:
        mime["X-Auto-Response-Suppress"] = "All"
    mime["X-Sigap-Ticket"] = ticket.number
    text = _full_body(session, mailbox, ticket, body, values)
    mime.set_content(text)
    for part in _forwarded(session, ticket.id, forward_attachment_ids):
        _attach(mime, part)
    for part in attachments:
        _attach(mime, part)
    raw = mime.as_bytes()
    row = EmailMessage(
        mailbox_id=mailbox.id, direction="outbound", message_key=msgid, message_id=msgid,
        in_reply_to=parent.message_id if parent else None, references=references,
        subject=str(mime["Subject"])[:500], from_address=mailbox.address,
        from_name=mailbox.display_name, to=[to], cc=copies, sent_at=now, received_at=now,
        text=text, raw=raw, state=MailState.outbound,
        customer_id=ticket.customer_id, ticket_id=ticket.id, author_id=actor.staff_id,
        template_kind=kind, send_state=SendState.queued, next_attempt_at=now,
    )
    session.add(row)
    session.flush()
    if automatic:
        ticket_service.add_event(session, ticket, actor, EventKind.note,
                                 f"Tanda terima otomatis ke {to}.",
                                 data={"email_id": row.id, "email_kind": kind})
        return row
    # The first answer to the customer is the response-time stamp (SOP 5.2).
    if ticket.first_response_at is None:
        ticket.first_response_at = now
    ticket.updated_at = now
    ticket_service.add_event(session, ticket, actor, EventKind.customer_update,
                             f"Email ke {to}: {row.subject}",
                             data={"email_id": row.id, "email_kind": kind})
    return row


def _forwarded(session: Session, ticket_id: int, ids: Sequence[int]) -> list[NewAttachment]:
    if not ids:
        return []
    rows = session.execute(
        select(EmailAttachment).join(EmailMessage, EmailMessage.id == EmailAttachment.message_id)
        .where(EmailAttachment.id.in_(ids), EmailMessage.ticket_id == ticket_id)
    ).scalars().all()
    found = {r.id: r for r in rows}
    out: list[NewAttachment] = []
    for i, ident in enumerate(ids):
        row = found.get(ident)
        if row is None or row.data is None:
            raise NotFound(f"Lampiran {ident} tidak ada pada tiket ini.",
                           field=f"attachment_ids.{i}")
        out.append(NewAttachment(row.filename, row.content_type, row.data))
    return out


def _attach(mime: MimeMessage, part: NewAttachment) -> None:
    maintype, _, subtype = part.content_type.partition("/")
    mime.add_attachment(part.data, maintype=maintype or "application",
                        subtype=subtype or "octet-stream", filename=part.filename)
