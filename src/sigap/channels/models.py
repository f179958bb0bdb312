"""Chat and social channels: raw webhook deliveries, conversations and their messages."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from sigap.core.clock import utcnow
from sigap.db.base import Base, TimestampMixin


class WebhookDelivery(Base):
    """A webhook body exactly as it arrived, stored before it is acknowledged."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (Index("ix_webhook_deliveries_pending", "channel", "processed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    received_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    processed_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    error: Mapped[str] = mapped_column(Text, default="")


class Conversation(TimestampMixin, Base):
    """A customer's thread on one channel account; open until closed by an agent."""

    __tablename__ = "conversations"
    __table_args__ = (
        Index("ix_conversations_contact", "channel", "account", "contact", "state"),
        # One open conversation per contact, also with several server processes.
        Index("uq_conversations_open", "channel", "account", "contact", unique=True,
              sqlite_where=text("state = 'open'"), postgresql_where=text("state = 'open'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    account: Mapped[str] = mapped_column(String(64))  # our number id / page id
    contact: Mapped[str] = mapped_column(String(64))  # their WhatsApp id / handle
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), nullable=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), nullable=True)
    state: Mapped[str] = mapped_column(String(10), default="open")
    priority: Mapped[bool] = mapped_column(default=False)
    priority_reason: Mapped[str] = mapped_column(String(200), default="")
    # The customer's last message opens the 24-hour window for free-form replies.
    last_inbound_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)


class ChatMessage(Base):
    __tablename__ = "chat_messages"
    __table_args__ = (UniqueConstraint("channel", "provider_id"),
                      Index("ix_chat_messages_conversation", "conversation_id", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    provider_id: Mapped[str] = mapped_column(String(200))
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"))
    delivery_id: Mapped[int | None] = mapped_column(ForeignKey("webhook_deliveries.id"),
                                                    nullable=True)
    direction: Mapped[str] = mapped_column(String(10))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(20))  # text, image, document, audio, …
    text: Mapped[str] = mapped_column(Text, default="")
    handled: Mapped[bool] = mapped_column(default=True)  # False: kept, shown as such
    payload: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    media_id: Mapped[str] = mapped_column(String(200), default="")
    media_type: Mapped[str] = mapped_column(String(120), default="")
    media: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    media_attempts: Mapped[int] = mapped_column(default=0)
    media_error: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12), default="")  # outgoing: sent … read
    status_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)


class PriorityAccount(TimestampMixin, Base):
    """An account on the priority list of W-19: by profession or category, or a board
    (BOD) account whose mention makes the message priority too."""

    __tablename__ = "priority_accounts"
    __table_args__ = (UniqueConstraint("channel", "account"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))  # x, facebook, whatsapp
    account: Mapped[str] = mapped_column(String(120))  # handle without @, or id / wa_id
    name: Mapped[str] = mapped_column(String(200), default="")
    category: Mapped[str] = mapped_column(String(30))
    note: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(default=True)


class ChannelAccount(TimestampMixin, Base):
    """One of our accounts on a vendor channel (a WhatsApp number, a Facebook page, an X
    account) with its own secrets; its webhook is `/api/channels/<channel>/webhook/<name>`.
    A secret left empty falls back to the channel's setting."""

    __tablename__ = "channel_accounts"
    __table_args__ = (UniqueConstraint("channel", "name"),
                      UniqueConstraint("channel", "external_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))  # whatsapp, facebook, x
    name: Mapped[str] = mapped_column(String(40))  # the path segment
    # phone_number_id / page id / X user id: the `account` of its conversations
    external_id: Mapped[str] = mapped_column(String(64))
    # Meta app secret, or X consumer secret: the key deliveries are signed with.
    app_secret: Mapped[str] = mapped_column(Text, default="")
    verify_token: Mapped[str] = mapped_column(Text, default="")
    access_token: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(default=True)
