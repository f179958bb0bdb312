"""A small planned floor: one site, a voice desk of agents, the planning roles, a queue plan
with four weeks of voice interactions as history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from sigap.org.models import Site, Staff, Team
from sigap.tickets.models import Interaction
from sigap.workforce import service
from sigap.workforce.models import QueuePlan, Roster, RosterShift, ShiftTemplate
from tests import factories

WIB = dt.timezone(dt.timedelta(hours=7))
# Contacts per hour of a weekday (WIB), 08:00–16:00; weekends half.
HOURLY = {8: 4, 9: 8, 10: 8, 11: 6, 12: 4, 13: 6, 14: 6, 15: 4}


@dataclass
class World:
    site: Site
    other_site: Site
    team: Team
    agents: list[Staff]
    planner: Staff
    desk_control: Staff
    other_desk_control: Staff
    qia: Staff
    supervisor: Staff
    plan: QueuePlan
    extra: dict[str, object] = field(default_factory=dict)


def world(session: Session, agents: int = 4) -> World:
    site = factories.site(session)
    other = factories.site(session, code="BDG", name="GMP", city="Bandung", seats=127)
    team = factories.team(session, site, name="Tier 1 Voice A", desk="Tier 1 Voice")
    people = [factories.staff(session, "agent", team=team, name=f"agen{i}")
              for i in range(agents)]
    planner = factories.staff(session, "operation_plan", site=site, name="opa")
    desk = factories.staff(session, "desk_control", site=site, name="dc")
    other_desk = factories.staff(session, "desk_control", site=other, name="dcb")
    qia = factories.staff(session, "qia", site=site, name="qia")
    spv = factories.staff(session, "supervisor", site=site, name="spv")
    plan = service.save_plan(session, {
        "name": "Voice 147", "channel": "voice", "site_id": site.id, "desk": "Tier 1 Voice",
        "interval_minutes": 60, "target_service_level": 0.8, "target_answer_seconds": 20,
        "max_occupancy": 0.9, "planned_shrinkage": 0.0, "unplanned_shrinkage": 0.0})
    session.commit()
    return World(site, other, team, people, planner, desk, other_desk, qia, spv, plan)


def voice_history(session: Session, first: dt.date, days: int, handle_seconds: int = 360,
                  times: float = 1.0, hours: tuple[int, ...] = tuple(HOURLY)) -> int:
    """Inbound voice calls spread evenly inside each hour of HOURLY (× `times`, only the
    given hours); returns the count."""
    made = 0
    for d in range(days):
        day = first + dt.timedelta(days=d)
        scale = (0.5 if day.weekday() >= 5 else 1.0) * times
        for hour, count in HOURLY.items():
            if hour not in hours:
                continue
            n = round(count * scale)
            for k in range(n):
                arrived = dt.datetime(day.year, day.month, day.day, hour, tzinfo=WIB) \
                    + dt.timedelta(seconds=3600 * k / n)
                session.add(Interaction(
                    channel="voice", direction="inbound", arrived_at=arrived,
                    answered_at=arrived + dt.timedelta(seconds=10),
                    ended_at=arrived + dt.timedelta(seconds=10 + handle_seconds),
                    provider_id=f"call-{day}-{hour}-{k}-{times}"))
                made += 1
    session.commit()
    return made


def published_shift(session: Session, w: World, staff: Staff, start: dt.datetime,
                    hours: int = 9, break_at: int | None = 4, status: str = "published",
                    desk: str = "Tier 1 Voice") -> RosterShift:
    """A roster with one hand-made shift (UTC times), published unless told otherwise."""
    tpl = session.query(ShiftTemplate).filter_by(site_id=w.site.id, code="T9").one_or_none()
    if tpl is None:
        tpl = ShiftTemplate(site_id=w.site.id, code="T9", start_minute=0, minutes=hours * 60)
        session.add(tpl)
        session.flush()
    local = start.astimezone(WIB).date()
    month = local.replace(day=1)
    roster = session.query(Roster).filter_by(site_id=w.site.id, month=month).one_or_none()
    if roster is None:
        roster = Roster(site_id=w.site.id, month=month, status=status, solver_status="OPTIMAL",
                        rules={})
        session.add(roster)
        session.flush()
    shift = RosterShift(
        roster_id=roster.id, staff_id=staff.id, day=local, template_id=tpl.id,
        desk=desk, start_at=start, end_at=start + dt.timedelta(hours=hours),
        break_start=start + dt.timedelta(hours=break_at) if break_at is not None else None,
        break_end=start + dt.timedelta(hours=break_at + 1) if break_at is not None else None)
    session.add(shift)
    session.commit()
    return shift
