"""Email desk API shapes. Secrets go in, never out: answers only say whether one is set."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

_STRICT = ConfigDict(extra="forbid", str_strip_whitespace=True)

SegmentIn = Literal["", "DES", "DGS", "DBS", "consumer"]
WorkLevelIn = Literal["level0", "level1", "monitoring", "other_segment"]
TemplateKindIn = Literal["reply", "acknowledgement", "periodic_update", "cause_repair",
                         "closing"]


class MailboxIn(BaseModel):
    model_config = _STRICT

    name: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    address: str = Field(min_length=3, max_length=200)
    display_name: str = Field(default="", max_length=120)
    greeting: str = Field(default="", max_length=2000)
    signature: str = Field(default="", max_length=2000)
    imap_host: str = Field(default="", max_length=200)
    imap_port: int = Field(default=993, ge=1, le=65535)
    imap_tls: bool = True
    imap_user: str = Field(default="", max_length=200)
    imap_auth: Literal["password", "oauth2"] = "password"
    imap_secret: str | None = Field(default=None, max_length=8000)
    imap_folder: str = Field(default="INBOX", min_length=1, max_length=120)
    processed_folder: str = Field(default="", max_length=120)
    smtp_host: str = Field(default="", max_length=200)
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_security: Literal["none", "starttls", "ssl"] = "starttls"
    smtp_user: str = Field(default="", max_length=200)
    smtp_secret: str | None = Field(default=None, max_length=8000)
    team_id: int | None = Field(default=None, gt=0)
    segment: SegmentIn = ""
    tier: Literal[1, 2] = 1
    work_level: WorkLevelIn = "level0"
    default_type: Literal["gangguan", "informasi", "permintaan"] = "gangguan"
    auto_acknowledge: bool = False
    ack_interval_minutes: int = Field(default=60, ge=0, le=7 * 24 * 60)
    max_attachment_bytes: int = Field(default=10 * 1024 * 1024, ge=0, le=2**31 - 1)
    active: bool = True


class MailboxOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    address: str
    display_name: str
    greeting: str
    signature: str
    imap_host: str
    imap_port: int
    imap_tls: bool
    imap_user: str
    imap_auth: str
    imap_secret_set: bool
    imap_folder: str
    processed_folder: str
    smtp_host: str
    smtp_port: int
    smtp_security: str
    smtp_user: str
    smtp_secret_set: bool
    team_id: int | None
    segment: str
    tier: int
    work_level: str
    default_type: str
    auto_acknowledge: bool
    ack_interval_minutes: int
    max_attachment_bytes: int
    active: bool
    uidvalidity: int | None
    last_uid: int
    polled_at: dt.datetime | None
    last_error: str


class InboundOut(BaseModel):
    state: str
    email_id: int | None
    ticket_id: int | None
    duplicate: bool
    reason: str = ""


class QuarantineOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    mailbox_id: int
    source: str
    uid: int | None
    reason: str
    size: int
    received_at: dt.datetime
    dismissed_at: dt.datetime | None


class ReplyIn(BaseModel):
    model_config = _STRICT

    body: str = Field(min_length=1, max_length=50000)
    subject: str | None = Field(default=None, max_length=300)
    cc: list[str] = Field(default_factory=list, max_length=20)
    template_id: int | None = Field(default=None, gt=0)
    kind: TemplateKindIn = "reply"
    attachment_ids: list[int] = Field(default_factory=list, max_length=20)


class TemplateIn(BaseModel):
    model_config = _STRICT

    name: str = Field(min_length=1, max_length=120)
    kind: TemplateKindIn = "reply"
    subject: str = Field(default="", max_length=300)
    body: str = Field(min_length=1, max_length=20000)
    active: bool = True


class TemplateOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    kind: str
    subject: str
    body: str
    active: bool


class EmailOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    mailbox_id: int
    direction: str
    message_id: str | None
    subject: str
    from_address: str
    to: list[str]
    cc: list[str]
    received_at: dt.datetime
    text: str
    state: str
    noise_reason: str
    ticket_id: int | None
    send_state: str | None
    attempts: int
    last_error: str
    delivered_at: dt.datetime | None
