"""Who is calling is kept briefly per process (auth/identity.py), and never outlives a
change: in the process that made it at once, in another process through Redis."""

from __future__ import annotations

import time
import uuid

import httpx
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from sigap.auth.models import User
from tests import factories
from tests.routing.test_live import REDIS_URL, _redis_or_fail, server
from tests.tickets.helpers import floor
from tests.tickets.test_pages import counted


def _user_id(session: Session, staff_id: int) -> int:
    uid = session.scalar(select(User.id).where(User.staff_id == staff_id))
    assert uid is not None
    return uid


def test_a_known_caller_costs_no_query_and_a_change_is_seen_at_once(
        app: FastAPI, client: TestClient, session: Session) -> None:
    world = floor(session)
    admin = factories.staff(session, "admin", site=world.site, name="adi")
    session.commit()
    agent = factories.token(client, world.agent_a.login_code)
    boss = factories.token(client, admin.login_code)
    assert client.get("/api/auth/me", headers=agent).json()["role"] == "agent"
    with counted(app) as statements:
        assert client.get("/api/auth/me", headers=agent).status_code == 200
    assert not any("FROM users JOIN staff" in s for s in statements), statements
    # The admin changes the agent's role, then blocks the login: both count at once.
    answer = client.patch(f"/api/staff/{world.agent_a.id}", headers=boss,
                          json={"role": "team_leader"})
    assert answer.status_code == 200, answer.text
    assert client.get("/api/auth/me", headers=agent).json()["role"] == "team_leader"
    uid = _user_id(session, world.agent_a.id)
    assert client.post(f"/api/users/{uid}/deactivate", headers=boss).status_code == 200
    refused = client.get("/api/auth/me", headers=agent)
    assert refused.status_code == 401 and refused.json()["field"] == "authorization"


def test_a_password_change_ends_the_old_token_at_once(client: TestClient,
                                                      session: Session) -> None:
    world = floor(session)
    old = factories.token(client, world.agent_a.login_code)
    assert client.get("/api/auth/me", headers=old).status_code == 200
    answer = client.post("/api/auth/password", headers=old, json={
        "current_password": factories.PASSWORD, "new_password": "kata-sandi-baru-123"})
    assert answer.status_code == 200, answer.text
    assert client.get("/api/auth/me", headers=old).status_code == 401
    new = {"Authorization": f"Bearer {answer.json()['access_token']}"}
    assert client.get("/api/auth/me", headers=new).status_code == 200


def test_a_login_blocked_on_one_server_is_refused_by_another_through_redis(
        session: Session, db_url: str) -> None:
    _redis_or_fail()
    world = floor(session)
    admin = factories.staff(session, "admin", site=world.site, name="adi")
    session.commit()
    uid = _user_id(session, world.agent_a.id)
    # A cache long enough that only the news through Redis can explain a quick refusal.
    env = {"SIGAP_DATABASE_URL": db_url, "SIGAP_REDIS_URL": REDIS_URL,
           "SIGAP_AUTH_CACHE_SECONDS": "600",
           "SIGAP_SECRET_KEY": "identity-test-" + uuid.uuid4().hex,
           "SIGAP_HUEY_PATH": f"/tmp/sigap-identity-{uuid.uuid4().hex}.db"}
    with server(env) as first, server(env) as second:
        def token(base: str, code: int) -> dict[str, str]:
            answer = httpx.post(f"{base}/api/auth/token", data={
                "username": str(code), "password": factories.PASSWORD})
            return {"Authorization": f"Bearer {answer.json()['access_token']}"}

        agent = token(first, world.agent_a.login_code)
        assert httpx.get(f"{first}/api/auth/me", headers=agent).status_code == 200
        time.sleep(0.3)  # the relay of each server has subscribed
        blocked = httpx.post(f"{second}/api/users/{uid}/deactivate",
                             headers=token(second, admin.login_code))
        assert blocked.status_code == 200, blocked.text
        deadline = time.monotonic() + 5
        status = 200
        while status == 200 and time.monotonic() < deadline:
            status = httpx.get(f"{first}/api/auth/me", headers=agent).status_code
            time.sleep(0.05)
        assert status == 401


def test_a_known_token_still_expires_on_time(db_url: str, session: Session) -> None:
    from sigap.app import create_app
    from sigap.config import Settings

    world = floor(session)
    app = create_app(Settings(database_url=db_url, secret_key="expiry-test-key",
                              token_max_age_seconds=2, auth_cache_seconds=60))
    with TestClient(app) as client:
        agent = factories.token(client, world.agent_a.login_code)
        assert client.get("/api/auth/me", headers=agent).status_code == 200  # now known
        time.sleep(3.2)  # past the token's age (itsdangerous counts whole seconds)
        assert client.get("/api/auth/me", headers=agent).status_code == 401
    app.state.engine.dispose()
