"""Sites, teams and staff (D1–D4)."""

from __future__ import annotations

import calendar
import datetime as dt
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sigap.core.clock import utcnow
from sigap.db.base import Base, TimestampMixin


class Role(StrEnum):
    """Every role of D2; the values are the ids used in code, API and CLI."""

    agent = "agent"
    team_leader = "team_leader"
    supervisor = "supervisor"
    coordinator = "coordinator"
    manager = "manager"
    qco = "qco"
    quality_assurance = "quality_assurance"
    supervisor_quality = "supervisor_quality"
    qc_tier2 = "qc_tier2"
    hd_support = "hd_support"
    operation_plan = "operation_plan"
    desk_control = "desk_control"
    admin = "admin"
    trainer = "trainer"
    knowledge_management = "knowledge_management"
    document_control = "document_control"
    qia = "qia"
    it = "it"


class Tier(StrEnum):
    """Where an agent works: Tier 1 front line, Tier 2 desks, IMES multi-tier, Pro-Active."""

    tier1 = "tier1"
    tier2 = "tier2"
    multi_tier = "multi_tier"
    non_tier = "non_tier"
    outbound = "outbound"
    none = "none"


class Channel(StrEnum):
    voice = "voice"
    whatsapp = "whatsapp"
    email = "email"
    facebook = "facebook"
    x = "x"
    web = "web"
    outbound_call = "outbound_call"


class Site(TimestampMixin, Base):
    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    city: Mapped[str] = mapped_column(String(80))
    timezone: Mapped[str] = mapped_column(String(40), default="Asia/Jakarta")
    seats: Mapped[int] = mapped_column(default=0)

    teams: Mapped[list[Team]] = relationship(back_populates="site", order_by="Team.name")


class Team(TimestampMixin, Base):
    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("site_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    tier: Mapped[str] = mapped_column(String(20), default=Tier.tier1)
    # Desk name as the floor says it: "Tier 1 Voice", "Tier 2 Datin", "Pro-Active" …
    desk: Mapped[str] = mapped_column(String(80), default="")
    leader_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", use_alter=True, name="fk_teams_leader_id_staff"), nullable=True
    )

    site: Mapped[Site] = relationship(back_populates="teams")
    leader: Mapped[Staff | None] = relationship(foreign_keys=[leader_id])


class Staff(TimestampMixin, Base):
    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    login_code: Mapped[int] = mapped_column(unique=True)
    online_name: Mapped[str] = mapped_column(String(60))
    full_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(32), index=True)
    tier: Mapped[str] = mapped_column(String(20), default=Tier.none)
    channels: Mapped[list[str]] = mapped_column(JSON, default=list)
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"), index=True, nullable=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True, nullable=True)
    team_leader_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), nullable=True)
    hire_date: Mapped[dt.date | None] = mapped_column(nullable=True)
    email: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # Consecutive months, up to the last one, in which the person met the QA target (D22);
    # kept on the staff record until the quality domain provides the history.
    qa_met_months: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(default=True)

    site: Mapped[Site | None] = relationship(foreign_keys=[site_id])
    team: Mapped[Team | None] = relationship(foreign_keys=[team_id])
    team_leader: Mapped[Staff | None] = relationship(
        remote_side=[id], foreign_keys=[team_leader_id]
    )

    def tenure_months(self, today: dt.date) -> int | None:
        """Whole months since hire (D4, D22): 6 months and 1 day counts as 6."""
        if self.hire_date is None:
            return None
        months = (today.year - self.hire_date.year) * 12 + (today.month - self.hire_date.month)
        if today.day < self.hire_date.day:
            months -= 1
        return max(0, months)

    def priority_eligible(self, today: dt.date) -> bool:
        return priority_eligible(self.hire_date, self.qa_met_months, today)


def priority_eligible(hire_date: dt.date | None, qa_met_months: int, today: dt.date) -> bool:
    """A priority-segment agent (W-19 5.1.1, D22): more than six months' tenure and the QA
    target met six months in a row."""
    if hire_date is None:
        return False
    month = hire_date.month - 1 + 6
    year, month = hire_date.year + month // 12, month % 12 + 1
    day = min(hire_date.day, calendar.monthrange(year, month)[1])
    return today > dt.date(year, month, day) and qa_met_months >= 6


class Alert(Base):
    """Something a person must see at once (a priority customer for the TL on duty…),
    shown on their desk until they mark it read."""

    __tablename__ = "alerts"
    __table_args__ = (Index("ix_alerts_staff_read", "staff_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    kind: Mapped[str] = mapped_column(String(30))
    message: Mapped[str] = mapped_column(String(500))
    link: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    read_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
