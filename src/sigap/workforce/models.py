"""Workforce tables (D15.14, D17, D18): queue plans, special days, forecasts, shift
templates, leave and preferences, rosters with their shifts, and attendance."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sigap.core.clock import utcnow
from sigap.db.base import Base, TimestampMixin


class RosterStatus(StrEnum):
    draft = "draft"
    published = "published"  # by Operation Plan
    reviewed = "reviewed"  # by QIA against traffic (D17 "N+1 reviewed")


class QueuePlan(TimestampMixin, Base):
    """A queue as Operation Plan plans it: where its history comes from, its service
    target and the staffing parameters (Erlang for voice, workload for email, concurrency
    for chat), and the site and desk whose agents serve it."""

    __tablename__ = "wfm_queue_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    # History: this ACD queue's interval reports when set, else Sigap's own inbound
    # interactions of the channel.
    acd_queue: Mapped[str] = mapped_column(String(60), default="")
    routing_queue_id: Mapped[int | None] = mapped_column(ForeignKey("queues.id"), nullable=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"), nullable=True)
    desk: Mapped[str] = mapped_column(String(80), default="")
    # Share of the queue's workload this site carries (two sites serve one national queue).
    site_share: Mapped[float] = mapped_column(default=1.0)
    interval_minutes: Mapped[int] = mapped_column(default=30)
    target_service_level: Mapped[float] = mapped_column(default=0.8)
    target_answer_seconds: Mapped[int] = mapped_column(default=20)
    max_occupancy: Mapped[float] = mapped_column(default=0.85)
    patience_seconds: Mapped[int | None] = mapped_column(nullable=True)  # Erlang A when set
    concurrency: Mapped[int] = mapped_column(default=1)  # chats one agent works at once
    deadline_minutes: Mapped[int] = mapped_column(default=0)  # email response deadline
    planned_shrinkage: Mapped[float] = mapped_column(default=0.15)  # breaks, training
    unplanned_shrinkage: Mapped[float] = mapped_column(default=0.05)  # sick, late
    active: Mapped[bool] = mapped_column(default=True)


class SpecialDay(TimestampMixin, Base):
    """A holiday or a known campaign: the day's volume is multiplied by `factor` (in the
    forecast, and divided out of the history that trains it)."""

    __tablename__ = "wfm_special_days"
    __table_args__ = (UniqueConstraint("day", "queue"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date)
    queue: Mapped[str] = mapped_column(String(80), default="")  # "" = every queue
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(16), default="holiday")  # holiday / campaign
    factor: Mapped[float] = mapped_column(default=1.0)


class Forecast(Base):
    """One stored forecast version of a queue: its method, parameters and backtest."""

    __tablename__ = "wfm_forecasts"
    __table_args__ = (Index("ix_wfm_forecasts_plan_created", "plan_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("wfm_queue_plans.id"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    first_day: Mapped[dt.date] = mapped_column(Date)
    days: Mapped[int] = mapped_column()
    history_days: Mapped[int] = mapped_column(default=0)
    method: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    wape: Mapped[float | None] = mapped_column(nullable=True)  # daily backtest, percent
    mape: Mapped[float | None] = mapped_column(nullable=True)
    note: Mapped[str] = mapped_column(String(300), default="")


class ForecastInterval(Base):
    __tablename__ = "wfm_forecast_intervals"

    forecast_id: Mapped[int] = mapped_column(ForeignKey("wfm_forecasts.id"), primary_key=True)
    start: Mapped[dt.datetime] = mapped_column(primary_key=True)
    volume: Mapped[float] = mapped_column()
    aht_seconds: Mapped[float] = mapped_column()


class ShiftTemplate(TimestampMixin, Base):
    """A shift as the floor names it (P1 07:00–16:00 …), in the site's local time; a
    shift may cross midnight. One break is placed inside [break_after, break_before]
    minutes from the start, where the floor can best spare the agent."""

    __tablename__ = "wfm_shift_templates"
    __table_args__ = (UniqueConstraint("site_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"), nullable=True)
    code: Mapped[str] = mapped_column(String(12))
    start_minute: Mapped[int] = mapped_column()  # minutes after local midnight
    minutes: Mapped[int] = mapped_column()  # length, break included
    break_minutes: Mapped[int] = mapped_column(default=60)
    break_after: Mapped[int] = mapped_column(default=180)
    break_before: Mapped[int] = mapped_column(default=360)
    skill: Mapped[str] = mapped_column(String(40), default="")  # required skill, "" = any
    active: Mapped[bool] = mapped_column(default=True)


class Leave(TimestampMixin, Base):
    __tablename__ = "wfm_leaves"
    __table_args__ = (Index("ix_wfm_leaves_staff_first", "staff_id", "first_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    first_day: Mapped[dt.date] = mapped_column(Date)
    last_day: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16), default="cuti")  # cuti / sakit / training
    note: Mapped[str] = mapped_column(String(200), default="")


class Preference(TimestampMixin, Base):
    """What an agent would like: preferred shift codes and weekdays off (0 = Monday)."""

    __tablename__ = "wfm_preferences"

    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), primary_key=True)
    shift_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    days_off: Mapped[list[int]] = mapped_column(JSON, default=list)


class Roster(TimestampMixin, Base):
    """A site's roster for one month, as solved, published and reviewed."""

    __tablename__ = "wfm_rosters"
    __table_args__ = (Index("ix_wfm_rosters_site_month", "site_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    month: Mapped[dt.date] = mapped_column(Date)  # first day of the month
    status: Mapped[str] = mapped_column(String(12), default=RosterStatus.draft)
    rules: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    solver_status: Mapped[str] = mapped_column(String(20), default="")
    solve_seconds: Mapped[float] = mapped_column(default=0.0)
    under_minutes: Mapped[int] = mapped_column(default=0)  # required but not scheduled
    over_minutes: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    published_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    review_note: Mapped[str] = mapped_column(Text, default="")


class RosterShift(Base):
    """One agent's shift on one day of a roster, with its placed break (UTC)."""

    __tablename__ = "wfm_roster_shifts"
    __table_args__ = (
        UniqueConstraint("roster_id", "staff_id", "day"),
        Index("ix_wfm_roster_shifts_staff_day", "staff_id", "day"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    roster_id: Mapped[int] = mapped_column(ForeignKey("wfm_rosters.id"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    day: Mapped[dt.date] = mapped_column(Date)  # the local day the shift starts on
    template_id: Mapped[int] = mapped_column(ForeignKey("wfm_shift_templates.id"))
    desk: Mapped[str] = mapped_column(String(80), default="")
    start_at: Mapped[dt.datetime] = mapped_column()
    end_at: Mapped[dt.datetime] = mapped_column()
    break_start: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    break_end: Mapped[dt.datetime | None] = mapped_column(nullable=True)


class Attendance(TimestampMixin, Base):
    """Check-in and check-out against the roster (D18); Desk Control corrects with a
    reason, which the audit log keeps with the change."""

    __tablename__ = "wfm_attendance"
    __table_args__ = (UniqueConstraint("staff_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    day: Mapped[dt.date] = mapped_column(Date)
    shift_id: Mapped[int | None] = mapped_column(ForeignKey("wfm_roster_shifts.id"),
                                                 nullable=True)
    check_in: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    check_out: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    corrected_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    correction_reason: Mapped[str] = mapped_column(String(300), default="")
