"""Chat and social traffic: deliveries stored first, then messages deduplicated into the
customer's open conversation on that channel, statuses onto our outgoing messages, and a
conversation turned into work (a new ticket, or linked to an open one)."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sigap.auth.actor import Actor
from sigap.channels.base import InboundMessage, StatusUpdate
from sigap.channels.models import ChatMessage, Conversation, PriorityAccount, WebhookDelivery
from sigap.core.cache import Cached
from sigap.core.clock import utcnow
from sigap.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from sigap.customers.contacts import normalise_phone
from sigap.customers.models import ContactKind, Customer, CustomerContact
from sigap.org import alerts
from sigap.org.models import Role, Staff
from sigap.routing import assignment
from sigap.routing.models import WorkItem
from sigap.surveys import answers as surveys
from sigap.tickets import actions as ticket_actions
from sigap.tickets import service as ticket_service
from sigap.tickets.lifecycle import ACTIVE_STATES
from sigap.tickets.models import EventKind, Ticket
from sigap.tickets.schemas import TicketCreate

# A status only moves forward; "failed" may come at any point.
_STATUS_ORDER = {"": 0, "queued": 0, "sent": 1, "delivered": 2, "read": 3}


@dataclass(frozen=True)
class Received:
    delivery_id: int
    stored: int
    duplicates: int
    statuses: int


def store_delivery(session: Session, channel: str, body: bytes) -> WebhookDelivery:
    delivery = WebhookDelivery(channel=channel, body=body, received_at=utcnow())
    session.add(delivery)
    session.flush()
    return delivery


def match_customer(session: Session, channel: str, contact: str,
                   name: str = "") -> int | None:
    """The customer with this WhatsApp id (or phone number), or this account id or
    @handle on a social channel."""
    values: list[tuple[str, str]] = []
    if channel == "whatsapp":
        values.append((ContactKind.whatsapp, contact))
        with contextlib.suppress(InvalidInput):
            values.append((ContactKind.phone, normalise_phone("+" + contact)))
    else:
        values.append((channel, contact.lstrip("@").lower()))
        handle = next((w for w in name.split() if w.startswith("@") and len(w) > 1), "")
        if handle:
            values.append((channel, handle.lstrip("@").lower()))
    for kind, value in values:
        found = session.scalar(select(CustomerContact.customer_id)
                               .where(CustomerContact.kind == kind, CustomerContact.value == value)
                               .order_by(CustomerContact.customer_id).limit(1))
        if found is not None:
            return int(found)
    return None


def _conversation(session: Session, message: InboundMessage,
                  cache: dict[tuple[str, str, str], Conversation],
                  opened: set[int]) -> Conversation:
    key = (message.channel, message.account, message.contact)
    if key in cache:
        return cache[key]
    found = session.scalar(select(Conversation).where(
        Conversation.channel == message.channel, Conversation.account == message.account,
        Conversation.contact == message.contact, Conversation.state == "open")
        .order_by(Conversation.id.desc()).limit(1))
    if found is None:
        found = Conversation(channel=message.channel, account=message.account,
                             contact=message.contact, contact_name=message.contact_name[:200],
                             customer_id=match_customer(session, message.channel,
                                                        message.contact,
                                                        message.contact_name))
        try:
            with session.begin_nested():
                session.add(found)
                session.flush()
            opened.add(found.id)
        except IntegrityError:
            # Another process opened it a moment ago: that one is the conversation.
            found = session.scalar(select(Conversation).where(
                Conversation.channel == message.channel, Conversation.account == message.account,
                Conversation.contact == message.contact, Conversation.state == "open"))
            if found is None:
                raise
    cache[key] = found
    return found


def receive(session: Session, delivery: WebhookDelivery, messages: Sequence[InboundMessage],
            statuses: Sequence[StatusUpdate]) -> Received:
    """Put a delivery's messages and statuses in place; a message seen before (Meta
    retries a delivery until it is answered 200) is skipped."""
    ids = [m.provider_id for m in messages]
    seen = set(session.scalars(select(ChatMessage.provider_id).where(
        ChatMessage.channel == delivery.channel, ChatMessage.provider_id.in_(ids)))) \
        if ids else set()
    cache: dict[tuple[str, str, str], Conversation] = {}
    opened: set[int] = set()  # conversations this delivery opened
    watch = priority_list(session) if messages else []
    stored = duplicates = 0
    work: set[int] = set()  # conversations with something for an agent to read
    looked_up: set[int] = set()  # conversations whose customer's priority flag was read
    for message in messages:
        if message.provider_id in seen:
            duplicates += 1
            continue
        seen.add(message.provider_id)
        conversation = _conversation(session, message, cache, opened)
        if not conversation.priority:
            reason = priority_reason(watch, message)
            if not reason and conversation.id not in looked_up:
                # The customer's flag cannot change within one delivery: read it once.
                looked_up.add(conversation.id)
                reason = _customer_priority(session, conversation)
            if reason:
                conversation.priority, conversation.priority_reason = True, reason[:200]
                # W-19 5.3.2: the TL on duty follows a priority customer in real time.
                alerts.alert(session, alerts.leaders_on_channel(session, message.channel),
                             "priority_customer",
                             f"Pelanggan prioritas di {message.channel}: {reason}",
                             f"/conversations/{conversation.id}")
        session.add(ChatMessage(
            channel=message.channel, provider_id=message.provider_id[:200],
            conversation_id=conversation.id, delivery_id=delivery.id, direction="inbound",
            at=message.at, kind=message.kind[:20], text=message.text, handled=message.handled,
            payload=message.payload, media_id=message.media_id[:200],
            media_type=message.media_type[:120]))
        if conversation.last_inbound_at is None or message.at > conversation.last_inbound_at:
            conversation.last_inbound_at = message.at
        if message.contact_name and not conversation.contact_name:
            conversation.contact_name = message.contact_name[:200]
        conversation.updated_at = utcnow()
        stored += 1
        # A lone digit 1–5 answering an open CSAT survey is no work for an agent.
        if message.channel != "whatsapp" or surveys.take_whatsapp_reply(
                session, None, message.contact, message.text, message.at) is None:
            work.add(conversation.id)
    for status in statuses:
        _apply_status(session, status)
    delivery.processed_at = utcnow()
    session.flush()
    for conversation in {c.id: c for c in cache.values()}.values():
        if conversation.id in work:
            route(session, conversation, new=conversation.id in opened)
    return Received(delivery.id, stored, duplicates, len(statuses))


def route(session: Session, conversation: Conversation, new: bool = False) -> None:
    """A customer wrote: the conversation becomes work for an agent (routing), going back
    to the agent who owns its ticket, or who answered it last, when that agent is free
    (a conversation `new` in this transaction has had no agent yet)."""
    sticky = None
    segment = ""
    if conversation.ticket_id is not None:
        ticket = session.get(Ticket, conversation.ticket_id)
        sticky = ticket.owner_id if ticket is not None else None
    if sticky is None and not new:
        sticky = assignment.last_agent(session, "conversation", conversation.id)
    if conversation.customer_id is not None:
        segment = session.scalar(select(Customer.segment).where(
            Customer.id == conversation.customer_id)) or ""
    title = f"{conversation.channel} · {conversation.contact_name or conversation.contact}"
    assignment.queue_work(session, assignment.Work(
        kind="conversation", ref_id=conversation.id, channel=conversation.channel,
        title=title, segment=segment, priority=conversation.priority,
        sticky_agent_id=sticky))


PRIORITY_CATEGORIES = {
    "pejabat_pemerintah": "pejabat pemerintah (regulator/politisi)", "swasta": "pejabat swasta",
    "artis": "artis/musisi/sutradara", "penulis": "penulis/blogger",
    "pr_media": "PR media atau agensi", "aktivis": "aktivis", "ngo": "organisasi non pemerintah",
    "profesional": "industri profesional/praktisi", "public_figure": "public figure",
    "bod": "akun BOD Telkom",
}


def _customer_priority(session: Session, conversation: Conversation) -> str:
    """The matched customer is on the priority list of the customer records."""
    if conversation.customer_id is None:
        return ""
    found = session.execute(select(Customer.priority, Customer.priority_reason).where(
        Customer.id == conversation.customer_id)).first()
    if found is None or not found[0]:
        return ""
    return f"Pelanggan prioritas: {found[1] or 'data pelanggan'}"


PRIORITY_CHANNELS = ("x", "facebook", "whatsapp", "any")


def add_priority_account(session: Session, channel: str, account: str, category: str,
                         name: str = "", note: str = "") -> PriorityAccount:
    """A handle is kept without its @ and in lower case, as messages are matched."""
    account = account.strip().lstrip("@").lower()
    if channel not in PRIORITY_CHANNELS:
        raise InvalidInput(f"Kanal harus salah satu dari {', '.join(PRIORITY_CHANNELS)}.",
                           field="channel")
    if not account or len(account) > 120:
        raise InvalidInput("Akun wajib diisi (maksimal 120 karakter).", field="account")
    if category not in PRIORITY_CATEGORIES:
        raise InvalidInput("Kategori bukan kategori W-19.", field="category")
    if session.scalar(select(PriorityAccount.id).where(PriorityAccount.channel == channel,
                                                       PriorityAccount.account == account)):
        raise Conflict(f"Akun {account} sudah ada di daftar prioritas.", field="account")
    row = PriorityAccount(channel=channel, account=account, category=category,
                          name=name.strip()[:200], note=note.strip()[:2000])
    session.add(row)
    session.flush()
    return row


def set_priority_active(session: Session, account_id: int, active: bool) -> PriorityAccount:
    row = session.get(PriorityAccount, account_id)
    if row is None:
        raise NotFound(f"Akun prioritas {account_id} tidak ditemukan.")
    row.active = active
    session.flush()
    return row


@dataclass(frozen=True)
class Watched:
    """An active account of the priority list, as kept in memory."""

    channel: str
    account: str
    name: str
    category: str


# Read for every chat delivery, edited by hand now and then (core/cache.py).
_WATCHED: Cached[tuple[Watched, ...]] = Cached("channels.priority_accounts", 30.0,
                                               (PriorityAccount,))


def _load_watched(session: Session) -> tuple[Watched, ...]:
    return tuple(Watched(a.channel, a.account, a.name, a.category) for a in session.scalars(
        select(PriorityAccount).where(PriorityAccount.active.is_(True))))


def priority_list(session: Session) -> tuple[Watched, ...]:
    return _WATCHED.get(session, _load_watched)


def priority_reason(watch: Sequence[Watched | PriorityAccount], message: InboundMessage) -> str:
    """Why a message makes its conversation priority (W-19 5.2–5.3.1): the sender's
    account is on the list, or the message mentions a board account. "" otherwise."""
    handles = {message.contact.lower()}
    handles |= {w.lstrip("@").lower() for w in message.contact_name.split() if w.startswith("@")}
    text = message.text.lower()
    for account in watch:
        if account.channel not in (message.channel, "any"):
            continue
        name = account.account.lower()
        if name in handles:
            label = PRIORITY_CATEGORIES.get(account.category, account.category)
            return f"Akun prioritas ({label}): {account.name or account.account}"
        if account.category == "bod" and f"@{name}" in text:
            return f"Menyebut akun BOD @{account.account}"
    return ""


def _apply_status(session: Session, status: StatusUpdate) -> None:
    row = session.scalar(select(ChatMessage).where(ChatMessage.channel == status.channel,
                                                   ChatMessage.provider_id == status.provider_id))
    if row is None or row.direction != "outbound":
        return
    if status.status == "failed":
        row.status, row.status_at, row.media_error = "failed", status.at, status.error[:2000]
    elif _STATUS_ORDER.get(status.status, -1) > _STATUS_ORDER.get(row.status, 0):
        row.status, row.status_at = status.status, status.at


def window_open(conversation: Conversation, now: dt.datetime | None = None) -> bool:
    """Free-form replies are allowed within 24 hours of the customer's last message."""
    last = conversation.last_inbound_at
    return last is not None and (now or utcnow()) - last < dt.timedelta(hours=24)


