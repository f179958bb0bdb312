"""No item is ever given to two agents and no agent exceeds its capacity while several
assigners (each with its own engine, as separate server processes and workers would be)
enqueue, dispatch, accept, decline, finish and time out at once — on SQLite and on
PostgreSQL."""

from __future__ import annotations

import random
import threading

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sigap.auth import audit
from sigap.auth.actor import SYSTEM, Actor
from sigap.core.errors import SigapError
from sigap.db.session import make_engine, make_sessionmaker
from sigap.routing import assignment, queues
from sigap.routing.models import WorkItem
from tests import factories
from tests.routing.helpers import at, check_invariants, routed
from tests.tickets.helpers import actor

ASSIGNERS = 4
STEPS = 80


def test_concurrent_assigners_never_double_assign(session: Session, db_url: str) -> None:
    r = routed(session)
    w = r.world
    agents = [w.agent_a, w.agent_a2] + [
        factories.staff(session, "agent", team=w.team_a, name=f"agen{n}") for n in range(4)]
    queues.set_members(session, r.queue.id, [a.id for a in agents])
    queues.set_default_slots(session, "whatsapp", 2)
    session.commit()
    actors: list[Actor] = [actor(session, a) for a in agents]
    for a in agents:
        assignment.set_presence(session, a.id, "ready", at=at(0))
    session.commit()
    errors: list[BaseException] = []
    start = threading.Barrier(ASSIGNERS)

    def assigner(seed: int) -> None:
        rng = random.Random(seed)
        engine = make_engine(db_url)
        sessions = make_sessionmaker(engine)
        try:
            start.wait()
            for step in range(STEPS):
                now = at(step)
                with sessions() as s:
                    audit.bind_actor(s, SYSTEM)
                    try:
                        roll = rng.random()
                        who = rng.choice(actors)
                        mine = assignment.my_work(s, who.staff_id or 0)
                        if roll < 0.35:
                            assignment.enqueue(s, assignment.Work(
                                kind="conversation", ref_id=seed * 1000 + step,
                                channel="whatsapp", title="chat",
                                priority=rng.random() < 0.2), now=now)
                        elif roll < 0.55 and mine:
                            assignment.accept(s, who, rng.choice(mine).id, now=now)
                        elif roll < 0.65 and mine:
                            assignment.decline(s, who, rng.choice(mine).id, now=now)
                        elif roll < 0.8 and mine:
                            assignment.finish(s, who, rng.choice(mine).id, now=now)
                        elif roll < 0.9:
                            assignment.expire_offers(s, now=at(step + rng.choice((0, 40))))
                        else:
                            state = rng.choice(("ready", "ready", "busy", "offline"))
                            assignment.set_presence(s, who.staff_id or 0, state, at=now)
                        s.commit()
                    except SigapError:
                        s.rollback()  # an offer taken or expired meanwhile: expected
        except BaseException as error:
            errors.append(error)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=assigner, args=(n + 1,)) for n in range(ASSIGNERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors, errors
    check_invariants(session)
    made = session.scalar(select(func.count()).select_from(WorkItem))
    assert made and made > ASSIGNERS * STEPS * 0.2  # the run did real work
