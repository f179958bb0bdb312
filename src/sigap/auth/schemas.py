"""API shapes for logins, tokens and the audit log."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(min_length=1, max_length=200)
    new_password: str = Field(min_length=8, max_length=200)


class MeOut(BaseModel):
    user_id: int
    login_code: int
    name: str
    role: str
    site_id: int | None
    site: str | None = None
    team_id: int | None
    team: str | None = None
    led_team_ids: list[int]
    timezone: str
    # permission → scope (own, team, site, all)
    permissions: dict[str, str]


class AuditOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: dt.datetime
    user_id: int | None
    login_code: int | None
    action: str
    entity: str
    entity_id: str | None
    ip: str | None
    detail: dict[str, object]
