"""Queues, their members, agents' skill levels and capacity per channel (issue 5 §1)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from sigap.core.cache import Cached
from sigap.core.clock import utcnow
from sigap.core.errors import Conflict, InvalidInput, NotFound
from sigap.org.models import Channel, Staff
from sigap.routing.models import AgentSlot, ChannelCapacity, Queue, QueueMember, SkillLevel

DEFAULT_SLOTS = {"voice": 1, "outbound_call": 1, "whatsapp": 3, "facebook": 3, "x": 3,
                 "web": 3, "email": 5}
SEGMENTS = ("", "DES", "DGS", "DBS", "consumer")


@dataclass(frozen=True)
class QueueSpec:
    name: str
    channel: str
    tier: int = 1
    segment: str = ""
    product: str = ""
    skill: str = ""
    min_level: int = 1
    priority: int = 0
    site_id: int | None = None
    offer_seconds: int = 30
    sl_seconds: int = 20
    surge_waiting: int = 0
    surge_wait_seconds: int = 0
    overflow_queue_id: int | None = None
    overflow_auto: bool = False
    active: bool = True


def _check(spec: QueueSpec) -> None:
    if not spec.name.strip():
        raise InvalidInput("Nama antrian wajib diisi.", field="name")
    if spec.channel not in Channel.__members__:
        raise InvalidInput(f"Kanal {spec.channel!r} tidak dikenal.", field="channel")
    if spec.segment not in SEGMENTS:
        raise InvalidInput(f"Segmen {spec.segment!r} tidak dikenal.", field="segment")
    if spec.tier not in (1, 2):
        raise InvalidInput("Tier harus 1 atau 2.", field="tier")
    if not 1 <= spec.min_level <= 5:
        raise InvalidInput("Level skill 1 sampai 5.", field="min_level")
    if spec.offer_seconds < 5:
        raise InvalidInput("Batas waktu tawaran minimal 5 detik.", field="offer_seconds")


def save_queue(session: Session, spec: QueueSpec, queue_id: int | None = None) -> Queue:
    _check(spec)
    queue = Queue() if queue_id is None else get_queue(session, queue_id)
    clash = session.scalar(select(Queue.id).where(Queue.name == spec.name.strip()))
    if clash is not None and clash != queue_id:
        raise Conflict(f"Antrian {spec.name!r} sudah ada.", field="name")
    if spec.overflow_queue_id is not None:
        if spec.overflow_queue_id == queue_id:
            raise InvalidInput("Antrian cadangan tidak boleh antrian itu sendiri.",
                               field="overflow_queue_id")
        get_queue(session, spec.overflow_queue_id)
    for field, value in spec.__dict__.items():
        setattr(queue, field, value.strip() if isinstance(value, str) else value)
    if queue_id is None:
        session.add(queue)
    session.flush()
    return queue


def get_queue(session: Session, queue_id: int) -> Queue:
    queue = session.get(Queue, queue_id)
    if queue is None:
        raise NotFound(f"Antrian {queue_id} tidak ditemukan.")
    return queue


def list_queues(session: Session, site_ids: Sequence[int] | None = None) -> list[Queue]:
    stmt = select(Queue).order_by(Queue.priority.desc(), Queue.name)
    if site_ids is not None:
        stmt = stmt.where((Queue.site_id.in_(site_ids)) | Queue.site_id.is_(None))
    return list(session.scalars(stmt))


@dataclass(frozen=True)
class QueueInfo:
    """What routing needs of an active queue, kept in memory (see `active_queues`)."""

    id: int
    channel: str
    tier: int
    segment: str
    product: str
    skill: str
    min_level: int
    priority: int
    offer_seconds: int


# Every contact asks which queue takes it; queues are edited a few times a day.
_ACTIVE: Cached[tuple[QueueInfo, ...]] = Cached("routing.queues", 30.0, (Queue,))


def _load_active(session: Session) -> tuple[QueueInfo, ...]:
    return tuple(QueueInfo(q.id, q.channel, q.tier, q.segment, q.product, q.skill,
                           q.min_level, q.priority, q.offer_seconds)
                 for q in session.scalars(select(Queue).where(Queue.active.is_(True))
                                          .order_by(Queue.priority.desc(), Queue.id)))


def active_queues(session: Session) -> tuple[QueueInfo, ...]:
    """The active queues, in the order they are served (priority, then age)."""
    return _ACTIVE.get(session, _load_active)


def find_queue(session: Session, channel: str, tier: int = 1, segment: str = "",
               product: str = "") -> QueueInfo | None:
    """The most specific active queue for this work (product, then segment), or None
    when routing is not set up for it."""
    found = [q for q in active_queues(session) if q.channel == channel and q.tier == tier
             and q.segment in ("", segment) and q.product in ("", product)]
    if not found:
        return None
    return max(found, key=lambda q: (q.product != "", q.segment != "", q.priority, -q.id))


def members(session: Session, queue_id: int) -> list[int]:
    return list(session.scalars(select(QueueMember.staff_id)
                                .where(QueueMember.queue_id == queue_id)))


def queues_of(session: Session, staff_id: int) -> list[int]:
    return list(session.scalars(select(QueueMember.queue_id)
                                .where(QueueMember.staff_id == staff_id)))


def set_members(session: Session, queue_id: int, staff_ids: Iterable[int]) -> list[int]:
    """The queue's agents become exactly `staff_ids`."""
    get_queue(session, queue_id)
    wanted = set(staff_ids)
    known = set(session.scalars(select(Staff.id).where(Staff.id.in_(wanted))))
    if wanted - known:
        raise InvalidInput(f"Staf tidak dikenal: {sorted(wanted - known)}.", field="staff_ids")
    current = set(members(session, queue_id))
    for staff_id in current - wanted:
        session.delete(session.get(QueueMember, (queue_id, staff_id)))
    for staff_id in sorted(wanted - current):
        session.add(QueueMember(queue_id=queue_id, staff_id=staff_id))
    session.flush()
    return sorted(wanted)


