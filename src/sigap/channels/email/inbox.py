"""Taking in mail: store it, drop the noise, thread it to its ticket or open one (D12).

Whatever path a mail takes (IMAP worker, MTA pipe), `ingest_batch` is the only way in, so
every mail is parsed, deduplicated and threaded the same way; `ingest` is a batch of one.
A batch costs a fixed number of statements per table rather than per mail (a mailbox
backlog is tens of thousands). It only flushes: the caller's transaction commits, and only
after that commit may the mail be acknowledged (202, or the IMAP flag/move).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from sigap.auth import audit
from sigap.auth.actor import SYSTEM
from sigap.channels.email import conversation
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
from sigap.customers.models import CustomerService
from sigap.routing import assignment
from sigap.tickets import actions as ticket_actions
from sigap.tickets import intake
from sigap.tickets.lifecycle import ACTIVE_STATES
from sigap.tickets.models import EventKind, PendingReason, Ticket, TicketEvent, TicketState

TICKET_TAG = conversation.TICKET_TAG
_NO_SUBJECT = "(tanpa subjek)"


@dataclass(frozen=True)
class Ingested:
    state: str  # a MailState, or "quarantined"
    email_id: int | None
    ticket_id: int | None
    created: bool  # False when the mail was already stored (a repeat delivery)
    reason: str = ""


@dataclass
class _Mail:
    raw: bytes
    uid: int | None
    mail: ParsedEmail
    key: str
    state: str = MailState.new_ticket
    reason: str = ""
    customer_id: int | None = None
    ticket_id: int | None = None
    repeat_of: int | None = None
    interaction_id: int | None = None
    email_id: int | None = None


def message_key(mail: ParsedEmail | None, raw: bytes) -> str:
    if mail is not None and mail.message_id:
        return mail.message_id[:300]
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def own_addresses(session: Session) -> set[str]:
    return {a.lower() for a in session.scalars(select(Mailbox.address))}


def quarantine(session: Session, mailbox: Mailbox, raw: bytes, reason: str, source: str,
               uidvalidity: int | None, uid: int | None,
               now: dt.datetime | None = None) -> Ingested:
    digest = hashlib.sha256(raw).hexdigest()
    found = session.scalar(select(QuarantinedEmail.id).where(
        QuarantinedEmail.mailbox_id == mailbox.id, QuarantinedEmail.digest == digest))
    pending = any(isinstance(o, QuarantinedEmail) and o.digest == digest
                  and o.mailbox_id == mailbox.id for o in session.new)
    if found is not None or pending:
        return Ingested("quarantined", None, None, False, reason)
    session.add(QuarantinedEmail(mailbox_id=mailbox.id, source=source, uidvalidity=uidvalidity,
                                 uid=uid, digest=digest, raw=raw, reason=reason,
                                 received_at=now or utcnow()))
    return Ingested("quarantined", None, None, True, reason)


def ingest(session: Session, mailbox: Mailbox, raw: bytes, *, source: str = "imap",
           uidvalidity: int | None = None, uid: int | None = None,
           own: set[str] | None = None) -> Ingested:
    """Store one raw mail and give it its place: quarantine, noise, a ticket."""
    return ingest_batch(session, mailbox, [(raw, uid)], source=source, uidvalidity=uidvalidity,
                        own=own)[0]


def ingest_batch(session: Session, mailbox: Mailbox, items: Sequence[tuple[bytes, int | None]],
                 *, source: str = "imap", uidvalidity: int | None = None,
                 own: set[str] | None = None, now: dt.datetime | None = None) -> list[Ingested]:
    """Store raw mails (with their IMAP UIDs, if any) and give each its place; one outcome
    per item, in order. `now` is the arrival time (the clock, unless replaying)."""
    session.flush()  # the caller's pending changes are what the queries below must see
    with session.no_autoflush:
        outcomes = _ingest(session, mailbox, items, source, uidvalidity,
                           own if own is not None else own_addresses(session), now or utcnow())
    session.flush()
    return outcomes


def _ingest(session: Session, mailbox: Mailbox, items: Sequence[tuple[bytes, int | None]],
            source: str, uidvalidity: int | None, own: set[str],
            now: dt.datetime) -> list[Ingested]:
    outcomes: list[Ingested | None] = [None] * len(items)
    fresh: list[_Mail] = []
    position: dict[str, int] = {}  # key → index in `fresh`
    slots: list[tuple[int, int]] = []  # (item index, fresh index) incl. in-batch repeats
    parsed: list[tuple[int, ParsedEmail, bytes, int | None, str]] = []
    for index, (raw, uid) in enumerate(items):
        try:
            mail = parse(raw)
        except UnparseableEmail as exc:
            outcomes[index] = quarantine(session, mailbox, raw, exc.reason, source,
                                         uidvalidity, uid, now)
            continue
        parsed.append((index, mail, raw, uid, message_key(mail, raw)))
    stored = _stored_keys(session, [p[4] for p in parsed])
    for index, mail, raw, uid, key in parsed:
        if key in stored:
            email_id, ticket_id = stored[key]
            outcomes[index] = Ingested(MailState.duplicate, email_id, ticket_id, False)
        elif key in position:
            slots.append((index, position[key]))
        else:
            position[key] = len(fresh)
            slots.append((index, len(fresh)))
            fresh.append(_Mail(raw, uid, mail, key))
    for item in fresh:
        reason = noise_reason(item.mail, own)
        if reason is not None:
            item.state, item.reason = MailState.noise, reason
    work = [m for m in fresh if m.state != MailState.noise]
    if work:
        _place(session, mailbox, work, now)
    _store(session, mailbox, fresh, uidvalidity, now)
    if mailbox.auto_acknowledge:
        for item in work:
            if item.state == MailState.new_ticket and item.ticket_id is not None:
                acknowledge(session, mailbox, item.ticket_id, item.mail.from_address)
    first: set[int] = set()
    for index, at in slots:
        item = fresh[at]
        outcome = Ingested(item.state, item.email_id, item.ticket_id, at not in first,
                           item.reason)
        first.add(at)
        outcomes[index] = outcome if outcome.created else replace(
            outcome, state=MailState.duplicate)
    return [o for o in outcomes if o is not None]


def _stored_keys(session: Session, keys: list[str]) -> dict[str, tuple[int, int | None]]:
    found: dict[str, tuple[int, int | None]] = {}
    unique = list(dict.fromkeys(keys))
    for i in range(0, len(unique), 500):
        for key, email_id, ticket_id in session.execute(
                select(EmailMessage.message_key, EmailMessage.id, EmailMessage.ticket_id)
                .where(EmailMessage.message_key.in_(unique[i:i + 500]))):
            found[key] = (email_id, ticket_id)
    return found


def _place(session: Session, mailbox: Mailbox, work: list[_Mail], now: dt.datetime) -> None:
    """Thread each mail to its ticket, open tickets for new conversations, record the
    contacts on the timeline."""
    groups, continued = conversation.resolve(session, [m.mail for m in work])
    states = dict(session.execute(select(Ticket.id, Ticket.state)
                                  .where(Ticket.id.in_(set(continued.values())))).all()) \
        if continued else {}
    # A closed case is not reopened by mail: a new one follows it.
    continued = {g: t for g, t in continued.items() if states.get(t) != TicketState.closed}
    starters = {g: work[g] for g in dict.fromkeys(groups) if g not in continued}
    opened = _open(session, mailbox, list(starters.values()), now)
    customers: dict[int, int] = {}
    if continued:
        customers = dict(session.execute(
            select(Ticket.id, Ticket.customer_id)
            .where(Ticket.id.in_(set(continued.values())))).all())
    for item, group in zip(work, groups, strict=True):
        if group in continued:
            item.state, item.ticket_id = MailState.threaded, continued[group]
            item.customer_id = customers[item.ticket_id]
        else:
            starter = starters[group]
            item.ticket_id, item.customer_id = opened[id(starter)]
            item.state = MailState.new_ticket if item is starter else MailState.threaded
            item.repeat_of = starter.repeat_of if item is starter else None
    ids = intake.record_contacts(session, SYSTEM, [intake.Contact(
        ticket_id=m.ticket_id or 0, customer_id=m.customer_id or 0, channel="email",
        provider_id=m.key, from_address=m.mail.from_address, to_address=mailbox.address,
        subject=m.mail.subject, body=m.mail.text) for m in work], now)
    for item, interaction_id in zip(work, ids, strict=True):
        item.interaction_id = interaction_id
    _continue(session, set(continued.values()), now)
    _route(session, mailbox, {t for t, _ in opened.values()} | set(continued.values()), now)


def _route(session: Session, mailbox: Mailbox, ticket_ids: set[int], now: dt.datetime) -> None:
    """New mail is work for an agent: a new ticket goes to the mailbox's queue, an answer
    on a ticket back to the ticket's owner when present."""
    if not ticket_ids:
        return
    rows = session.execute(select(Ticket.id, Ticket.subject, Ticket.owner_id, Ticket.priority,
                                  Ticket.tier, Ticket.product, Ticket.state)
                           .where(Ticket.id.in_(ticket_ids))).all()
    assignment.enqueue_many(session, [assignment.Work(
        kind="ticket", ref_id=tid, channel="email", title=f"email · {subject}",
        tier=tier, segment=mailbox.segment, product=product, priority=priority,
        sticky_agent_id=owner) for tid, subject, owner, priority, tier, product, state in rows
        if state in ACTIVE_STATES], now)


