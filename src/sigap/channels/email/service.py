"""Mailbox configuration, the quarantine list and reply templates of the email desk."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sigap.auth import audit
from sigap.auth.actor import Actor
from sigap.channels.email.models import (
    EmailMessage,
    Mailbox,
    QuarantinedEmail,
    RelatedProduct,
    ReplyTemplate,
)
from sigap.channels.email.schemas import MailboxIn, MailboxOut, TemplateIn
from sigap.core.clock import utcnow
from sigap.core.errors import Conflict, InvalidInput, NotFound
from sigap.customers.contacts import normalise_email
from sigap.org.models import Team

_SECRETS = ("imap_secret", "smtp_secret")


def mailbox_out(mailbox: Mailbox) -> MailboxOut:
    values = {c: getattr(mailbox, c) for c in MailboxOut.model_fields
              if c not in ("imap_secret_set", "smtp_secret_set")}
    return MailboxOut(**values, imap_secret_set=bool(mailbox.imap_secret),
                      smtp_secret_set=bool(mailbox.smtp_secret))


def list_mailboxes(session: Session) -> list[Mailbox]:
    return list(session.scalars(select(Mailbox).order_by(Mailbox.name)))


def get_mailbox(session: Session, mailbox_id: int) -> Mailbox:
    mailbox = session.get(Mailbox, mailbox_id)
    if mailbox is None:
        raise NotFound(f"Kotak surat {mailbox_id} tidak ditemukan.")
    return mailbox


def mailbox_by_name(session: Session, name: str, lock: bool = False) -> Mailbox:
    """The mailbox called `name`; `lock` holds its row for the transaction, so mail of one
    mailbox is threaded one message at a time (PostgreSQL; SQLite writers are serial)."""
    stmt = select(Mailbox).where(Mailbox.name == name)
    if lock:
        stmt = stmt.with_for_update()
    mailbox = session.scalar(stmt)
    if mailbox is None:
        raise NotFound(f"Kotak surat {name!r} tidak ditemukan.", field="mailbox")
    return mailbox


def _apply(session: Session, mailbox: Mailbox, data: MailboxIn) -> None:
    address = normalise_email(data.address, "address")
    clash = session.scalar(select(Mailbox.id).where(
        (Mailbox.name == data.name) | (func.lower(Mailbox.address) == address)))
    if clash is not None and clash != mailbox.id:
        raise Conflict(f"Nama {data.name!r} atau alamat {address} sudah dipakai kotak surat lain.",
                       field="name")
    if data.team_id is not None and session.get(Team, data.team_id) is None:
        raise InvalidInput(f"Tim {data.team_id} tidak ditemukan.", field="team_id")
    if data.active and data.imap_host and not data.imap_user:
        raise InvalidInput("Pengguna IMAP wajib diisi bila host IMAP diisi.", field="imap_user")
    for key, value in data.model_dump().items():
        if key in _SECRETS:
            # None keeps the stored secret: forms never see it, so they cannot send it back.
            if value is not None:
                setattr(mailbox, key, value)
            continue
        setattr(mailbox, key, value)
    mailbox.address = address


def create_mailbox(session: Session, actor: Actor, data: MailboxIn) -> Mailbox:
    mailbox = Mailbox(imap_secret="", smtp_secret="")
    _apply(session, mailbox, data)
    session.add(mailbox)
    session.flush()
    return mailbox


def update_mailbox(session: Session, actor: Actor, mailbox_id: int, data: MailboxIn) -> Mailbox:
    mailbox = get_mailbox(session, mailbox_id)
    before = (mailbox.imap_host, mailbox.imap_user, mailbox.imap_folder)
    _apply(session, mailbox, data)
    if (mailbox.imap_host, mailbox.imap_user, mailbox.imap_folder) != before:
        # Another server or folder: its UIDs mean nothing here; start from its beginning
        # (stored mail is recognised by Message-ID, so nothing is taken twice).
        mailbox.uidvalidity = None
        mailbox.last_uid = 0
    session.flush()
    return mailbox


def list_quarantine(session: Session, include_dismissed: bool = False,
                    limit: int = 200) -> list[tuple[QuarantinedEmail, int]]:
    stmt = (select(QuarantinedEmail, func.length(QuarantinedEmail.raw))
            .order_by(QuarantinedEmail.received_at.desc()).limit(limit))
    if not include_dismissed:
        stmt = stmt.where(QuarantinedEmail.dismissed_at.is_(None))
    return [(row[0], int(row[1] or 0)) for row in session.execute(stmt)]


def get_quarantined(session: Session, item_id: int) -> QuarantinedEmail:
    item = session.get(QuarantinedEmail, item_id)
    if item is None:
        raise NotFound(f"Pesan karantina {item_id} tidak ditemukan.")
    audit.record(session, "email_quarantine.read", "email_quarantine", item_id)
    return item


def dismiss_quarantined(session: Session, actor: Actor, item_id: int) -> QuarantinedEmail:
    item = session.get(QuarantinedEmail, item_id)
    if item is None:
        raise NotFound(f"Pesan karantina {item_id} tidak ditemukan.")
    item.dismissed_at = item.dismissed_at or utcnow()
    return item


# --- templates and related products -----------------------------------------------------

def list_templates(session: Session, active_only: bool = False) -> list[ReplyTemplate]:
    stmt = select(ReplyTemplate).order_by(ReplyTemplate.kind, ReplyTemplate.name)
    if active_only:
        stmt = stmt.where(ReplyTemplate.active.is_(True))
    return list(session.scalars(stmt))


def get_template(session: Session, template_id: int) -> ReplyTemplate:
    item = session.get(ReplyTemplate, template_id)
    if item is None:
        raise NotFound(f"Templat {template_id} tidak ditemukan.", field="template_id")
    return item


def save_template(session: Session, actor: Actor, data: TemplateIn,
                  template_id: int | None = None) -> ReplyTemplate:
    from sigap.channels.email.reply import check_template

    check_template(data.body, "body")
    check_template(data.subject, "subject")
    clash = session.scalar(select(ReplyTemplate.id).where(ReplyTemplate.name == data.name))
    if clash is not None and clash != template_id:
        raise Conflict(f"Templat bernama {data.name!r} sudah ada.", field="name")
    item = ReplyTemplate() if template_id is None else get_template(session, template_id)
    for key, value in data.model_dump().items():
        setattr(item, key, value)
    session.add(item)
    session.flush()
    return item


def related_products(session: Session, product: str) -> list[RelatedProduct]:
    return list(session.scalars(select(RelatedProduct).where(RelatedProduct.product == product)
                                .order_by(RelatedProduct.related)))


def set_related_products(session: Session, actor: Actor, product: str,
                         items: Sequence[tuple[str, str]]) -> list[RelatedProduct]:
    current = {r.related: r for r in related_products(session, product)}
    wanted = {name.strip(): pitch.strip() for name, pitch in items if name.strip()}
    for name, row in current.items():
        if name not in wanted:
            session.delete(row)
    for name, pitch in wanted.items():
        row = current.get(name) or RelatedProduct(product=product, related=name[:120])
        row.pitch = pitch
        session.add(row)
    session.flush()
    return related_products(session, product)


def mail_of_ticket(session: Session, ticket_id: int) -> list[EmailMessage]:
    return list(session.scalars(select(EmailMessage).where(EmailMessage.ticket_id == ticket_id)
                                .order_by(EmailMessage.received_at, EmailMessage.id)))
