"""Message templates approved by Meta: the only messages allowed outside the 24-hour window."""

from __future__ import annotations

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sigap.db.base import Base, TimestampMixin


class WaTemplate(TimestampMixin, Base):
    __tablename__ = "whatsapp_templates"
    __table_args__ = (UniqueConstraint("name", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    language: Mapped[str] = mapped_column(String(10), default="id")
    category: Mapped[str] = mapped_column(String(20), default="UTILITY")
    # The approved text with {{1}}, {{2}} … placeholders, shown to the agent.
    body: Mapped[str] = mapped_column(Text)
    approved: Mapped[bool] = mapped_column(default=False)