def _open(session: Session, mailbox: Mailbox, starters: list[_Mail],
          now: dt.datetime) -> dict[int, tuple[int, int]]:
    """A ticket for each conversation that has none: (ticket id, customer id) by starter."""
    if not starters:
        return {}
    senders = {m.mail.from_address: m.mail.from_name for m in starters}
    customers = customer_service.customers_for_emails(session, senders, mailbox.segment)
    for m in starters:
        m.customer_id = customers[m.mail.from_address]
    ids = {m.customer_id for m in starters}
    services: dict[int, list[tuple[int, str]]] = {}
    for sid, cid, number in session.execute(
            select(CustomerService.id, CustomerService.customer_id, CustomerService.service_id)
            .where(CustomerService.customer_id.in_(ids), CustomerService.active.is_(True))
            .order_by(CustomerService.id)):
        services.setdefault(cid, []).append((sid, number))
    service_of = {id(m): _mentioned(services.get(m.customer_id or 0, []), m.mail)
                  for m in starters}
    open_on: dict[tuple[int, int | None], tuple[int, str]] = {}
    for tid, number, cid, service in session.execute(
            select(Ticket.id, Ticket.number, Ticket.customer_id, Ticket.service_id)
            .where(Ticket.customer_id.in_(ids), Ticket.state.in_(ACTIVE_STATES),
                   Ticket.merged_into_id.is_(None))
            .order_by(Ticket.created_at.desc(), Ticket.id.desc())):
        open_on.setdefault((cid, service), (tid, number))
    made = intake.open_tickets(session, SYSTEM, [intake.NewTicket(
        customer_id=m.customer_id or 0, type=mailbox.default_type,
        subject=(m.mail.subject.strip() or _NO_SUBJECT)[:200], description=m.mail.text[:20000],
        channel="email", tier=mailbox.tier, team_id=mailbox.team_id,
        service_id=service_of[id(m)]) for m in starters], now)
    notes = []
    for m, (ticket_id, number) in zip(starters, made, strict=True):
        slot = (m.customer_id or 0, service_of[id(m)])
        earlier = open_on.get(slot)
        if earlier is not None:
            m.repeat_of = earlier[0]
            notes.append({
                "ticket_id": ticket_id, "at": now, "kind": EventKind.note,
                "actor_id": None, "from_state": None, "to_state": None,
                "body": f"Kemungkinan pengulangan dari tiket {earlier[1]} (layanan yang sama "
                        "masih terbuka). Gabungkan ke tiket lama atau biarkan sebagai tiket "
                        "baru.",
                "data": {"possible_repeat_of": earlier[0]}})
        open_on.setdefault(slot, (ticket_id, number))
    if notes:
        session.execute(insert(TicketEvent), notes)
    return {id(m): (ticket_id, m.customer_id or 0)
            for m, (ticket_id, _) in zip(starters, made, strict=True)}