def move_agent(session: Session, staff_id: int, from_queue: int | None,
               to_queue: int) -> None:
    """A supervisor moves an agent from one queue to another (or adds to one)."""
    get_queue(session, to_queue)
    if session.get(Staff, staff_id) is None:
        raise NotFound(f"Staf {staff_id} tidak ditemukan.")
    if from_queue is not None:
        old = session.get(QueueMember, (from_queue, staff_id))
        if old is None:
            raise InvalidInput("Agen bukan anggota antrian asal.", field="from_queue")
        session.delete(old)
    if session.get(QueueMember, (to_queue, staff_id)) is None:
        session.add(QueueMember(queue_id=to_queue, staff_id=staff_id))
    session.flush()


def skill_levels(session: Session, staff_id: int) -> dict[str, int]:
    staff = session.get(Staff, staff_id)
    levels = {skill: 1 for skill in (staff.skills if staff else []) or []}
    rows = session.execute(select(SkillLevel.skill, SkillLevel.level)
                           .where(SkillLevel.staff_id == staff_id)).all()
    levels.update({skill: level for skill, level in rows})
    return levels


def set_skills(session: Session, staff_id: int, levels: dict[str, int]) -> dict[str, int]:
    """An agent's skills with levels (1–5); a skill left out is removed."""
    for skill, level in levels.items():
        if not skill.strip() or not 1 <= level <= 5:
            raise InvalidInput(f"Skill {skill!r}: level 1 sampai 5.", field="skills")
    session.execute(delete(SkillLevel).where(SkillLevel.staff_id == staff_id))
    for skill, level in levels.items():
        session.add(SkillLevel(staff_id=staff_id, skill=skill.strip(), level=level))
    staff = session.get(Staff, staff_id)
    if staff is None:
        raise NotFound(f"Staf {staff_id} tidak ditemukan.")
    staff.skills = sorted(s.strip() for s in levels)
    session.flush()
    return skill_levels(session, staff_id)


def default_slots(session: Session) -> dict[str, int]:
    rows = session.execute(select(ChannelCapacity.channel, ChannelCapacity.slots)).all()
    configured = {channel: slots for channel, slots in rows}
    return {**DEFAULT_SLOTS, **configured}


def set_default_slots(session: Session, channel: str, slots: int) -> None:
    if channel not in Channel.__members__:
        raise InvalidInput(f"Kanal {channel!r} tidak dikenal.", field="channel")
    if not 0 <= slots <= 50:
        raise InvalidInput("Kapasitas 0 sampai 50.", field="slots")
    row = session.get(ChannelCapacity, channel)
    if row is None:
        session.add(ChannelCapacity(channel=channel, slots=slots))
    else:
        row.slots = slots
    session.flush()


def set_agent_slots(session: Session, staff_id: int, channel: str, slots: int) -> AgentSlot:
    """One agent's capacity on a channel (overrides the channel's default)."""
    if not 0 <= slots <= 50:
        raise InvalidInput("Kapasitas 0 sampai 50.", field="slots")
    slot = session.get(AgentSlot, (staff_id, channel))
    if slot is None:
        slot = AgentSlot(staff_id=staff_id, channel=channel, capacity=slots, used=0,
                         idle_since=utcnow())
        session.add(slot)
    slot.capacity = slots
    session.flush()
    return slot


def ensure_slots(session: Session, staff_id: int) -> None:
    """Give an agent a slot row for each channel of its queues (at the default capacity),
    the first time it becomes available."""
    channels = set(session.scalars(select(Queue.channel).join(
        QueueMember, QueueMember.queue_id == Queue.id).where(QueueMember.staff_id == staff_id)))
    have = set(session.scalars(select(AgentSlot.channel)
                               .where(AgentSlot.staff_id == staff_id)))
    defaults = default_slots(session) if channels - have else {}
    for channel in sorted(channels - have):
        session.add(AgentSlot(staff_id=staff_id, channel=channel,
                              capacity=defaults.get(channel, 1), used=0, idle_since=utcnow()))
    session.flush()


@dataclass(frozen=True)
class QueueRow:
    queue: Queue
    members: int
    waiting: int
    backup: str


def overview(session: Session, site_id: int | None = None) -> list[QueueRow]:
    """Every queue (of a site and the shared ones) with its member and waiting counts, in
    three grouped queries whatever the number of queues."""
    from sigap.routing.models import WorkItem, WorkState

    listed = list_queues(session, [site_id] if site_id is not None else None)
    members_of = {q: n for q, n in session.execute(
        select(QueueMember.queue_id, func.count()).group_by(QueueMember.queue_id))}
    waiting_in = {q: n for q, n in session.execute(
        select(WorkItem.queue_id, func.count()).where(WorkItem.state == WorkState.waiting)
        .group_by(WorkItem.queue_id))}
    names = {q.id: q.name for q in list_queues(session)}
    return [QueueRow(q, members_of.get(q.id, 0), waiting_in.get(q.id, 0),
                     names.get(q.overflow_queue_id or 0, "")) for q in listed]


def agents_for(session: Session, site_id: int | None = None) -> list[Staff]:
    """Active agents (of a site) to place in queues."""
    stmt = select(Staff).where(Staff.active.is_(True), Staff.role == "agent") \
        .order_by(Staff.online_name)
    if site_id is not None:
        stmt = stmt.where(Staff.site_id == site_id)
    return list(session.scalars(stmt))
