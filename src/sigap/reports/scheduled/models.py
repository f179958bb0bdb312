"""Report schedules (daily or monthly board, emailed to roles) and the log of their runs."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from sigap.core.clock import utcnow
from sigap.db.base import Base, TimestampMixin


class ReportSchedule(TimestampMixin, Base):
    __tablename__ = "report_schedules"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    frequency: Mapped[str] = mapped_column(String(10))  # daily, monthly
    board: Mapped[str] = mapped_column(String(10), default="tenesa")  # tenesa, tam
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"), nullable=True)
    language: Mapped[str] = mapped_column(String(2), default="id")
    hour: Mapped[int] = mapped_column(default=7)  # local hour from which it is due
    enabled: Mapped[bool] = mapped_column(default=True)
    # The first day of the last period sent (a day, or the first of a month).
    last_period: Mapped[dt.date | None] = mapped_column(nullable=True)


class ReportRun(Base):
    __tablename__ = "report_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    schedule_id: Mapped[int] = mapped_column(ForeignKey("report_schedules.id"), index=True)
    period_start: Mapped[dt.date] = mapped_column()
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    recipients: Mapped[list[str]] = mapped_column(JSON, default=list)
    ok: Mapped[bool] = mapped_column(default=False)
    error: Mapped[str] = mapped_column(Text, default="")