def _mentioned(services: list[tuple[int, str]], mail: ParsedEmail) -> int | None:
    """The service a mail is about: a service id written in it, else the customer's only
    service."""
    haystack = f"{mail.subject}\n{mail.text}"
    for sid, number in services:
        if number and number in haystack:
            return sid
    return services[0][0] if len(services) == 1 else None


def _continue(session: Session, ticket_ids: set[int], now: dt.datetime) -> None:
    """A customer's answer ends a wait on the customer and reopens a resolved case."""
    if not ticket_ids:
        return
    why = "Balasan pelanggan masuk via email."
    for tid, state, pending in session.execute(
            select(Ticket.id, Ticket.state, Ticket.pending_reason)
            .where(Ticket.id.in_(ticket_ids))):
        waiting = state == TicketState.pending and pending == PendingReason.customer
        if waiting or state == TicketState.resolved:
            ticket_actions.change_state(session, SYSTEM, tid, TicketState.open, why)
    session.execute(update(Ticket).where(Ticket.id.in_(ticket_ids))
                    .values(updated_at=now))


def _store(session: Session, mailbox: Mailbox, fresh: list[_Mail],
           uidvalidity: int | None, now: dt.datetime) -> None:
    if not fresh:
        return
    rows = [{
        "mailbox_id": mailbox.id, "direction": "inbound", "message_key": m.key,
        "message_id": m.mail.message_id[:300] if m.mail.message_id else None,
        "in_reply_to": (m.mail.in_reply_to or "")[:300] or None,
        "references": list(m.mail.references), "uidvalidity": uidvalidity, "uid": m.uid,
        "subject": m.mail.subject[:500], "from_address": m.mail.from_address[:200],
        "from_name": m.mail.from_name[:200], "to": list(m.mail.to), "cc": list(m.mail.cc),
        "sent_at": m.mail.date, "received_at": now, "text": m.mail.text, "html": m.mail.html,
        "raw": m.raw, "defects": list(m.mail.defects), "state": m.state,
        "noise_reason": m.reason, "customer_id": m.customer_id, "ticket_id": m.ticket_id,
        "interaction_id": m.interaction_id, "possible_repeat_of": m.repeat_of,
        "author_id": None, "template_kind": "", "send_state": None, "attempts": 0,
        "next_attempt_at": None, "claimed_at": None, "delivered_at": None, "last_error": "",
    } for m in fresh]
    ids = list(session.scalars(
        insert(EmailMessage).returning(EmailMessage.id, sort_by_parameter_order=True), rows))
    references, attachments = [], []
    limit = mailbox.max_attachment_bytes
    for m, email_id in zip(fresh, ids, strict=True):
        m.email_id = email_id
        references += [{"message_id": email_id, "target": t}
                       for t in conversation.targets(m.mail)]
        for part in m.mail.attachments:
            size = len(part.data)
            over = limit > 0 and size > limit
            attachments.append({
                "message_id": email_id, "filename": part.filename[:300],
                "content_type": part.content_type[:200],
                "content_id": (part.content_id or "")[:300] or None, "inline": part.inline,
                "size": size, "data": None if over else part.data,
                "note": (f"Melebihi batas {limit:,} byte: disisihkan, tetap utuh di pesan asli."
                         if over else "")})
    if references:
        session.execute(insert(EmailReference), references)
    audit.record_created(session, "email_messages", ids, {"mailbox": mailbox.name})
    if attachments:
        attachment_ids = list(session.scalars(
            insert(EmailAttachment).returning(EmailAttachment.id,
                                              sort_by_parameter_order=True), attachments))
        audit.record_created(session, "email_attachments", attachment_ids)


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
    body = template.body if template is not None else ACK_BODY
    if ticket is not None:
        body = reply.render(body, reply.variables(session, ticket, SYSTEM, now))
    reply.queue_reply(session, SYSTEM, ticket_id, body, template=template,
                      kind=TemplateKind.acknowledgement, automatic=True)
    session.flush()  # the next sender's check must see this one
    return True


def extract_attachment(raw: bytes, filename: str, size: int) -> bytes:
    """The bytes of an attachment kept aside (over the size limit) from the stored mail."""
    for part in parse(raw).attachments:
        if part.filename == filename and len(part.data) == size:
            return part.data
    raise LookupError(f"{filename} is not in the stored message")
