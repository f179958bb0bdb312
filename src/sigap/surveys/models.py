"""A CSAT survey: one per resolution of a ticket, on the channel it was sent by."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sigap.core.clock import utcnow
from sigap.db.base import Base


class CsatSurvey(Base):
    """Sent (queued in the channel's outbox) or skipped with the reason; answered once,
    on the signed web page or, on WhatsApp, by a lone digit 1–5."""

    __tablename__ = "csat_surveys"
    __table_args__ = (UniqueConstraint("ticket_id", "resolved_at"),
                      Index("ix_csat_surveys_open", "channel", "address", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    resolved_at: Mapped[dt.datetime] = mapped_column(index=True)  # the resolution asked about
    channel: Mapped[str] = mapped_column(String(16))  # whatsapp, facebook, x, email, none
    address: Mapped[str] = mapped_column(String(200), default="")  # wa id, handle, email
    status: Mapped[str] = mapped_column(String(10))  # sent, skipped, answered
    skip_reason: Mapped[str] = mapped_column(String(300), default="")
    chat_message_id: Mapped[int | None] = mapped_column(ForeignKey("chat_messages.id"),
                                                        nullable=True)
    email_id: Mapped[int | None] = mapped_column(ForeignKey("email_messages.id"),
                                                 nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    score: Mapped[int | None] = mapped_column(nullable=True)
    comment: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    answered_via: Mapped[str] = mapped_column(String(10), default="")  # web, whatsapp
