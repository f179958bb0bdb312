"""The CTI event API for the PBX/ACD, and the ACD interval report upload."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from sigap.auth.actor import Actor
from sigap.channels.voice import calls, intervals, pages
from sigap.core.errors import UnsupportedMediaType
from sigap.web.deps import DbSession, require
from sigap.web.route import TransactionRoute

router = APIRouter(route_class=TransactionRoute, tags=["voice"])
router.include_router(pages.router)
CTI = Depends(require("channels.cti"))
ACD = Depends(require("channels.acd_import"))


class CallEventIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    call_id: str = Field(min_length=1, max_length=120)
    type: Literal["offered", "answered", "transferred", "abandoned", "ended"]
    at: AwareDatetime
    event_id: str = Field(default="", max_length=200)
    caller: str = Field(default="", max_length=40)
    called: str = Field(default="", max_length=40)
    queue: str = Field(default="", max_length=60)
    agent: int | None = Field(default=None, gt=0, description="login code of the agent")
    to_agent: int | None = Field(default=None, gt=0)
    cause: str = Field(default="", max_length=120)
    recording_ref: str = Field(default="", max_length=300)


class CallOut(BaseModel):
    interaction_id: int
    call_id: str
    duplicate: bool
    arrived_at: dt.datetime
    answered_at: dt.datetime | None
    ended_at: dt.datetime | None
    agent_id: int | None
    customer_id: int | None
    recording_ref: str


@router.post("/api/channels/voice/events", response_model=CallOut, status_code=202)
def call_event(body: CallEventIn, session: DbSession, actor: Actor = CTI) -> CallOut:
    """One CTI event; the call's voice interaction is rebuilt from all its events."""
    item, fresh = calls.record(session, calls.CallIn(
        call_id=body.call_id, kind=body.type, at=body.at.astimezone(dt.UTC),
        event_id=body.event_id, caller=body.caller, called=body.called, queue=body.queue,
        agent=body.agent, to_agent=body.to_agent, cause=body.cause,
        recording_ref=body.recording_ref))
    return CallOut(interaction_id=item.id, call_id=body.call_id, duplicate=not fresh,
                   arrived_at=item.arrived_at, answered_at=item.answered_at,
                   ended_at=item.ended_at, agent_id=item.agent_id,
                   customer_id=item.customer_id, recording_ref=item.recording_ref)


async def csv_body(request: Request) -> bytes:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in ("text/csv", "application/csv"):
        raise UnsupportedMediaType("Kirim laporan interval ACD sebagai text/csv.",
                                   field="content-type")
    return await request.body()


class LineErrorOut(BaseModel):
    line: int
    field: str
    message: str


class IntervalReportOut(BaseModel):
    rows_read: int
    created: int
    updated: int
    unchanged: int
    errors: list[LineErrorOut]


@router.post("/api/channels/voice/intervals", response_model=IntervalReportOut)
def acd_intervals(actor: Annotated[Actor, ACD], data: Annotated[bytes, Depends(csv_body)],
                  session: DbSession) -> IntervalReportOut:
    """Import an ACD interval report (CSV: interval_start, queue, offered, answered,
    abandoned, answered_within, handle_time, wait_time); bad lines come back by number."""
    report = intervals.import_intervals(session, data)
    return IntervalReportOut(
        rows_read=report.rows_read, created=report.created, updated=report.updated,
        unchanged=report.unchanged,
        errors=[LineErrorOut(line=e.line, field=e.field, message=e.message)
                for e in report.errors])