def get_conversation(session: Session, conversation_id: int) -> Conversation:
    found = session.get(Conversation, conversation_id)
    if found is None:
        raise NotFound(f"Percakapan {conversation_id} tidak ditemukan.")
    return found


def messages_of(session: Session, conversation_id: int) -> list[ChatMessage]:
    return list(session.scalars(select(ChatMessage)
                                .where(ChatMessage.conversation_id == conversation_id)
                                .order_by(ChatMessage.at, ChatMessage.id)))


def list_conversations(session: Session, channel: str | None = None, state: str = "open",
                       limit: int = 100) -> list[Conversation]:
    stmt = select(Conversation).where(Conversation.state == state)
    if channel:
        stmt = stmt.where(Conversation.channel == channel)
    return list(session.scalars(stmt.order_by(Conversation.updated_at.desc()).limit(limit)))


def to_ticket(session: Session, actor: Actor, conversation_id: int, *,
              ticket_id: int | None = None, type_: str = "gangguan", subject: str = "",
              customer_id: int | None = None, hard_complaint: bool = False) -> Ticket:
    """Turn the conversation into work: link it to the customer's open ticket (`ticket_id`,
    after the "old or new?" check) or open a new one from it. A hard complaint goes to
    its own handling (W-19 5.3.2)."""
    conversation = get_conversation(session, conversation_id)
    if conversation.ticket_id is not None:
        raise Conflict("Percakapan ini sudah terhubung ke tiket.", field="ticket_id")
    customer = customer_id or conversation.customer_id
    if customer is None:
        raise InvalidInput("Pilih pelanggan untuk percakapan ini dulu.", field="customer_id")
    text = "\n".join(m.text for m in messages_of(session, conversation.id)
                     if m.direction == "inbound" and m.text)
    if ticket_id is not None:
        ticket = ticket_service.get_ticket(session, actor, ticket_id, "tickets.write")
        if ticket.customer_id != customer or ticket.state not in ACTIVE_STATES:
            raise InvalidInput("Tiket itu bukan tiket aktif pelanggan ini.", field="ticket_id")
        ticket_service.add_event(session, ticket, actor, EventKind.note,
                                 f"Percakapan {conversation.channel} dilampirkan.\n{text}"[:5000],
                                 data={"conversation_id": conversation.id})
        if hard_complaint and not ticket.hard_complaint:
            ticket_actions.route_hard_complaint(
                session, actor, ticket, f"pelanggan {conversation.channel} (percakapan)")
    else:
        first_line = text.splitlines()[0] if text else ""
        title = (subject or first_line or f"Percakapan {conversation.channel}")[:200]
        ticket = ticket_service.create_ticket(session, actor, TicketCreate.model_validate({
            "customer_id": customer, "type": type_, "subject": title,
            "description": text[:20000], "channel": conversation.channel,
            "hard_complaint": hard_complaint}))
    if conversation.priority and not ticket.priority:
        ticket.priority = True
        ticket_service.add_event(session, ticket, actor, EventKind.field_changed,
                                 f"Pelanggan prioritas: {conversation.priority_reason}",
                                 data={"field": "priority", "from": False, "to": True})
    conversation.ticket_id = ticket.id
    conversation.customer_id = customer
    return ticket


