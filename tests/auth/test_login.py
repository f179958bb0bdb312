"""Logging in and out through the pages: CSRF, rotation, failures, throttling (D3, D7)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from sigap.auth.models import AuditLog
from tests import factories


def _person(session: Session, role: str = "agent") -> int:
    site = factories.site(session)
    team = factories.team(session, site)
    person = factories.staff(session, role, team=team)
    session.commit()
    return person.login_code


def _failures(sessions: sessionmaker[Session], code: int) -> int:
    with sessions() as s:
        return s.scalar(select(func.count(AuditLog.id)).where(
            AuditLog.action == "auth.login_failed", AuditLog.login_code == code)) or 0


def test_login_page_has_the_fields(client: TestClient) -> None:
    page = client.get("/login")
    assert page.status_code == 200
    for name in ('name="login_code"', 'name="password"', 'name="csrf_token"', 'type="submit"'):
        assert name in page.text


def test_login_then_logout(client: TestClient, session: Session,
                           sessions: sessionmaker[Session]) -> None:
    code = _person(session)
    csrf = factories.login(client, code)
    assert client.get("/account/password").status_code == 200
    with sessions() as s:
        assert s.scalar(select(func.count(AuditLog.id)).where(
            AuditLog.action == "auth.login", AuditLog.login_code == code)) == 1
    out = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/login"
    again = client.get("/account/password", follow_redirects=False)
    assert again.status_code == 303 and again.headers["location"].startswith("/login")


def test_login_goes_to_next_only_when_local(client: TestClient, session: Session) -> None:
    code = _person(session)
    csrf = factories.csrf_from(client.get("/login").text)
    answer = client.post("/login", data={"login_code": str(code), "password": factories.PASSWORD,
                                         "csrf_token": csrf, "next": "/tickets?x=1"},
                         follow_redirects=False)
    assert answer.headers["location"] == "/tickets?x=1"
    client.cookies.clear()
    csrf = factories.csrf_from(client.get("/login").text)
    answer = client.post("/login", data={"login_code": str(code), "password": factories.PASSWORD,
                                         "csrf_token": csrf, "next": "//evil.example/x"},
                         follow_redirects=False)
    assert answer.headers["location"] == "/desk"


def test_post_without_csrf_is_refused(client: TestClient, session: Session) -> None:
    code = _person(session)
    client.get("/login")
    answer = client.post("/login", data={"login_code": str(code),
                                         "password": factories.PASSWORD},
                         follow_redirects=False)
    assert answer.status_code == 403
    csrf = factories.login(client, code)
    assert client.post("/logout", follow_redirects=False).status_code == 403
    wrong = client.post("/logout", data={"csrf_token": csrf + "x"}, follow_redirects=False)
    assert wrong.status_code == 403


def test_csrf_token_is_rotated_at_login(client: TestClient, session: Session) -> None:
    code = _person(session)
    before = factories.csrf_from(client.get("/login").text)
    after = factories.login(client, code)
    assert before != after
    # The pre-login token no longer works for forms.
    assert client.post("/logout", data={"csrf_token": before},
                       follow_redirects=False).status_code == 403


def test_wrong_password_is_401_and_recorded(client: TestClient, session: Session,
                                            sessions: sessionmaker[Session]) -> None:
    code = _person(session)
    csrf = factories.csrf_from(client.get("/login").text)
    answer = client.post("/login", data={"login_code": str(code), "password": "salah-sekali",
                                         "csrf_token": csrf})
    assert answer.status_code == 401
    assert "Kode login atau kata sandi salah" in answer.text
    assert 'name="login_code"' in answer.text
    assert _failures(sessions, code) == 1
    unknown = client.post("/login", data={"login_code": "99999999", "password": "x",
                                          "csrf_token": csrf})
    assert unknown.status_code == 401
    assert _failures(sessions, 99999999) == 1


def test_login_is_throttled_after_five_failures(client: TestClient, session: Session,
                                                sessions: sessionmaker[Session]) -> None:
    code = _person(session)
    csrf = factories.csrf_from(client.get("/login").text)
    for _ in range(5):
        bad = client.post("/login", data={"login_code": str(code), "password": "tebak-tebak",
                                          "csrf_token": csrf})
        assert bad.status_code == 401
    good = client.post("/login", data={"login_code": str(code),
                                       "password": factories.PASSWORD, "csrf_token": csrf},
                       follow_redirects=False)
    assert good.status_code == 401
    assert "Terlalu banyak percobaan" in good.text
    api = client.post("/api/auth/token", data={"username": str(code),
                                                "password": factories.PASSWORD})
    assert api.status_code == 401 and "Terlalu banyak" in api.json()["message"]
    assert _failures(sessions, code) == 5


def test_password_change_page_keeps_this_session(client: TestClient, session: Session) -> None:
    code = _person(session)
    header = factories.token(client, code)
    csrf = factories.login(client, code)
    mismatch = client.post("/account/password", data={
        "csrf_token": csrf, "current_password": factories.PASSWORD,
        "new_password": "kata-baru-123", "confirm": "lain-lagi-123"})
    assert mismatch.status_code == 422 and "Konfirmasi" in mismatch.text
    wrong = client.post("/account/password", data={
        "csrf_token": csrf, "current_password": "bukan", "new_password": "kata-baru-123",
        "confirm": "kata-baru-123"})
    assert wrong.status_code == 422
    done = client.post("/account/password", data={
        "csrf_token": csrf, "current_password": factories.PASSWORD,
        "new_password": "kata-baru-123", "confirm": "kata-baru-123"})
    assert done.status_code == 200 and "sudah diganti" in done.text
    # Still logged in here; the older API token is dead.
    assert client.get("/account/password").status_code == 200
    assert client.get("/api/auth/me", headers=header).status_code == 401
    assert factories.token(client, code, "kata-baru-123")
