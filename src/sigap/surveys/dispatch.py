"""Putting a survey question in a channel's outbox.

The question goes back on the ticket's own channel: the ticket's WhatsApp, Facebook or X
conversation, or its email thread. A voice ticket (SMS is not available) or a chat ticket
whose conversation cannot take it goes by WhatsApp when the customer has a WhatsApp id,
else by email, else not at all, with the reason recorded. The outbox workers then send it
(store before send: nothing here calls a vendor).
"""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage as MimeMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr, make_msgid

from sqlalchemy import select
from sqlalchemy.orm import Session

from sigap.auth.actor import SYSTEM
from sigap.channels import outbox
from sigap.channels.email import reply
from sigap.channels.email.models import EmailMessage, MailState, SendState
from sigap.channels.models import Conversation
from sigap.channels.whatsapp.models import WaTemplate
from sigap.config import Settings
from sigap.core.clock import utcnow
from sigap.core.errors import InvalidInput
from sigap.customers.models import ContactKind, CustomerContact
from sigap.tickets.models import Ticket

CHAT_CHANNELS = ("whatsapp", "facebook", "x")
# An approved WhatsApp template with one parameter (the link), for a customer whose 24-hour
# window has closed.
TEMPLATE_NAME = "survei_csat"


@dataclass(frozen=True)
class Sent:
    channel: str  # whatsapp, facebook, x, email, none
    address: str = ""
    chat_message_id: int | None = None
    email_id: int | None = None
    reason: str = ""  # why nothing was sent, or why the first choice was passed over


def question(ticket: Ticket, link: str, channel: str) -> str:
    """The question; only on WhatsApp is a lone digit taken as the answer."""
    ask = f"Tiket {ticket.number} sudah selesai. Seberapa puas Anda dengan layanan kami? "
    if channel == "whatsapp":
        return (ask + "Balas dengan angka 1 (sangat tidak puas) sampai 5 (sangat puas), "
                f"atau beri nilai dan komentar di {link}")
    return ask + f"Beri nilai 1 (sangat tidak puas) sampai 5 (sangat puas) dan komentar di {link}"


def _contact(session: Session, customer_id: int, kind: str) -> str:
    value = session.scalar(select(CustomerContact.value).where(
        CustomerContact.customer_id == customer_id, CustomerContact.kind == kind)
        .order_by(CustomerContact.id).limit(1))
    return str(value) if value else ""


def _chat(session: Session, conversation: Conversation, ticket: Ticket, link: str) -> Sent:
    """Free text inside the 24-hour window; on WhatsApp outside it, the approved template."""
    text = question(ticket, link, conversation.channel)
    try:
        row = outbox.queue(session, SYSTEM, conversation.id, text=text)
    except InvalidInput as exc:
        template = session.scalar(select(WaTemplate).where(
            WaTemplate.name == TEMPLATE_NAME, WaTemplate.approved.is_(True)).limit(1)) \
            if conversation.channel == "whatsapp" else None
        if template is None:
            return Sent("none", conversation.contact, reason=str(exc))
        try:
            row = outbox.queue(session, SYSTEM, conversation.id, template_id=template.id,
                               parameters=[link])
        except InvalidInput as bad:  # a template written with another number of blanks
            return Sent("none", conversation.contact,
                        reason=f"Templat {TEMPLATE_NAME}: {bad}")
    return Sent(conversation.channel, conversation.contact, chat_message_id=row.id)


def _whatsapp_conversation(session: Session, settings: Settings, ticket: Ticket,
                           wa_id: str) -> Conversation | None:
    found = session.scalar(select(Conversation).where(
        Conversation.channel == "whatsapp", Conversation.contact == wa_id,
        Conversation.state == "open").limit(1))
    if found is not None:
        return found
    account = settings.csat_whatsapp_account or session.scalar(
        select(Conversation.account).where(Conversation.channel == "whatsapp")
        .order_by(Conversation.id.desc()).limit(1))
    if not account:
        return None
    # Closed from the start: it carries the survey and is not work for an agent.
    conversation = Conversation(channel="whatsapp", account=account, contact=wa_id,
                                customer_id=ticket.customer_id, ticket_id=ticket.id,
                                state="closed")
    session.add(conversation)
    session.flush()
    return conversation


