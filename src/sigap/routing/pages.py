"""Live pages: the agent's offers on the desk, the wallboards, the team leader's floor,
and the Server-Sent Events stream that keeps them current without reloading."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse
from sqlalchemy.orm import Session

from sigap.auth.actor import Actor
from sigap.auth.permissions import Scope, scope_for
from sigap.core import broker
from sigap.core.clock import utcnow
from sigap.core.errors import Forbidden, InvalidInput, NotFound, SigapError
from sigap.routing import assignment, floor, queues
from sigap.routing.api import queue_for, visible
from sigap.routing.handling import Held
from sigap.routing.models import AgentState, WorkItem
from sigap.web.deps import CurrentActor, DbSession, PostedForm, require, text_fields
from sigap.web.render import is_htmx, render
from sigap.web.route import TransactionRoute

router = APIRouter(route_class=TransactionRoute, include_in_schema=False)

FLOOR = Depends(require("routing.floor"))
HEARTBEAT_SECONDS = 15.0


def _topic_allowed(session: DbSession, actor: Actor, topic: str) -> bool:
    kind, _, raw = topic.partition(":")
    if not raw.isdigit():
        return False
    ident = int(raw)
    floor_scope = scope_for(actor.role, "routing.floor")
    if kind == "agent":
        return ident == actor.staff_id
    if kind == "queue" and actor.staff_id is not None \
            and ident in queues.queues_of(session, actor.staff_id):
        return True  # an agent hears its own queues
    if floor_scope is None:
        return False
    if kind == "team":
        return ident in actor.team_ids or floor_scope >= Scope.site
    if kind == "site":
        return floor_scope is Scope.all or ident == actor.site_id
    if kind == "queue":
        try:
            return visible(actor, "routing.floor", queues.get_queue(session, ident))
        except NotFound:
            return False
    return False


async def _events(topics: list[str]) -> AsyncIterator[str]:
    sub = broker.current().subscribe(topics)
    yield "retry: 3000\n: connected\n\n"
    async for event in broker.stream(sub, HEARTBEAT_SECONDS):
        if event is None:
            yield ": ping\n\n"
        else:
            yield broker.encode(event)


@router.get("/live")
def live(session: DbSession, actor: CurrentActor,
         topics: str = Query(min_length=1, max_length=2000)) -> StreamingResponse:
    """Server-Sent Events for the given topics (agent:ID, team:ID, site:ID, queue:ID),
    each checked against what the caller may see."""
    wanted = [t.strip() for t in topics.split(",") if t.strip()]
    refused = [t for t in wanted if not _topic_allowed(session, actor, t)]
    if refused or not wanted:
        raise Forbidden(f"Topik tidak diizinkan: {', '.join(refused) or '(kosong)'}.",
                        field="topics")
    return StreamingResponse(_events(wanted), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


@router.get("/desk/work")
def desk_work(request: Request, session: DbSession, actor: CurrentActor) -> Response:
    """The agent's offers and held work (the desk reloads it on every live event)."""
    items = assignment.my_work(session, actor.staff_id) if actor.staff_id else []
    return render(request, "routing/_work.html", {"work_items": items, "now": utcnow()})


@router.post("/work/{item_id}/{action}")
def work_action(request: Request, item_id: int, action: str, session: DbSession,
                form: PostedForm, actor: CurrentActor) -> Response:
    steps: dict[str, Callable[[Session, Actor, int], Held | WorkItem]] = {
        "accept": assignment.accept, "decline": assignment.decline,
        "finish": assignment.finish}
    if action not in steps:
        raise InvalidInput(f"Tindakan {action!r} tidak dikenal.", field="action")
    item = steps[action](session, actor, item_id)
    if is_htmx(request):
        return desk_work(request, session, actor)
    if action == "accept" and item.kind == "ticket":
        return RedirectResponse(f"/tickets/{item.ref_id}", status_code=303)
    if action == "accept" and item.kind == "conversation":
        return RedirectResponse(f"/conversations/{item.ref_id}", status_code=303)
    return RedirectResponse("/desk", status_code=303)


@router.get("/wallboard")
def wallboard(request: Request, session: DbSession, actor: Actor = FLOOR,
              site_id: int | None = Query(default=None, gt=0)) -> Response:
    """The site's wallboard: every queue with its numbers and agents by state."""
    sites = [s for s in floor.sites(session)
             if scope_for(actor.role, "routing.floor") is Scope.all or s.id == actor.site_id]
    chosen = site_id or actor.site_id or (sites[0].id if sites else None)
    if chosen is not None and chosen not in {s.id for s in sites}:
        raise NotFound(f"Situs {chosen} tidak ditemukan.")
    boards = floor.site_boards(session, chosen) if chosen is not None else []
    context = {"nav": "wallboard", "boards": boards, "sites": sites, "site_id": chosen,
               "topics": ",".join([f"site:{chosen}"] + [f"queue:{b.queue.id}" for b in boards])
               if chosen is not None else "", "states": [s.value for s in AgentState]}
    return render(request, "routing/wallboard.html", context, fragment="routing/_boards.html")


