"""API shapes for sites, teams and staff (D1–D4)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from sigap.org.models import Channel, Role, Tier

Zone = Literal["Asia/Jakarta", "Asia/Pontianak", "Asia/Makassar", "Asia/Jayapura"]


class SiteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9_-]+$")
    name: str = Field(min_length=1, max_length=120)
    city: str = Field(min_length=1, max_length=80)
    timezone: Zone = "Asia/Jakarta"
    seats: int = Field(default=0, ge=0, le=100_000)


class SitePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str | None = Field(default=None, min_length=1, max_length=20,
                             pattern=r"^[A-Za-z0-9_-]+$")
    name: str | None = Field(default=None, min_length=1, max_length=120)
    city: str | None = Field(default=None, min_length=1, max_length=80)
    timezone: Zone | None = None
    seats: int | None = Field(default=None, ge=0, le=100_000)


class SiteOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    city: str
    timezone: str
    seats: int
    headcount: int = 0


class TeamIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=120)
    site_id: int = Field(ge=1)
    tier: Tier = Tier.tier1
    desk: str = Field(default="", max_length=80)
    leader_id: int | None = Field(default=None, ge=1)


class TeamPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=120)
    site_id: int | None = Field(default=None, ge=1)
    tier: Tier | None = None
    desk: str | None = Field(default=None, max_length=80)
    leader_id: int | None = Field(default=None, ge=1)


class TeamOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    site_id: int
    tier: str
    desk: str
    leader_id: int | None


def _clean_skills(value: list[str] | None) -> list[str] | None:
    if value is None:
        return None
    seen: list[str] = []
    for item in value:
        skill = item.strip()
        if skill and skill not in seen:
            seen.append(skill)
    return seen


class StaffIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    login_code: int = Field(ge=1, le=2_000_000_000)
    online_name: str = Field(min_length=1, max_length=60)
    full_name: str = Field(min_length=1, max_length=120)
    role: Role
    tier: Tier = Tier.none
    channels: list[Channel] = Field(default_factory=list)
    skills: list[str] = Field(default_factory=list, max_length=50)
    site_id: int | None = Field(default=None, ge=1)
    team_id: int | None = Field(default=None, ge=1)
    team_leader_id: int | None = Field(default=None, ge=1)
    hire_date: dt.date | None = None
    email: str | None = Field(default=None, max_length=200,
                              pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    qa_met_months: int = Field(default=0, ge=0, le=600)
    active: bool = True

    _skills = field_validator("skills")(_clean_skills)


class StaffPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    login_code: int | None = Field(default=None, ge=1, le=2_000_000_000)
    online_name: str | None = Field(default=None, min_length=1, max_length=60)
    full_name: str | None = Field(default=None, min_length=1, max_length=120)
    role: Role | None = None
    tier: Tier | None = None
    channels: list[Channel] | None = None
    skills: list[str] | None = Field(default=None, max_length=50)
    site_id: int | None = Field(default=None, ge=1)
    team_id: int | None = Field(default=None, ge=1)
    team_leader_id: int | None = Field(default=None, ge=1)
    hire_date: dt.date | None = None
    email: str | None = Field(default=None, max_length=200,
                              pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    qa_met_months: int | None = Field(default=None, ge=0, le=600)
    active: bool | None = None

    _skills = field_validator("skills")(_clean_skills)


class StaffOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    login_code: int
    online_name: str
    full_name: str
    role: str
    tier: str
    channels: list[str]
    skills: list[str]
    site_id: int | None
    team_id: int | None
    team_leader_id: int | None
    hire_date: dt.date | None
    email: str | None
    qa_met_months: int
    active: bool
    tenure_months: int | None = None
    has_login: bool | None = None


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    login_code: int = Field(ge=1)
    password: str = Field(min_length=8, max_length=200)


class UserPasswordReset(BaseModel):
    model_config = ConfigDict(extra="forbid")

    password: str = Field(min_length=8, max_length=200)


class UserOut(BaseModel):
    id: int
    staff_id: int
    login_code: int
    online_name: str
    full_name: str
    role: str
    site_id: int | None
    team_id: int | None
    active: bool
    staff_active: bool
    last_login_at: dt.datetime | None
    password_changed_at: dt.datetime | None
