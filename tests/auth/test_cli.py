"""`sigap user create`: a staff member with a login, and clear refusals."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from sigap.auth import passwords
from sigap.auth.cli import app
from sigap.auth.models import AuditLog, User
from sigap.config import get_settings
from sigap.org.models import Staff
from tests import factories

runner = CliRunner()


@pytest.fixture
def cli_env(db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("SIGAP_DATABASE_URL", db_url)
    yield db_url
    get_settings.cache_clear()


def _run(*args: str, password: str = "rahasia-sekali\n") -> tuple[int, str, str]:
    result = runner.invoke(app, ["create", *args, "--password-stdin"], input=password)
    return result.exit_code, result.stdout, result.stderr


def test_create_user_with_site_and_team(cli_env: str, session: Session,
                                        sessions: sessionmaker[Session]) -> None:
    site = factories.site(session)
    factories.team(session, site, name="Tier 2 Datin")
    session.commit()
    code, out, err = _run("--login-code", "81234", "--name", "Dewi", "--role", "team_leader",
                          "--site", "smg", "--team", "tier 2 datin", "--tier", "tier2")
    assert code == 0, err
    assert "81234" in out
    with sessions() as s:
        person = s.scalar(select(Staff).where(Staff.login_code == 81234))
        assert person is not None and person.team is not None
        assert person.team.name == "Tier 2 Datin" and person.site_id == site.id
        user = s.scalar(select(User).where(User.staff_id == person.id))
        assert user is not None and user.password_hash.startswith("$argon2id$")
        assert passwords.verify_password(user.password_hash, "rahasia-sekali")
        rows = s.scalars(select(AuditLog.action).where(AuditLog.entity == "users")).all()
        assert "users.create" in rows


@pytest.mark.parametrize(("args", "message"), [
    (["--role", "boss"], "peran"),
    (["--role", "agent", "--site", "XYZ"], "site"),
    (["--role", "agent", "--site", "SMG", "--team", "Tidak Ada"], "tim"),
    (["--role", "agent", "--tier", "tier9"], "tier"),
])
def test_refusals(cli_env: str, session: Session, args: list[str], message: str) -> None:
    factories.site(session)
    session.commit()
    code, _, err = _run("--login-code", "81235", "--name", "Budi", *args)
    assert code == 2
    assert message in err


def test_duplicate_and_short_password(cli_env: str, session: Session) -> None:
    code, _, err = _run("--login-code", "81236", "--name", "Sari", "--role", "admin")
    assert code == 0, err
    code, _, err = _run("--login-code", "81236", "--name", "Sari 2", "--role", "admin")
    assert code == 2 and "sudah dipakai" in err
    code, _, err = _run("--login-code", "81237", "--name", "Tono", "--role", "admin",
                        password="pendek\n")
    assert code == 2 and "minimal" in err
