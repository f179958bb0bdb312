"""Active queues are kept per process (core/cache.py) and never outlive an edit: in the
process that made it at the commit, in another process through Redis."""

from __future__ import annotations

import time
import uuid

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from sigap.routing import queues
from sigap.routing.models import WorkItem
from tests import factories
from tests.channels.whatsapp.helpers import delivery, msg, signed
from tests.routing.test_live import REDIS_URL, _redis_or_fail, server
from tests.tickets.helpers import floor


def _spec(name: str, **changes: object) -> queues.QueueSpec:
    return queues.QueueSpec(name=name, channel="whatsapp", **changes)  # type: ignore[arg-type]


def test_an_edit_is_seen_by_others_at_its_commit_and_at_once_by_its_own_transaction(
        sessions: sessionmaker[Session]) -> None:
    with sessions() as setup:
        floor(setup)
        made = queues.save_queue(setup, _spec("WA umum", offer_seconds=30))
        setup.commit()
        queue_id = made.id
    reader, writer = sessions(), sessions()
    try:
        found = queues.find_queue(reader, "whatsapp")
        assert found is not None and found.offer_seconds == 30
        reader.rollback()
        queues.save_queue(writer, _spec("WA umum", offer_seconds=45), queue_id)
        mine = queues.find_queue(writer, "whatsapp")
        assert mine is not None and mine.offer_seconds == 45  # its own edit, uncommitted
        others = queues.find_queue(reader, "whatsapp")
        assert others is not None and others.offer_seconds == 30  # not committed yet
        reader.rollback()
        writer.commit()
        after = queues.find_queue(reader, "whatsapp")
        assert after is not None and after.offer_seconds == 45
        reader.rollback()
        queues.save_queue(writer, _spec("WA umum", active=False), queue_id)
        writer.rollback()  # an edit rolled back changes nothing
        kept = queues.find_queue(reader, "whatsapp")
        assert kept is not None and kept.offer_seconds == 45
    finally:
        reader.close()
        writer.close()


def test_a_queue_closed_on_one_server_takes_no_work_on_another_through_redis(
        session: Session, db_url: str) -> None:
    _redis_or_fail()
    world = floor(session)
    admin = factories.staff(session, "admin", site=world.site, name="adi")
    queue = queues.save_queue(session, _spec("WA umum", site_id=world.site.id))
    queues.set_members(session, queue.id, [world.agent_a.id])
    session.commit()
    secret = "queue-cache-" + uuid.uuid4().hex
    env = {"SIGAP_DATABASE_URL": db_url, "SIGAP_REDIS_URL": REDIS_URL,
           "SIGAP_SECRET_KEY": secret, "SIGAP_WHATSAPP_APP_SECRET": secret,
           "SIGAP_HUEY_PATH": f"/tmp/sigap-qcache-{uuid.uuid4().hex}.db"}
    with server(env) as first, server(env) as second:
        def send(wa_id: str, mid: str) -> None:
            body = delivery([msg(mid, sender=wa_id)], wa_id=wa_id)
            answer = httpx.post(f"{first}/api/channels/whatsapp/webhook", content=body,
                                headers=signed(body, secret))
            assert answer.status_code == 200, answer.text

        send("6281100000001", "wamid.Q1")  # the first server now holds the queue
        assert session.scalar(select(func.count()).select_from(WorkItem)) == 1
        session.rollback()
        time.sleep(0.3)  # the relay of each server has subscribed
        answer = httpx.post(f"{second}/api/auth/token", data={
            "username": str(admin.login_code), "password": factories.PASSWORD})
        headers = {"Authorization": f"Bearer {answer.json()['access_token']}"}
        closed = httpx.put(f"{second}/api/queues/{queue.id}", headers=headers, json={
            "name": "WA umum", "channel": "whatsapp", "site_id": world.site.id,
            "active": False})
        assert closed.status_code == 200, closed.text
        time.sleep(0.5)  # far less than the cache's 30 seconds: only Redis can tell it
        send("6281100000002", "wamid.Q2")
        session.rollback()
        # The second conversation found no active queue: no new work item.
        assert session.scalar(select(func.count()).select_from(WorkItem)) == 1
