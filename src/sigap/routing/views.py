"""Presence API and the desk's state form; the routing API lives in routing/api.py."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Query
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, ConfigDict, Field

from sigap.auth.actor import Actor
from sigap.auth.permissions import Scope, scope_for
from sigap.core.errors import Forbidden, InvalidInput
from sigap.routing import assignment, service
from sigap.routing.models import AgentState
from sigap.web.deps import CurrentActor, DbSession, PostedForm, require, text_fields
from sigap.web.route import TransactionRoute

router = APIRouter(route_class=TransactionRoute, tags=["presence"])


class PresenceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    state: str = Field(pattern="^(ready|busy|acw|aux|offline)$")
    reason: str = Field(default="", max_length=30)


class PresenceOut(BaseModel):
    staff_id: int
    state: str
    reason: str
    since: dt.datetime


class PresenceRowOut(PresenceOut):
    name: str
    seconds: int


class AuxReasonOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    label: str


def _staff(actor: Actor) -> int:
    if actor.staff_id is None:
        raise InvalidInput("Hanya staf yang punya status kehadiran.", field="state")
    return actor.staff_id


@router.get("/api/presence/me", response_model=PresenceOut)
def me(session: DbSession, actor: CurrentActor) -> PresenceOut:
    current = service.my_state(session, actor)
    if current is None:
        return PresenceOut(staff_id=_staff(actor), state=AgentState.offline, reason="",
                           since=dt.datetime.now(dt.UTC))
    return PresenceOut(staff_id=current.staff_id, state=current.state, reason=current.reason,
                       since=current.since)


@router.post("/api/presence", response_model=PresenceOut)
def set_presence(body: PresenceIn, session: DbSession, actor: CurrentActor) -> PresenceOut:
    """The agent's own state: ready, busy, after-call work, aux (with a reason), offline."""
    current = assignment.set_presence(session, _staff(actor), body.state, body.reason)
    return PresenceOut(staff_id=current.staff_id, state=current.state, reason=current.reason,
                       since=current.since)


@router.get("/api/presence/team", response_model=list[PresenceRowOut])
def team(session: DbSession, actor: Actor = Depends(require("tickets.takeover")),
         team_id: int | None = Query(default=None, gt=0)) -> list[PresenceRowOut]:
    """The agents of a team (a team leader's own teams) and their states with durations."""
    teams = actor.team_ids
    if team_id is not None:
        if team_id not in teams and scope_for(actor.role, "tickets.takeover") is Scope.team:
            raise Forbidden("Hanya tim yang Anda pimpin.", field="team_id")
        teams = (team_id,)
    return [PresenceRowOut(staff_id=r.staff_id, name=r.name, state=r.state, reason=r.reason,
                           since=r.since, seconds=r.seconds)
            for r in service.team_presence(session, teams)]


@router.get("/api/aux-reasons", response_model=list[AuxReasonOut])
def aux_reasons(session: DbSession, actor: CurrentActor) -> list[AuxReasonOut]:
    return [AuxReasonOut.model_validate(r) for r in service.aux_reasons(session)]


@router.post("/presence", include_in_schema=False)
def presence_form(session: DbSession, form: PostedForm, actor: CurrentActor) -> RedirectResponse:
    data = text_fields(form)
    state, _, reason = data.get("state", "").partition(":")
    assignment.set_presence(session, _staff(actor), state, reason)
    return RedirectResponse("/desk", status_code=303)
