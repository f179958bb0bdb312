"""Small builders for test data: sites, teams, staff with logins, customers, API tokens."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from functools import lru_cache
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from sigap.auth.models import User
from sigap.auth.passwords import hash_password
from sigap.customers.models import Customer, CustomerContact, CustomerService
from sigap.org.models import Site, Staff, Team

PASSWORD = "rahasia-123"
_codes = itertools.count(70001)
_seq = itertools.count(1)


@lru_cache
def password_hash() -> str:
    # One real argon2 hash reused by every test user: hashing per user would slow the suite.
    return hash_password(PASSWORD)


def site(session: Session, code: str = "SMG", name: str = "Graha Telkom Pahlawan",
         city: str = "Semarang", timezone: str = "Asia/Jakarta", seats: int = 130) -> Site:
    s = Site(code=code, name=name, city=city, timezone=timezone, seats=seats)
    session.add(s)
    session.flush()
    return s


def team(session: Session, site: Site, name: str = "Tier 1 Voice A", tier: str = "tier1",
         desk: str = "Tier 1 Voice") -> Team:
    t = Team(name=name, site=site, tier=tier, desk=desk)
    session.add(t)
    session.flush()
    return t


def staff(session: Session, role: str = "agent", *, team: Team | None = None,
          site: Site | None = None, name: str | None = None, login_code: int | None = None,
          tier: str = "tier1", hire_date: dt.date | None = None, leads: bool = False,
          with_login: bool = True) -> Staff:
    code = login_code or next(_codes)
    person = Staff(
        login_code=code,
        online_name=name or f"{role}-{code}",
        full_name=(name or f"{role} {code}").title(),
        role=role,
        tier=tier,
        channels=["voice"],
        skills=[],
        site_id=(site.id if site else (team.site_id if team else None)),
        team_id=team.id if team else None,
        hire_date=hire_date or dt.date(2024, 1, 15),
    )
    session.add(person)
    session.flush()
    if leads and team is not None:
        team.leader_id = person.id
    if with_login:
        session.add(User(staff=person, password_hash=password_hash()))
    session.flush()
    return person


def customer(session: Session, name: str = "PT Maju Jaya", segment: str = "DBS",
             phone: str | None = None, email: str | None = None,
             service_id: str | None = None, product: str = "datin") -> Customer:
    n = next(_seq)
    c = Customer(external_id=f"CUST-{n:06d}", name=name, segment=segment, city="Semarang")
    session.add(c)
    session.flush()
    if phone:
        session.add(CustomerContact(customer_id=c.id, kind="phone", value=phone))
    if email:
        session.add(CustomerContact(customer_id=c.id, kind="email", value=email.lower()))
    session.add(CustomerService(customer_id=c.id, service_id=service_id or f"SID-{n:08d}",
                                product=product, description=f"{product} {n}"))
    session.flush()
    return c


def token(client: TestClient, login_code: int, password: str = PASSWORD) -> dict[str, str]:
    """Authorization header for the API."""
    answer = client.post("/api/auth/token", data={"username": str(login_code),
                                                  "password": password})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in page"
    return match.group(1)


def login(client: TestClient, login_code: int, password: str = PASSWORD) -> str:
    """Log in through the login page; returns the session's CSRF token for later forms."""
    page = client.get("/login")
    csrf = csrf_from(page.text)
    answer = client.post("/login", data={"login_code": str(login_code), "password": password,
                                         "csrf_token": csrf}, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return csrf_from(client.get("/account/password").text)


def json_of(answer: Any) -> Any:
    assert answer.headers["content-type"].startswith("application/json"), answer.text
    return answer.json()
