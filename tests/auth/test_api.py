"""Bearer tokens, /api/auth/me, password change and revocation (D2, D3)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from sigap.auth.models import AuditLog
from tests import factories


def _setup(session: Session, role: str = "team_leader") -> tuple[int, int]:
    site = factories.site(session)
    team = factories.team(session, site)
    person = factories.staff(session, role, team=team, leads=True)
    session.commit()
    return person.login_code, team.id


def test_token_and_me(client: TestClient, session: Session) -> None:
    code, team_id = _setup(session)
    header = factories.token(client, code)
    me = factories.json_of(client.get("/api/auth/me", headers=header))
    assert me["login_code"] == code and me["role"] == "team_leader"
    assert me["team_id"] == team_id and me["team"] == "Tier 1 Voice A"
    assert me["site"] == "Graha Telkom Pahlawan"
    assert me["led_team_ids"] == [team_id]
    assert me["permissions"]["tickets.read"] == "team"
    assert "users.manage" not in me["permissions"]


def test_token_refused_with_the_field(client: TestClient, session: Session,
                                      sessions: sessionmaker[Session]) -> None:
    code, _ = _setup(session)
    wrong = client.post("/api/auth/token", data={"username": str(code), "password": "nope"})
    assert wrong.status_code == 401
    assert wrong.json()["field"] == "username"
    with sessions() as s:
        assert s.scalar(select(func.count(AuditLog.id)).where(
            AuditLog.action == "auth.login_failed", AuditLog.login_code == code)) == 1
    missing = client.post("/api/auth/token", data={"username": str(code)})
    assert missing.status_code == 422 and missing.json()["field"] == "password"
    assert client.get("/api/auth/me").status_code == 401
    bad = client.get("/api/auth/me", headers={"Authorization": "Bearer rubbish"})
    assert bad.status_code == 401 and bad.json()["field"] == "authorization"


def test_api_password_change_revokes_older_tokens(client: TestClient, session: Session) -> None:
    code, _ = _setup(session, "agent")
    old = factories.token(client, code)
    short = client.post("/api/auth/password", headers=old,
                        json={"current_password": factories.PASSWORD, "new_password": "x"})
    assert short.status_code == 422 and short.json()["field"] == "new_password"
    wrong = client.post("/api/auth/password", headers=old,
                        json={"current_password": "salah", "new_password": "baru-sekali-1"})
    assert wrong.status_code == 422 and wrong.json()["field"] == "current_password"
    missing = client.post("/api/auth/password", headers=old, json={"new_password": "abcdefgh1"})
    assert missing.status_code == 422 and missing.json()["field"] == "current_password"
    done = client.post("/api/auth/password", headers=old,
                       json={"current_password": factories.PASSWORD,
                             "new_password": "baru-sekali-1"})
    assert done.status_code == 200
    fresh = {"Authorization": f"Bearer {done.json()['access_token']}"}
    assert client.get("/api/auth/me", headers=old).status_code == 401
    assert client.get("/api/auth/me", headers=fresh).status_code == 200
    refused = client.post("/api/auth/token", data={"username": str(code),
                                                   "password": factories.PASSWORD})
    assert refused.status_code == 401
    assert factories.token(client, code, "baru-sekali-1")