def take_over(session: Session, actor: Actor, conversation_id: int) -> Conversation:
    """The team leader on duty takes the conversation over (W-19 5.3.2): its live work
    becomes theirs at once, and so does its ticket when it has one."""
    conversation = get_conversation(session, conversation_id)
    if actor.staff_id is None:
        raise InvalidInput("Hanya staf yang bisa mengambil alih.", field="conversation")
    if actor.role == Role.team_leader:
        channels = session.scalar(select(Staff.channels).where(Staff.id == actor.staff_id))
        if conversation.channel not in (channels or []):
            raise Forbidden(f"Anda bukan Team Leader kanal {conversation.channel}.",
                            field="conversation")
    item = session.scalar(select(WorkItem.id).where(
        WorkItem.kind == "conversation", WorkItem.ref_id == conversation.id,
        WorkItem.state.in_(assignment.LIVE)))
    if item is None and conversation.ticket_id is None:
        raise Conflict("Tidak ada pekerjaan aktif pada percakapan ini.", field="conversation")
    if item is not None:
        assignment.reassign(session, actor, item, actor.staff_id)
    if conversation.ticket_id is not None:
        ticket = session.get(Ticket, conversation.ticket_id)
        if ticket is not None and ticket.owner_id != actor.staff_id:
            ticket_actions.take_over(session, actor, ticket.id,
                                     "Diambil alih Team Leader on duty (W-19 5.3.2).")
    return conversation


def close(session: Session, actor: Actor, conversation_id: int) -> Conversation:
    """The agent is done with the conversation: its routing work ends (the agent's slot is
    free again) and the customer's next message opens a new conversation."""
    conversation = get_conversation(session, conversation_id)
    if conversation.state != "open":
        raise Conflict("Percakapan ini sudah ditutup.", field="conversation")
    conversation.state = "closed"
    conversation.updated_at = utcnow()
    session.flush()
    assignment.close_work(session, "conversation", conversation.id)
    return conversation
