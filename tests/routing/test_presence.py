"""Agent presence (issue 5 §2): states with aux reasons, every change kept with its time,
logout and a lost session set offline."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from sigap.routing import service
from sigap.routing.models import Presence, PresenceChange
from tests import factories
from tests.tickets.helpers import floor


def test_states_and_their_history(client: TestClient, session: Session) -> None:
    world = floor(session)
    auth = factories.token(client, world.agent_a.login_code)
    assert client.get("/api/presence/me", headers=auth).json()["state"] == "offline"
    reasons = {r["code"] for r in client.get("/api/aux-reasons", headers=auth).json()}
    assert {"break", "briefing", "coaching", "training", "system", "toilet"} <= reasons
    assert client.post("/api/presence", headers=auth, json={"state": "ready"}).status_code == 200
    no_reason = client.post("/api/presence", headers=auth, json={"state": "aux"})
    assert no_reason.status_code == 422 and no_reason.json()["field"] == "reason"
    bad = client.post("/api/presence", headers=auth, json={"state": "lunch"})
    assert bad.status_code == 422
    aux = client.post("/api/presence", headers=auth, json={"state": "aux", "reason": "break"})
    assert aux.json()["state"] == "aux" and aux.json()["reason"] == "break"
    same = client.post("/api/presence", headers=auth, json={"state": "aux", "reason": "break"})
    assert same.status_code == 200
    session.rollback()
    changes = list(session.scalars(select(PresenceChange).order_by(PresenceChange.id)))
    assert [(c.previous, c.state, c.reason) for c in changes] == [
        ("offline", "ready", ""), ("ready", "aux", "break")]
    lead = factories.token(client, world.tl_a.login_code)
    floor_view = {r["name"]: r for r in client.get("/api/presence/team", headers=lead).json()}
    assert floor_view["ayu"]["state"] == "aux" and floor_view["andi"]["state"] == "offline"
    refused = client.get(f"/api/presence/team?team_id={world.team_b.id}", headers=lead)
    assert refused.status_code == 403
    assert client.get("/api/presence/team", headers=auth).status_code == 403


def test_logout_and_a_lost_session_set_offline(client: TestClient, session: Session) -> None:
    world = floor(session)
    csrf = factories.login(client, world.agent_a.login_code)
    desk = client.get("/desk")
    assert 'data-testid="presence-form"' in desk.text
    client.post("/presence", data={"csrf_token": csrf, "state": "aux:briefing"},
                follow_redirects=False)
    session.rollback()
    now = session.get(Presence, world.agent_a.id)
    assert now is not None and (now.state, now.reason) == ("aux", "briefing")
    client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    session.rollback()
    assert session.get(Presence, world.agent_a.id).state == "offline"  # type: ignore[union-attr]
    # Another agent's browser closes while ready: the job sets offline after a session.
    service.set_state(session, world.agent_b.id, "ready",
                      at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=13))
    service.set_state(session, world.agent_a2.id, "ready")
    assert service.expire(session, dt.timedelta(hours=12)) == 1
    session.commit()
    assert session.get(Presence, world.agent_b.id).state == "offline"  # type: ignore[union-attr]
    assert session.get(Presence, world.agent_a2.id).state == "ready"  # type: ignore[union-attr]
    last = session.scalar(select(PresenceChange).where(PresenceChange.staff_id == world.agent_b.id)
                          .order_by(PresenceChange.id.desc()).limit(1))
    assert last is not None and last.source == "expiry" and last.previous_seconds >= 13 * 3600
