"""Live floor (issue 5 §5): events reach pages through Server-Sent Events, in one process
and across two server processes through a real Redis."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from sigap.core import broker
from sigap.routing import queues
from tests import factories
from tests.routing.helpers import chat, routed

REDIS_URL = os.environ.get("SIGAP_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
IN_CI = os.environ.get("CI", "").lower() == "true"


def _redis_or_fail() -> None:
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping()
    except Exception as error:
        if IN_CI:
            pytest.fail(f"Redis at {REDIS_URL} is needed: {error}")
        pytest.skip(f"Redis at {REDIS_URL} not reachable")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def server(env: dict[str, str]) -> Iterator[str]:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "sigap.app:create_app", "--factory",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        env={**os.environ, **env})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the server did not start")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def _listen(url: str, headers: dict[str, str], topics: str, wanted: str,
            got: list[str], ready: threading.Event) -> None:
    with httpx.stream("GET", f"{url}/live", params={"topics": topics}, headers=headers,
                      timeout=httpx.Timeout(20.0)) as answer:
        assert answer.status_code == 200
        for line in answer.iter_lines():
            if line.startswith(": connected"):
                ready.set()
            if line.startswith("event: "):
                got.append(line[7:])
                if line[7:] == wanted:
                    return


def test_an_offer_made_on_one_server_reaches_the_agent_on_another_through_redis(
        session: Session, db_url: str) -> None:
    _redis_or_fail()
    r = routed(session)
    agent = r.world.agent_a
    chat(session, 1, 0)  # waiting: nobody is ready yet
    session.commit()
    env = {"SIGAP_DATABASE_URL": db_url, "SIGAP_REDIS_URL": REDIS_URL,
           "SIGAP_SECRET_KEY": "live-test-" + uuid.uuid4().hex,
           "SIGAP_HUEY_PATH": f"/tmp/sigap-live-{uuid.uuid4().hex}.db"}
    with server(env) as first, server(env) as second:
        token = httpx.post(f"{first}/api/auth/token", data={
            "username": str(agent.login_code), "password": factories.PASSWORD}).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        got: list[str] = []
        ready = threading.Event()
        listener = threading.Thread(target=_listen, args=(
            first, headers, f"agent:{agent.id}", "offer", got, ready), daemon=True)
        listener.start()
        assert ready.wait(15), "the event stream did not open"
        time.sleep(0.3)  # the relay has subscribed before the first publish
        started = time.monotonic()
        answer = httpx.post(f"{second}/api/presence", headers=headers,
                            json={"state": "ready"})
        assert answer.status_code == 200, answer.text
        listener.join(timeout=15)
        assert "offer" in got, got
        assert time.monotonic() - started < 5
        mine = httpx.get(f"{first}/api/work/mine", headers=headers).json()
        assert [w["state"] for w in mine] == ["offered"]


def test_topics_are_checked_against_what_the_caller_may_see(client: TestClient,
                                                            session: Session) -> None:
    r = routed(session)
    w = r.world
    agent = factories.token(client, w.agent_a.login_code)
    lead = factories.token(client, w.tl_a.login_code)
    other = queues.save_queue(session, queues.QueueSpec(name="Voice", channel="voice"))
    session.commit()
    for topics in (f"agent:{w.agent_a2.id}", f"team:{w.team_a.id}", f"queue:{other.id}",
                   "anything", ""):
        answer = client.get("/live", params={"topics": topics}, headers=agent)
        assert answer.status_code in (403, 422), topics
    assert client.get("/live", params={"topics": f"team:{w.team_b.id}"},
                      headers=lead).status_code == 403


def test_the_in_process_broker_fans_out_to_each_subscriber() -> None:
    async def scenario() -> list[object]:
        hub = broker.Broker(coalesce=0)
        one, two = hub.subscribe(["queue:1"]), hub.subscribe(["queue:1", "agent:2"])
        other = hub.subscribe(["queue:9"])
        await asyncio.to_thread(hub.publish, "queue:1", {"kind": "queue"})
        hub.publish("agent:2", {"kind": "offer"})
        got = [await one.get(1), await two.get(1), await two.get(1), await other.get(0.05)]
        for sub in (one, two, other):
            sub.close()
        assert hub.listeners == 0
        return [{k: v for k, v in e.items() if k != "fanned"} if e else e for e in got]

    got = asyncio.run(scenario())
    assert got == [{"kind": "queue", "topic": "queue:1"}, {"kind": "queue", "topic": "queue:1"},
                   {"kind": "offer", "topic": "agent:2"}, None]


def test_floor_topics_are_coalesced_and_agent_topics_are_not() -> None:
    async def scenario() -> tuple[list[object], list[object]]:
        hub = broker.Broker(coalesce=0.2)
        board, desk = hub.subscribe(["queue:1"]), hub.subscribe(["agent:2"])
        for n in range(50):
            hub.publish("queue:1", {"kind": "queue", "n": n})
            hub.publish("agent:2", {"kind": "offer", "item": n})
        boards = [await board.get(1), await board.get(0.5)]
        desks = [await desk.get(1) for _ in range(50)]
        hub.close()
        return boards, desks

    boards, desks = asyncio.run(scenario())
    assert boards[1] is None and boards[0]["n"] == 49  # type: ignore[index]
    assert [d["item"] for d in desks] == list(range(50))  # type: ignore[index]
