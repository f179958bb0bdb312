"""Routing API: queues, skills and capacity; the agent's offers and work; wallboards,
overflow and surges (issue 5)."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from sigap.auth.actor import Actor
from sigap.auth.permissions import Scope, scope_for
from sigap.core.errors import InvalidInput, NotFound
from sigap.routing import assignment, floor, queues, surge
from sigap.routing.handling import Held
from sigap.routing.models import Queue, WorkItem
from sigap.routing.schemas import (
    AgentOut,
    BoardOut,
    MembersIn,
    MoveIn,
    OverflowIn,
    QueueIn,
    QueueOut,
    ReassignIn,
    SlotsIn,
    SurgeOut,
    WorkOut,
)
from sigap.web.deps import CurrentActor, DbSession, require
from sigap.web.route import TransactionRoute

router = APIRouter(route_class=TransactionRoute, tags=["routing"])

MANAGE = Depends(require("routing.manage"))
FLOOR = Depends(require("routing.floor"))


def visible(actor: Actor, permission: str, queue: Queue) -> bool:
    """A site-bound role sees its site's queues and the shared ones."""
    if scope_for(actor.role, permission) is Scope.all or queue.site_id is None:
        return True
    return queue.site_id == actor.site_id


def queue_for(session: DbSession, actor: Actor, permission: str, queue_id: int) -> Queue:
    queue = queues.get_queue(session, queue_id)
    if not visible(actor, permission, queue):
        raise NotFound(f"Antrian {queue_id} tidak ditemukan.")
    return queue


def board_out(board: floor.QueueBoard) -> BoardOut:
    return BoardOut(
        queue_id=board.queue.id, name=board.queue.name, channel=board.queue.channel,
        waiting=board.waiting, oldest_seconds=board.oldest_seconds,
        offered_today=board.offered_today, handled=board.handled, abandoned=board.abandoned,
        service_level=board.service_level, asa_seconds=board.asa_seconds,
        surging=board.surging, states=board.states,
        agents=[AgentOut(staff_id=a.staff_id, name=a.name, state=a.state, reason=a.reason,
                         seconds=a.seconds, work=list(a.work)) for a in board.agents])


@router.get("/api/queues", response_model=list[QueueOut])
def list_queues(session: DbSession, actor: Actor = FLOOR) -> list[QueueOut]:
    return [QueueOut.model_validate(q) for q in queues.list_queues(session)
            if visible(actor, "routing.floor", q)]


@router.post("/api/queues", response_model=QueueOut, status_code=201)
def create_queue(body: QueueIn, session: DbSession, actor: Actor = MANAGE) -> QueueOut:
    spec = queues.QueueSpec(**body.model_dump())
    if not visible(actor, "routing.manage", Queue(site_id=spec.site_id)):
        raise InvalidInput("Hanya antrian situs Anda.", field="site_id")
    return QueueOut.model_validate(queues.save_queue(session, spec))


@router.put("/api/queues/{queue_id}", response_model=QueueOut)
def update_queue(queue_id: int, body: QueueIn, session: DbSession,
                 actor: Actor = MANAGE) -> QueueOut:
    queue_for(session, actor, "routing.manage", queue_id)
    spec = queues.QueueSpec(**body.model_dump())
    if not visible(actor, "routing.manage", Queue(site_id=spec.site_id)):
        raise InvalidInput("Hanya antrian situs Anda.", field="site_id")
    return QueueOut.model_validate(queues.save_queue(session, spec, queue_id))


@router.get("/api/queues/{queue_id}/members", response_model=list[int])
def get_members(queue_id: int, session: DbSession, actor: Actor = FLOOR) -> list[int]:
    queue_for(session, actor, "routing.floor", queue_id)
    return queues.members(session, queue_id)


@router.put("/api/queues/{queue_id}/members", response_model=list[int])
def put_members(queue_id: int, body: MembersIn, session: DbSession,
                actor: Actor = Depends(require("routing.move"))) -> list[int]:
    queue_for(session, actor, "routing.move", queue_id)
    result = queues.set_members(session, queue_id, body.staff_ids)
    assignment.dispatch(session, [queue_id])
    return result


@router.post("/api/queues/move", status_code=204)
def move_agent(body: MoveIn, session: DbSession,
               actor: Actor = Depends(require("routing.move"))) -> None:
    """A supervisor moves an agent from one queue to another."""
    queue_for(session, actor, "routing.move", body.to_queue)
    if body.from_queue is not None:
        queue_for(session, actor, "routing.move", body.from_queue)
    queues.move_agent(session, body.staff_id, body.from_queue, body.to_queue)
    queues.ensure_slots(session, body.staff_id)
    assignment.dispatch(session, [body.to_queue])


