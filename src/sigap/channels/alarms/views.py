"""Alarm webhooks (Alertmanager v4 and plain JSON) and the pro-active desk's actions."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Literal

from fastapi import APIRouter, Depends
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from sigap.auth.actor import Actor
from sigap.channels.alarms import service
from sigap.web.deps import DbSession, require
from sigap.web.route import TransactionRoute

router = APIRouter(route_class=TransactionRoute, tags=["alarms"])
SENDER = Depends(require("channels.alarms"))
READ = Depends(require("tickets.read"))
WRITE = Depends(require("tickets.write"))


class AmAlert(BaseModel):
    """One alert of an Alertmanager webhook (payload version 4)."""

    model_config = ConfigDict(populate_by_name=True)

    status: Literal["firing", "resolved"]
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    startsAt: dt.datetime
    endsAt: dt.datetime | None = None
    fingerprint: str = Field(default="", max_length=120)


class AmWebhook(BaseModel):
    version: str = "4"
    status: Literal["firing", "resolved"]
    receiver: str = ""
    alerts: list[AmAlert] = Field(max_length=5000)


class PlainAlarm(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fingerprint: str = Field(default="", max_length=120)
    name: str = Field(min_length=1, max_length=200)
    service_id: str = Field(default="", max_length=40)
    severity: str = Field(default="major", max_length=20)
    summary: str = Field(default="", max_length=5000)
    status: Literal["firing", "resolved"] = "firing"
    at: AwareDatetime
    labels: dict[str, str] = Field(default_factory=dict)


class TakenOut(BaseModel):
    alarm_id: int
    new: bool
    ticket_id: int | None


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None or value.year < 2000:  # Alertmanager sends 0001-01-01 for "not yet"
        return None
    return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)


@router.post("/api/channels/alarms/alertmanager", response_model=list[TakenOut])
def alertmanager(body: AmWebhook, session: DbSession, actor: Actor = SENDER) -> list[TakenOut]:
    """Alertmanager's webhook receiver (with `http_config.authorization` as the bearer)."""
    items = []
    for alert in body.alerts:
        labels = dict(alert.labels)
        fingerprint = alert.fingerprint or hashlib.sha256(
            repr(sorted(labels.items())).encode()).hexdigest()[:32]
        summary = alert.annotations.get("summary") or alert.annotations.get("description", "")
        items.append(service.AlarmIn(
            source="alertmanager", fingerprint=fingerprint, status=alert.status, labels=labels,
            summary=summary, starts_at=_utc(alert.startsAt) or dt.datetime.now(dt.UTC),
            ends_at=_utc(alert.endsAt)))
    return [TakenOut(**t.__dict__) for t in service.take(session, items)]


@router.post("/api/channels/alarms/events", response_model=list[TakenOut])
def plain(body: list[PlainAlarm], session: DbSession, actor: Actor = SENDER) -> list[TakenOut]:
    """Alarms from any other monitor, as plain JSON (a list)."""
    items = []
    for alarm in body:
        labels = {**alarm.labels, "alertname": alarm.name, "severity": alarm.severity}
        if alarm.service_id:
            labels["service_id"] = alarm.service_id
        fingerprint = alarm.fingerprint or hashlib.sha256(
            f"{alarm.name}|{alarm.service_id}".encode()).hexdigest()[:32]
        at = alarm.at.astimezone(dt.UTC)
        items.append(service.AlarmIn(source="json", fingerprint=fingerprint,
                                     status=alarm.status, labels=labels,
                                     summary=alarm.summary, starts_at=at,
                                     ends_at=at if alarm.status == "resolved" else None))
    return [TakenOut(**t.__dict__) for t in service.take(session, items)]


class AlarmOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    source: str
    fingerprint: str
    name: str
    severity: str
    summary: str
    status: str
    labels: dict[str, object]
    starts_at: dt.datetime
    ends_at: dt.datetime | None
    service_id: int | None
    customer_id: int | None
    ticket_id: int | None
    follow_up: str
    followed_up_at: dt.datetime | None
    informed_at: dt.datetime | None
    deliveries: int


@router.get("/api/alarms", response_model=list[AlarmOut])
def alarms(session: DbSession, actor: Actor = READ,
           follow_up: Literal["pending", "valid", "clear"] | None = None,
           status: Literal["firing", "resolved"] | None = None) -> list[AlarmOut]:
    return [AlarmOut.model_validate(a) for a in service.list_alarms(session, follow_up, status)]


class FollowUpIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    result: Literal["valid", "clear"]
    note: str = Field(default="", max_length=5000)
    service_id: int | None = Field(default=None, gt=0)


@router.post("/api/alarms/{alarm_id}/follow-up", response_model=AlarmOut)
def follow_up(alarm_id: int, body: FollowUpIn, session: DbSession,
              actor: Actor = WRITE) -> AlarmOut:
    """Valid: the fault ticket is opened (once). Clear: no ticket."""
    return AlarmOut.model_validate(service.follow_up(session, actor, alarm_id, body.result,
                                                     body.note, body.service_id))


class InformIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message: str = Field(min_length=1, max_length=5000)


@router.post("/api/alarms/{alarm_id}/inform", response_model=AlarmOut)
def inform(alarm_id: int, body: InformIn, session: DbSession, actor: Actor = WRITE) -> AlarmOut:
    """Record that the customer was told (the response-time stamp of the ticket)."""
    return AlarmOut.model_validate(service.inform(session, actor, alarm_id, body.message))


class RuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    position: int = Field(default=100, ge=0, le=10_000)
    label: str = Field(min_length=1, max_length=60, pattern=r"^[a-zA-Z_][a-zA-Z0-9_]*$")
    value: str = Field(min_length=1, max_length=120)
    action: Literal["auto", "validate"]


class RuleOut(RuleIn):
    model_config = ConfigDict(from_attributes=True)

    id: int


RULES = Depends(require("channels.alarm_rules"))


@router.get("/api/alarm-rules", response_model=list[RuleOut])
def rules(session: DbSession, actor: Actor = READ) -> list[RuleOut]:
    """In order: the first rule whose label has the value decides; none → validation."""
    return [RuleOut.model_validate(r) for r in service.rules(session)]


@router.post("/api/alarm-rules", response_model=RuleOut, status_code=201)
def add_rule(body: RuleIn, session: DbSession, actor: Actor = RULES) -> RuleOut:
    return RuleOut.model_validate(service.add_rule(session, **body.model_dump()))


@router.delete("/api/alarm-rules/{rule_id}", status_code=204)
def delete_rule(rule_id: int, session: DbSession, actor: Actor = RULES) -> None:
    service.delete_rule(session, rule_id)
