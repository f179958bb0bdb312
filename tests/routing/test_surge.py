"""Surges (issue 5 §4, D18): Desk Control is alerted, overflow moves work to the backup
queue automatically or by hand, and every surge is logged with start, end and actions."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from sigap.org.models import Alert
from sigap.routing import assignment, queues, surge
from sigap.routing.models import Surge, WorkItem
from tests import factories
from tests.routing.helpers import at, chat, ready, routed


def test_a_surge_alerts_desk_control_overflows_and_ends(session: Session) -> None:
    r = routed(session, surge_waiting=3)
    w = r.world
    backup = queues.save_queue(session, queues.QueueSpec(
        name="WA backup Bandung", channel="whatsapp", priority=-1))
    queues.set_members(session, backup.id, [w.agent_b.id])
    r.queue.overflow_queue_id, r.queue.overflow_auto = backup.id, False
    control = factories.staff(session, "desk_control", site=w.site, name="dina")
    for n in range(3):
        chat(session, n + 1, n)
    assert surge.check(session, now=at(10))[0].ended_at is None
    alert = session.scalar(select(Alert).where(Alert.staff_id == control.id))
    assert alert is not None and alert.kind == "surge" and "3 menunggu" in alert.message
    assert surge.check(session, now=at(20))  # still on: no second alert
    assert len(list(session.scalars(select(Alert).where(Alert.staff_id == control.id)))) == 1
    # Desk Control moves the two oldest by hand; the backup agent gets one at once.
    ready(session, w.agent_b.id, 21)
    assert surge.overflow(session, r.queue.id, 2, "dina", now=at(22)) == 2
    moved = list(session.scalars(select(WorkItem).where(WorkItem.queue_id == backup.id)))
    assert {i.ref_id for i in moved} == {1, 2}
    assert any(i.agent_id == w.agent_b.id for i in moved)
    ended = surge.check(session, now=at(30))
    assert ended and ended[0].ended_at == at(30)
    log = session.scalar(select(Surge).where(Surge.queue_id == r.queue.id))
    assert log is not None and log.peak_waiting == 3 and log.moved == 2
    assert [a["action"] for a in log.actions] == ["start", "overflow", "end"]


def test_automatic_overflow_moves_all_waiting(session: Session) -> None:
    r = routed(session, surge_wait_seconds=60)
    backup = queues.save_queue(session, queues.QueueSpec(name="WA cadangan",
                                                         channel="whatsapp"))
    r.queue.overflow_queue_id, r.queue.overflow_auto = backup.id, True
    chat(session, 1, 0)
    chat(session, 2, 50)
    assert not surge.check(session, now=at(59))
    surge.check(session, now=at(61))
    assert {i.queue_id for i in session.scalars(select(WorkItem))} == {backup.id}
    assignment.dispatch(session, now=at(62))


def test_overflow_api_needs_the_right_and_a_backup(client: TestClient,
                                                   session: Session) -> None:
    r = routed(session)
    w = r.world
    control = factories.staff(session, "desk_control", site=w.site, name="dina")
    session.commit()
    chat(session, 1, 0)
    session.commit()
    agent = factories.token(client, w.agent_a.login_code)
    assert client.post(f"/api/queues/{r.queue.id}/overflow", json={},
                       headers=agent).status_code == 403
    dc = factories.token(client, control.login_code)
    none = client.post(f"/api/queues/{r.queue.id}/overflow", json={}, headers=dc)
    assert none.status_code == 422 and none.json()["field"] == "to_queue"
    backup = client.post("/api/queues", headers=factories.token(client, w.spv.login_code),
                         json={"name": "WA cadangan", "channel": "whatsapp"})
    assert backup.status_code == 201, backup.text
    moved = client.post(f"/api/queues/{r.queue.id}/overflow", headers=dc,
                        json={"to_queue": backup.json()["id"]})
    assert moved.json() == {"moved": 1}
    history = client.get("/api/surges", headers=dc).json()
    assert history[0]["moved"] == 1 and history[0]["actions"][0]["by"] == "dina"