@router.get("/api/staff/{staff_id}/skills", response_model=dict[str, int])
def get_skills(staff_id: int, session: DbSession, actor: Actor = FLOOR) -> dict[str, int]:
    return queues.skill_levels(session, staff_id)


@router.put("/api/staff/{staff_id}/skills", response_model=dict[str, int])
def put_skills(staff_id: int, body: dict[str, int], session: DbSession,
               actor: Actor = MANAGE) -> dict[str, int]:
    return queues.set_skills(session, staff_id, body)


@router.put("/api/capacity/{channel}", status_code=204)
def put_default_capacity(channel: str, body: SlotsIn, session: DbSession,
                         actor: Actor = MANAGE) -> None:
    queues.set_default_slots(session, channel, body.slots)


@router.put("/api/staff/{staff_id}/capacity/{channel}", status_code=204)
def put_agent_capacity(staff_id: int, channel: str, body: SlotsIn, session: DbSession,
                       actor: Actor = MANAGE) -> None:
    queues.set_agent_slots(session, staff_id, channel, body.slots)


@router.get("/api/work/mine", response_model=list[WorkOut])
def my_work(session: DbSession, actor: CurrentActor) -> list[WorkOut]:
    """What is offered to me (accept before it expires) and what I hold."""
    if actor.staff_id is None:
        return []
    return [WorkOut.model_validate(i) for i in assignment.my_work(session, actor.staff_id)]


def _out(item: WorkItem | Held) -> WorkOut:
    return WorkOut.model_validate(item)


@router.post("/api/work/{item_id}/accept", response_model=WorkOut)
def accept(item_id: int, session: DbSession, actor: CurrentActor) -> WorkOut:
    return _out(assignment.accept(session, actor, item_id))


@router.post("/api/work/{item_id}/decline", response_model=WorkOut)
def decline(item_id: int, session: DbSession, actor: CurrentActor) -> WorkOut:
    return _out(assignment.decline(session, actor, item_id))


@router.post("/api/work/{item_id}/finish", response_model=WorkOut)
def finish(item_id: int, session: DbSession, actor: CurrentActor) -> WorkOut:
    return _out(assignment.finish(session, actor, item_id))


@router.post("/api/work/{item_id}/reassign", response_model=WorkOut)
def reassign(item_id: int, body: ReassignIn, session: DbSession,
             actor: Actor = Depends(require("tickets.assign"))) -> WorkOut:
    """A team leader gives the work to another agent, or (own id) takes it over."""
    item = assignment.get_item(session, item_id)
    queue_for(session, actor, "tickets.assign", item.queue_id)
    return _out(assignment.reassign(session, actor, item_id, body.staff_id))


@router.get("/api/queues/{queue_id}/board", response_model=BoardOut)
def queue_board(queue_id: int, session: DbSession, actor: Actor = FLOOR) -> BoardOut:
    return board_out(floor.queue_board(session, queue_for(session, actor, "routing.floor",
                                                          queue_id)))


@router.get("/api/sites/{site_id}/board", response_model=list[BoardOut])
def site_board(site_id: int, session: DbSession, actor: Actor = FLOOR) -> list[BoardOut]:
    if scope_for(actor.role, "routing.floor") is not Scope.all and site_id != actor.site_id:
        raise NotFound(f"Situs {site_id} tidak ditemukan.")
    return [board_out(b) for b in floor.site_boards(session, site_id)]


@router.post("/api/queues/{queue_id}/overflow", response_model=dict[str, int])
def overflow(queue_id: int, body: OverflowIn, session: DbSession,
             actor: Actor = Depends(require("routing.overflow"))) -> dict[str, int]:
    """Move waiting work to the backup queue by hand (all of it, or the oldest `count`)."""
    queue_for(session, actor, "routing.overflow", queue_id)
    if body.to_queue is not None:
        queue_for(session, actor, "routing.overflow", body.to_queue)
    moved = surge.overflow(session, queue_id, body.count, actor.name, to_queue=body.to_queue)
    return {"moved": moved}


@router.get("/api/surges", response_model=list[SurgeOut])
def surges(session: DbSession, actor: Actor = Depends(require("routing.overflow"))
           ) -> list[SurgeOut]:
    """Every surge with its start, end, peak and actions (the QIA recovery report)."""
    mine = [q.id for q in queues.list_queues(session) if visible(actor, "routing.overflow", q)]
    return [SurgeOut.model_validate(s) for s in surge.history(session, mine)]