def _email(session: Session, ticket: Ticket, link: str) -> Sent:
    inbound = session.scalar(select(EmailMessage.from_address).where(
        EmailMessage.ticket_id == ticket.id, EmailMessage.direction == "inbound")
        .order_by(EmailMessage.id.desc()).limit(1))
    to = inbound or _contact(session, ticket.customer_id, ContactKind.email)
    if not to:
        return Sent("none", reason="Pelanggan tidak punya alamat email.")
    try:
        mailbox = reply.mailbox_of(session, ticket)
    except InvalidInput as exc:
        return Sent("none", to, reason=str(exc))
    now = utcnow()
    mime = MimeMessage(policy=SMTP)
    mime["From"] = formataddr((mailbox.display_name, mailbox.address))
    mime["To"] = to
    mime["Subject"] = f"Survei kepuasan pelanggan [#{ticket.number}]"
    mime["Date"] = format_datetime(now)
    msgid = make_msgid(idstring=ticket.number, domain=mailbox.address.rsplit("@", 1)[-1])
    mime["Message-ID"] = msgid
    mime["Auto-Submitted"] = "auto-generated"
    mime["X-Sigap-Ticket"] = ticket.number
    text = question(ticket, link, "email") + "\n"
    mime.set_content(text)
    row = EmailMessage(
        mailbox_id=mailbox.id, direction="outbound", message_key=msgid, message_id=msgid,
        subject=str(mime["Subject"]), from_address=mailbox.address,
        from_name=mailbox.display_name, to=[to], cc=[], sent_at=now, received_at=now,
        text=text, raw=mime.as_bytes(), state=MailState.outbound,
        customer_id=ticket.customer_id, ticket_id=ticket.id, template_kind="csat",
        send_state=SendState.queued, next_attempt_at=now)
    session.add(row)
    session.flush()
    return Sent("email", to, email_id=row.id)


def send(session: Session, settings: Settings, ticket: Ticket, link: str) -> Sent:
    """Queue the question on the best channel for this ticket; see the module's rule."""
    passed_over = ""
    if ticket.channel in CHAT_CHANNELS:
        conversation = session.scalar(select(Conversation).where(
            Conversation.ticket_id == ticket.id, Conversation.channel == ticket.channel)
            .order_by(Conversation.id.desc()).limit(1))
        if conversation is not None:
            sent = _chat(session, conversation, ticket, link)
            if sent.channel != "none":
                return sent
            passed_over = f"{ticket.channel}: {sent.reason} "
        else:
            passed_over = f"{ticket.channel}: percakapan tiket tidak ditemukan. "
    if ticket.channel == "email":
        sent = _email(session, ticket, link)
        return sent if sent.channel != "none" else Sent("none", sent.address,
                                                        reason=sent.reason)
    wa_id = _contact(session, ticket.customer_id, ContactKind.whatsapp)
    if wa_id:
        conversation = _whatsapp_conversation(session, settings, ticket, wa_id)
        if conversation is None:
            passed_over += "WhatsApp: nomor pengirim Sigap belum diketahui. "
        else:
            sent = _chat(session, conversation, ticket, link)
            if sent.channel != "none":
                return sent
            passed_over += f"WhatsApp: {sent.reason} "
    else:
        passed_over += "SMS tidak tersedia; pelanggan tanpa WhatsApp. "
    sent = _email(session, ticket, link)
    if sent.channel != "none":
        return Sent(sent.channel, sent.address, email_id=sent.email_id,
                    reason=passed_over.strip())
    return Sent("none", reason=(passed_over + sent.reason).strip()[:300])