@router.get("/wallboard/{queue_id}")
def queue_wallboard(request: Request, queue_id: int, session: DbSession,
                    actor: Actor = FLOOR) -> Response:
    queue = queue_for(session, actor, "routing.floor", queue_id)
    boards = [floor.queue_board(session, queue)]
    context = {"nav": "wallboard", "boards": boards, "sites": [], "site_id": None,
               "topics": f"queue:{queue.id}", "single": True,
               "states": [s.value for s in AgentState]}
    return render(request, "routing/wallboard.html", context, fragment="routing/_boards.html")


@router.get("/floor")
def team_floor(request: Request, session: DbSession, actor: Actor = FLOOR) -> Response:
    """The team leader's view: the team's agents, their states and current work."""
    teams = actor.team_ids
    rows = floor.team_floor(session, teams)
    context = {"nav": "wallboard", "rows": rows,
               "topics": ",".join(f"team:{t}" for t in teams)}
    return render(request, "routing/floor.html", context, fragment="routing/_floor.html")


def _queues_page(request: Request, session: DbSession, actor: Actor, status: int = 200,
                 **extra: object) -> Response:
    site = None if scope_for(actor.role, "routing.floor") is Scope.all else actor.site_id
    context: dict[str, object] = {
        "nav": "wallboard", "rows": queues.overview(session, site),
        "agents": queues.agents_for(session, site), "channels": list(queues.DEFAULT_SLOTS),
        "segments": queues.SEGMENTS, "error": None, "form": {}}
    context.update(extra)
    return render(request, "routing/queues.html", context, status_code=status)


@router.get("/queues")
def queue_admin(request: Request, session: DbSession, actor: Actor = FLOOR) -> Response:
    """Queues with their agents and waiting work; set up and move agents (by right)."""
    return _queues_page(request, session, actor)


def _number(data: dict[str, str], key: str, default: int | None = None) -> int | None:
    raw = data.get(key, "").strip()
    if not raw:
        return default
    if not raw.lstrip("-").isdigit():
        raise InvalidInput(f"{key} harus angka.", field=key)
    return int(raw)


@router.post("/queues")
def queue_create(request: Request, session: DbSession, form: PostedForm,
                 actor: Actor = Depends(require("routing.manage"))) -> Response:
    data = {k: str(v) for k, v in text_fields(form).items()}
    try:
        spec = queues.QueueSpec(
            name=data.get("name", ""), channel=data.get("channel", ""),
            tier=_number(data, "tier", 1) or 1, segment=data.get("segment", ""),
            skill=data.get("skill", "").strip(), min_level=_number(data, "min_level", 1) or 1,
            site_id=actor.site_id if scope_for(actor.role, "routing.manage") is not Scope.all
            else _number(data, "site_id"),
            sl_seconds=_number(data, "sl_seconds", 20) or 20,
            surge_waiting=_number(data, "surge_waiting", 0) or 0,
            surge_wait_seconds=_number(data, "surge_wait_seconds", 0) or 0,
            overflow_queue_id=_number(data, "overflow_queue_id"),
            overflow_auto=data.get("overflow_auto") == "on")
        queues.save_queue(session, spec)
    except SigapError as exc:
        session.rollback()
        return _queues_page(request, session, actor, exc.status_code, error=exc.message,
                            form=data)
    return RedirectResponse("/queues", status_code=303)


@router.post("/queues/move")
def queue_move(request: Request, session: DbSession, form: PostedForm,
               actor: Actor = Depends(require("routing.move"))) -> Response:
    """Move an agent from one queue to another (or add to one)."""
    data = {k: str(v) for k, v in text_fields(form).items()}
    try:
        staff_id, to_queue = _number(data, "staff_id"), _number(data, "to_queue")
        if staff_id is None or to_queue is None:
            raise InvalidInput("Pilih agen dan antrian tujuan.", field="to_queue")
        from_queue = _number(data, "from_queue")
        for queue_id in (to_queue, from_queue):
            if queue_id is not None:
                queue_for(session, actor, "routing.move", queue_id)
        queues.move_agent(session, staff_id, from_queue, to_queue)
        queues.ensure_slots(session, staff_id)
        assignment.dispatch(session, [to_queue])
    except SigapError as exc:
        session.rollback()
        return _queues_page(request, session, actor, exc.status_code, error=exc.message,
                            form=data)
    return RedirectResponse("/queues", status_code=303)
