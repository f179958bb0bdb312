"""Sites, teams and staff through the API: CRUD, validation, scope, audit (D1–D4)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from sigap.auth.models import AuditLog
from tests import factories
from tests.org.helpers import Org, bearer, build


@pytest.fixture
def org(session: Session) -> Org:
    return build(session)


def test_site_crud_and_headcount(client: TestClient, org: Org) -> None:
    h = bearer(client, org.admin)
    made = client.post("/api/sites", headers=h, json={
        "code": "MKS", "name": "Makassar", "city": "Makassar", "timezone": "Asia/Makassar",
        "seats": 40})
    assert made.status_code == 201, made.text
    site_id = made.json()["id"]
    listed = factories.json_of(client.get("/api/sites", headers=h))
    assert listed["total"] == 3 and listed["page"] == 1
    smg = next(s for s in listed["items"] if s["code"] == "SMG")
    assert smg["headcount"] == 6 and smg["seats"] == 130
    changed = client.patch(f"/api/sites/{site_id}", headers=h, json={"seats": 45})
    assert changed.status_code == 200 and changed.json()["seats"] == 45
    assert client.get(f"/api/sites/{site_id}", headers=h).json()["timezone"] == "Asia/Makassar"


def test_team_crud(client: TestClient, org: Org) -> None:
    h = bearer(client, org.admin)
    made = client.post("/api/teams", headers=h, json={
        "name": "Pro-Active", "site_id": org.smg.id, "tier": "non_tier", "desk": "Pro-Active",
        "leader_id": org.tl.id})
    assert made.status_code == 201, made.text
    team_id = made.json()["id"]
    assert client.get(f"/api/teams/{team_id}", headers=h).json()["leader_id"] == org.tl.id
    listed = client.get("/api/teams", headers=h, params={"site_id": org.smg.id}).json()
    assert {t["name"] for t in listed["items"]} == {"Tier 1 Voice A", "Tier 2 Datin",
                                                    "Pro-Active"}
    moved = client.patch(f"/api/teams/{team_id}", headers=h, json={"desk": "Pro-Active SMG"})
    assert moved.json()["desk"] == "Pro-Active SMG"


def test_staff_crud_with_tenure(client: TestClient, org: Org) -> None:
    h = bearer(client, org.admin)
    body = {"login_code": 90001, "online_name": "dimas", "full_name": "Dimas Pratama",
            "role": "agent", "tier": "tier1", "channels": ["voice", "whatsapp"],
            "skills": ["datin", " datin", "indihome"], "team_id": org.voice.id,
            "team_leader_id": org.tl.id, "hire_date": "2020-03-10", "email": "d@x.co.id"}
    made = client.post("/api/staff", headers=h, json=body)
    assert made.status_code == 201, made.text
    data = made.json()
    assert data["site_id"] == org.smg.id  # taken from the team
    assert data["skills"] == ["datin", "indihome"]
    assert data["tenure_months"] >= 70 and data["has_login"] is False
    staff_id = data["id"]
    one = client.get(f"/api/staff/{staff_id}", headers=h).json()
    assert one["channels"] == ["voice", "whatsapp"]
    patched = client.patch(f"/api/staff/{staff_id}", headers=h,
                           json={"tier": "tier2", "team_id": org.datin.id, "active": False})
    assert patched.status_code == 200 and patched.json()["tier"] == "tier2"
    found = client.get("/api/staff", headers=h, params={"q": "dimas"}).json()
    assert [p["login_code"] for p in found["items"]] == [90001]
    assert client.get("/api/staff", headers=h, params={"active": "true", "q": "dimas"}
                      ).json()["total"] == 0
    by_code = client.get("/api/staff", headers=h, params={"q": str(org.agent.login_code)})
    assert by_code.json()["items"][0]["id"] == org.agent.id
    filtered = client.get("/api/staff", headers=h, params={
        "site_id": org.smg.id, "role": "agent", "tier": "tier1", "limit": 1}).json()
    assert filtered["total"] == 1 and filtered["limit"] == 1


def test_staff_update_is_audited_with_changes(client: TestClient, org: Org,
                                              sessions: sessionmaker[Session]) -> None:
    h = bearer(client, org.admin)
    answer = client.patch(f"/api/staff/{org.agent.id}", headers=h,
                          json={"online_name": "ayu-baru"})
    assert answer.status_code == 200
    with sessions() as s:
        row = s.scalar(select(AuditLog).where(AuditLog.action == "staff.update",
                                              AuditLog.entity_id == str(org.agent.id)))
        assert row is not None and row.login_code == org.admin.login_code
        assert row.detail["changes"]["online_name"] == ["ayu", "ayu-baru"]


BAD_WRITES: list[tuple[str, str, dict[str, Any], str, int]] = [
    ("post", "/api/sites", {"name": "X", "city": "Y"}, "code", 422),
    ("post", "/api/sites", {"code": "X1", "name": "X", "city": "Y", "timezone": "Europe/Paris"},
     "timezone", 422),
    ("post", "/api/sites", {"code": "X1", "name": "X", "city": "Y", "seats": -1}, "seats", 422),
    ("post", "/api/sites", {"code": "SMG", "name": "X", "city": "Y"}, "code", 409),
    ("patch", "/api/sites/{smg}", {"seats": "banyak"}, "seats", 422),
    ("patch", "/api/sites/{smg}", {"code": "BDG"}, "code", 409),
    ("patch", "/api/sites/{smg}", {"name": ""}, "name", 422),
    ("patch", "/api/sites/{smg}", {"nope": 1}, "nope", 422),
    ("post", "/api/teams", {"site_id": 1}, "name", 422),
    ("post", "/api/teams", {"name": "T", "site_id": 9999}, "site_id", 422),
    ("post", "/api/teams", {"name": "T", "site_id": "{smg}", "tier": "tier7"}, "tier", 422),
    ("post", "/api/teams", {"name": "T", "site_id": "{smg}", "leader_id": "{agent}"},
     "leader_id", 422),
    ("post", "/api/teams", {"name": "Tier 2 Datin", "site_id": "{smg}"}, "name", 409),
    ("patch", "/api/teams/{voice}", {"name": "Tier 2 Datin"}, "name", 409),
    ("patch", "/api/teams/{voice}", {"leader_id": 99999}, "leader_id", 422),
    ("post", "/api/staff", {"online_name": "a", "full_name": "A", "role": "agent"},
     "login_code", 422),
    ("post", "/api/staff", {"login_code": -3, "online_name": "a", "full_name": "A",
                            "role": "agent"}, "login_code", 422),
    ("post", "/api/staff", {"login_code": 91000, "online_name": "a", "full_name": "A",
                            "role": "boss"}, "role", 422),
    ("post", "/api/staff", {"login_code": 91000, "online_name": "a", "full_name": "A",
                            "role": "agent", "channels": ["fax"]}, "channels.0", 422),
    ("post", "/api/staff", {"login_code": "{agent_code}", "online_name": "a",
                            "full_name": "A", "role": "agent"}, "login_code", 409),
    ("post", "/api/staff", {"login_code": 91000, "online_name": "a", "full_name": "A",
                            "role": "agent", "site_id": "{bdg}", "team_id": "{voice}"},
     "team_id", 422),
    ("post", "/api/staff", {"login_code": 91000, "online_name": "a", "full_name": "A",
                            "role": "agent", "team_id": 9999}, "team_id", 422),
    ("post", "/api/staff", {"login_code": 91000, "online_name": "a", "full_name": "A",
                            "role": "agent", "team_leader_id": "{agent}"},
     "team_leader_id", 422),
    ("post", "/api/staff", {"login_code": 91000, "online_name": "a", "full_name": "A",
                            "role": "agent", "hire_date": "kemarin"}, "hire_date", 422),
    ("post", "/api/staff", {"login_code": 91000, "online_name": "a", "full_name": "A",
                            "role": "agent", "email": "bukan-email"}, "email", 422),
    ("patch", "/api/staff/{agent}", {"site_id": "{bdg}"}, "team_id", 422),
    ("patch", "/api/staff/{agent}", {"login_code": "{tl_code}"}, "login_code", 409),
    ("patch", "/api/staff/{agent}", {"team_leader_id": "{agent}"}, "team_leader_id", 422),
    ("patch", "/api/staff/{agent}", {"role": None}, "role", 422),
    ("post", "/api/users", {"login_code": 123456789, "password": "panjang-sekali"},
     "login_code", 422),
    ("post", "/api/users", {"login_code": "{agent_code}", "password": "pendek"},
     "password", 422),
    ("post", "/api/users", {"login_code": "{agent_code}", "password": "panjang-sekali"},
     "login_code", 409),
    ("post", "/api/users", {"password": "panjang-sekali"}, "login_code", 422),
    ("post", "/api/users/{agent_user}/password", {"password": "abc"}, "password", 422),
    ("post", "/api/users/{agent_user}/password", {}, "password", 422),
]


def _fill(value: Any, names: dict[str, int]) -> Any:
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return names[value[1:-1]]
    if isinstance(value, dict):
        return {k: _fill(v, names) for k, v in value.items()}
    return value


@pytest.mark.parametrize(("method", "path", "body", "field", "status"), BAD_WRITES)
def test_bad_input_names_the_field(client: TestClient, org: Org, session: Session,
                                   method: str, path: str, body: dict[str, Any], field: str,
                                   status: int) -> None:
    from sigap.auth.models import User

    agent_user = session.scalar(select(User.id).where(User.staff_id == org.agent.id))
    names = {"smg": org.smg.id, "bdg": org.bdg.id, "voice": org.voice.id,
             "agent": org.agent.id, "agent_code": org.agent.login_code,
             "tl_code": org.tl.login_code, "agent_user": agent_user or 0}
    header = bearer(client, org.it if "/api/users" in path else org.admin)
    answer = client.request(method.upper(), path.format(**names), headers=header,
                            json=_fill(body, names))
    assert answer.status_code == status, answer.text
    data = answer.json()
    assert data["field"] == field, data
    assert data["message"]


def test_unknown_ids_answer_404(client: TestClient, org: Org) -> None:
    h = bearer(client, org.admin)
    for path in ("/api/sites/9999", "/api/teams/9999", "/api/staff/9999"):
        assert client.get(path, headers=h).status_code == 404
        assert client.patch(path, headers=h, json={}).status_code == 404


def test_team_leader_sees_only_own_team(client: TestClient, org: Org) -> None:
    h = bearer(client, org.tl)
    staff = client.get("/api/staff", headers=h).json()
    assert {p["id"] for p in staff["items"]} == {org.tl.id, org.agent.id}
    assert client.get(f"/api/staff/{org.other_agent.id}", headers=h).status_code == 404
    assert client.get(f"/api/staff/{org.agent.id}", headers=h).status_code == 200
    teams = client.get("/api/teams", headers=h).json()
    assert [t["id"] for t in teams["items"]] == [org.voice.id]
    assert client.get(f"/api/sites/{org.bdg.id}", headers=h).status_code == 404
    assert client.patch(f"/api/staff/{org.agent.id}", headers=h,
                        json={"online_name": "x"}).status_code == 403


def test_supervisor_sees_own_site(client: TestClient, org: Org) -> None:
    h = bearer(client, org.spv)
    staff = client.get("/api/staff", headers=h, params={"limit": 200}).json()
    ids = {p["id"] for p in staff["items"]}
    assert org.other_agent.id in ids and org.bdg_agent.id not in ids
    sites = client.get("/api/sites", headers=h).json()
    assert [s["code"] for s in sites["items"]] == ["SMG"]
    assert client.get(f"/api/staff/{org.bdg_agent.id}", headers=h).status_code == 404
