"""Mailboxes, stored mail (raw bytes kept), attachments, quarantine, templates (D12)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sigap.core.clock import utcnow
from sigap.db.base import Base, TimestampMixin


class WorkLevel(StrEnum):
    """The four instruksi kerja of the email desk (seed 001 §9)."""

    level0 = "level0"  # W-75: first answer, information
    level1 = "level1"  # W-76: complaint handling, coordination with units
    monitoring = "monitoring"  # W-86: follow-up of open cases
    other_segment = "other_segment"  # W-89: customer of another segment


class MailState(StrEnum):
    new_ticket = "new_ticket"  # opened a ticket
    threaded = "threaded"  # joined an existing ticket
    noise = "noise"  # auto-reply, bounce, list, loop: stored, no ticket
    duplicate = "duplicate"  # a copy of a stored message (another mailbox)
    outbound = "outbound"  # our own mail


class SendState(StrEnum):
    queued = "queued"
    sending = "sending"
    sent = "sent"
    failed = "failed"  # gave up after the retries, or the outcome is unknown


class TemplateKind(StrEnum):
    reply = "reply"
    acknowledgement = "acknowledgement"
    periodic_update = "periodic_update"
    cause_repair = "cause_repair"
    closing = "closing"


class Mailbox(TimestampMixin, Base):
    __tablename__ = "email_mailboxes"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    address: Mapped[str] = mapped_column(String(200))
    display_name: Mapped[str] = mapped_column(String(120), default="")
    # The courtesy opening of the desk (Standard Courtesy Layanan CC, SOP 5.1).
    greeting: Mapped[str] = mapped_column(Text, default="")
    signature: Mapped[str] = mapped_column(Text, default="")
    imap_host: Mapped[str] = mapped_column(String(200), default="")
    imap_port: Mapped[int] = mapped_column(default=993)
    imap_tls: Mapped[bool] = mapped_column(default=True)
    imap_user: Mapped[str] = mapped_column(String(200), default="")
    imap_auth: Mapped[str] = mapped_column(String(12), default="password")  # or "oauth2"
    imap_secret: Mapped[str] = mapped_column(Text, default="")
    imap_folder: Mapped[str] = mapped_column(String(120), default="INBOX")
    # Where stored messages are moved on the server; empty = only flagged \Seen.
    processed_folder: Mapped[str] = mapped_column(String(120), default="")
    smtp_host: Mapped[str] = mapped_column(String(200), default="")
    smtp_port: Mapped[int] = mapped_column(default=587)
    smtp_security: Mapped[str] = mapped_column(String(10), default="starttls")
    smtp_user: Mapped[str] = mapped_column(String(200), default="")
    smtp_secret: Mapped[str] = mapped_column(Text, default="")
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), nullable=True)
    segment: Mapped[str] = mapped_column(String(12), default="")
    tier: Mapped[int] = mapped_column(default=1)
    work_level: Mapped[str] = mapped_column(String(16), default=WorkLevel.level0)
    default_type: Mapped[str] = mapped_column(String(16), default="gangguan")
    auto_acknowledge: Mapped[bool] = mapped_column(default=False)
    # At most one automatic acknowledgement per sender in this many minutes.
    ack_interval_minutes: Mapped[int] = mapped_column(default=60)
    max_attachment_bytes: Mapped[int] = mapped_column(default=10 * 1024 * 1024)
    active: Mapped[bool] = mapped_column(default=True)
    uidvalidity: Mapped[int | None] = mapped_column(nullable=True)
    last_uid: Mapped[int] = mapped_column(default=0)
    polled_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    last_error: Mapped[str] = mapped_column(Text, default="")


class EmailMessage(Base):
    """One mail in or out, with its raw bytes exactly as received or sent."""

    __tablename__ = "email_messages"
    __table_args__ = (
        UniqueConstraint("message_key"),
        Index("ix_email_messages_ticket", "ticket_id"),
        Index("ix_email_messages_outbox", "send_state", "next_attempt_at"),
        Index("ix_email_messages_sender_at", "from_address", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mailbox_id: Mapped[int] = mapped_column(ForeignKey("email_mailboxes.id"))
    direction: Mapped[str] = mapped_column(String(10))
    # The Message-ID, or for mail without one a hash of its bytes: the dedupe key.
    message_key: Mapped[str] = mapped_column(String(300))
    message_id: Mapped[str | None] = mapped_column(String(300), nullable=True, index=True)
    in_reply_to: Mapped[str | None] = mapped_column(String(300), nullable=True)
    references: Mapped[list[str]] = mapped_column(JSON, default=list)
    uidvalidity: Mapped[int | None] = mapped_column(nullable=True)
    uid: Mapped[int | None] = mapped_column(nullable=True)
    subject: Mapped[str] = mapped_column(String(500), default="")
    from_address: Mapped[str] = mapped_column(String(200), default="")
    from_name: Mapped[str] = mapped_column(String(200), default="")
    to: Mapped[list[str]] = mapped_column(JSON, default=list)
    cc: Mapped[list[str]] = mapped_column(JSON, default=list)
    sent_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)  # the Date header
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    text: Mapped[str] = mapped_column(Text, default="")
    html: Mapped[str | None] = mapped_column(Text, nullable=True)
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    defects: Mapped[list[str]] = mapped_column(JSON, default=list)
    state: Mapped[str] = mapped_column(String(12))
    noise_reason: Mapped[str] = mapped_column(String(40), default="")
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), nullable=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), nullable=True)
    interaction_id: Mapped[int | None] = mapped_column(
        ForeignKey("interactions.id"), nullable=True
    )
    possible_repeat_of: Mapped[int | None] = mapped_column(
        ForeignKey("tickets.id"), nullable=True
    )
    # Outgoing mail only: the outbox.
    author_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    template_kind: Mapped[str] = mapped_column(String(20), default="")
    send_state: Mapped[str | None] = mapped_column(String(10), nullable=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    claimed_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    last_error: Mapped[str] = mapped_column(Text, default="")

    mailbox: Mapped[Mailbox] = relationship()
    attachments: Mapped[list[EmailAttachment]] = relationship(
        back_populates="message", order_by="EmailAttachment.id"
    )


class EmailReference(Base):
    """Every Message-ID a stored mail points at (In-Reply-To and References), so a parent
    that arrives after its reply finds the reply's ticket."""

    __tablename__ = "email_references"
    __table_args__ = (Index("ix_email_references_target", "target"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("email_messages.id"), index=True)
    target: Mapped[str] = mapped_column(String(300))


class EmailAttachment(Base):
    __tablename__ = "email_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("email_messages.id"), index=True)
    filename: Mapped[str] = mapped_column(String(300))
    content_type: Mapped[str] = mapped_column(String(200))
    content_id: Mapped[str | None] = mapped_column(String(300), nullable=True)
    inline: Mapped[bool] = mapped_column(default=False)
    size: Mapped[int] = mapped_column(default=0)
    # None when kept aside: over the mailbox's size limit the bytes stay only in the raw
    # message (always kept), and `note` says so.
    data: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    note: Mapped[str] = mapped_column(String(300), default="")

    message: Mapped[EmailMessage] = relationship(back_populates="attachments")


class QuarantinedEmail(Base):
    """Bytes that are not a mail at all, kept with the reason for an admin to look at."""

    __tablename__ = "email_quarantine"
    __table_args__ = (UniqueConstraint("mailbox_id", "digest"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mailbox_id: Mapped[int] = mapped_column(ForeignKey("email_mailboxes.id"))
    source: Mapped[str] = mapped_column(String(10))  # imap / api
    uidvalidity: Mapped[int | None] = mapped_column(nullable=True)
    uid: Mapped[int | None] = mapped_column(nullable=True)
    digest: Mapped[str] = mapped_column(String(64))
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    reason: Mapped[str] = mapped_column(Text)
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    dismissed_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)

    mailbox: Mapped[Mailbox] = relationship()


class ReplyTemplate(TimestampMixin, Base):
    """A canned response; {variables} are filled from the ticket (see templates.py)."""

    __tablename__ = "email_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default=TemplateKind.reply)
    subject: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(default=True)


class RelatedProduct(Base):
    """Products to offer with an information answer about a product (SOP 5.5)."""

    __tablename__ = "email_related_products"
    __table_args__ = (UniqueConstraint("product", "related"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product: Mapped[str] = mapped_column(String(20), index=True)
    related: Mapped[str] = mapped_column(String(120))
    pitch: Mapped[str] = mapped_column(Text, default="")


class LevelRoute(Base):
    """Which team works mail of a work level (and segment; "" = any segment)."""

    __tablename__ = "email_level_routes"
    __table_args__ = (UniqueConstraint("level", "segment"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    level: Mapped[str] = mapped_column(String(16))
    segment: Mapped[str] = mapped_column(String(12), default="")
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))


class AckLog(Base):
    """When a sender last got an automatic acknowledgement (rate limit per sender)."""

    __tablename__ = "email_ack_log"

    address: Mapped[str] = mapped_column(String(200), primary_key=True)
    sent_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


__all__ = [
    "AckLog",
    "EmailAttachment",
    "EmailMessage",
    "EmailReference",
    "LevelRoute",
    "MailState",
    "Mailbox",
    "QuarantinedEmail",
    "RelatedProduct",
    "ReplyTemplate",
    "SendState",
    "TemplateKind",
    "WorkLevel",
]

