"""Priority customers (W-19, D6, D22): the list, detection on social and WhatsApp,
priority work only for priority-segment agents, a PIC on the ticket."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from sigap.channels.models import Conversation, PriorityAccount
from sigap.config import Settings
from sigap.org.models import Alert, Staff
from sigap.routing import assignment as routing
from tests import factories
from tests.channels.social.test_webhooks import X, x_signed
from tests.tickets.helpers import floor


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(database_url=db_url, secret_key="test-secret-key-not-for-production",
                    x_consumer_secret="x-consumer-secret")


@pytest.mark.parametrize("hired, qa, today, eligible", [
    (dt.date(2026, 1, 15), 6, dt.date(2026, 7, 15), False),  # exactly six months
    (dt.date(2026, 1, 15), 6, dt.date(2026, 7, 16), True),
    (dt.date(2026, 1, 31), 6, dt.date(2026, 7, 31), False),  # month end
    (dt.date(2026, 1, 31), 6, dt.date(2026, 8, 1), True),
    (dt.date(2024, 1, 1), 5, dt.date(2026, 11, 23), False),  # QA met only 5 months in a row
    (None, 12, dt.date(2026, 11, 23), False),
])
def test_priority_segment_agent_rule(hired: dt.date | None, qa: int, today: dt.date,
                                     eligible: bool) -> None:
    assert Staff(hire_date=hired, qa_met_months=qa).priority_eligible(today) is eligible


def _tweet(tweet_id: str, user_id: str, screen: str, text: str) -> bytes:
    return json.dumps({"for_user_id": "111", "tweet_create_events": [
        {"id_str": tweet_id, "text": text, "timestamp_ms": "1795400000000",
         "user": {"id_str": user_id, "screen_name": screen, "name": screen}}]}).encode()


def test_detection_by_account_and_by_board_mention(client: TestClient, session: Session) -> None:
    world = floor(session)
    site = world.site
    supervisor = factories.staff(session, "supervisor", site=site)
    session.commit()
    lead = factories.token(client, supervisor.login_code)
    for body in ({"channel": "x", "account": "@MenteriKominfo", "category": "pejabat_pemerintah",
                  "name": "Menteri"},
                 {"channel": "x", "account": "DirutTelkom", "category": "bod"}):
        assert client.post("/api/priority-accounts", json=body, headers=lead).status_code == 201
    dup = client.post("/api/priority-accounts", headers=lead,
                      json={"channel": "x", "account": "menterikominfo", "category": "bod"})
    assert dup.status_code == 409
    agent = factories.token(client, world.agent_a.login_code)
    assert client.post("/api/priority-accounts", headers=agent, json={
        "channel": "x", "account": "a", "category": "bod"}).status_code == 403
    for tweet in (_tweet("1", "501", "menterikominfo", "@TelkomCare internet kantor mati"),
                  _tweet("2", "502", "warga_biasa", "@TelkomCare @DirutTelkom tolong!"),
                  _tweet("3", "503", "warga_lain", "@TelkomCare lambat")):
        assert client.post(X, content=tweet, headers=x_signed(tweet)).status_code == 200
    session.rollback()
    flags = {c.contact: (c.priority, c.priority_reason)
             for c in session.scalars(select(Conversation))}
    assert flags["501"][0] and "pejabat pemerintah" in flags["501"][1]
    assert flags["502"] == (True, "Menyebut akun BOD @diruttelkom")
    assert flags["503"] == (False, "")
    conversation = session.scalar(select(Conversation).where(Conversation.contact == "502"))
    assert conversation is not None
    made = client.post(f"/api/conversations/{conversation.id}/ticket", headers=agent,
                       json={"customer_id": world.customer.id})
    assert made.status_code == 201 and made.json()["priority"] is True


def test_priority_work_only_for_priority_agents_and_a_pic(client: TestClient,
                                                          session: Session) -> None:
    world = floor(session)
    world.customer.priority = True
    world.customer.priority_reason = "Public figure"
    world.agent_b.hire_date = dt.date(2024, 1, 1)
    world.agent_b.qa_met_months = 6
    world.agent_a2.hire_date = dt.date(2024, 1, 1)
    world.agent_a2.qa_met_months = 2
    session.commit()
    tl = factories.token(client, world.tl_a.login_code)
    ticket = client.post("/api/tickets", headers=tl, json={
        "customer_id": world.customer.id, "type": "gangguan", "subject": "Twit viral",
        "team_id": world.team_a.id}).json()
    assert ticket["priority"] is True
    refused = client.post(f"/api/tickets/{ticket['id']}/assign", headers=tl,
                          json={"owner_id": world.agent_a2.id, "reason": "tolong"})
    assert refused.status_code == 409 and "segmen prioritas" in refused.json()["message"]
    spv = factories.token(client, world.spv.login_code)
    ok = client.post(f"/api/tickets/{ticket['id']}/assign", headers=spv,
                     json={"owner_id": world.agent_b.id, "reason": "agen prioritas"})
    assert ok.status_code == 200, ok.text
    pic = client.post(f"/api/tickets/{ticket['id']}/pic", headers=spv,
                      json={"staff_id": world.tl_a.id})
    assert pic.status_code == 200 and pic.json()["pic_id"] == world.tl_a.id
    factories.login(client, world.spv.login_code)
    page = client.get(f"/tickets/{ticket['id']}").text
    assert 'data-testid="pic"' in page and "tari" in page


def test_the_team_leader_is_alerted_at_once(client: TestClient, session: Session) -> None:
    from sigap.channels.models import PriorityAccount

    world = floor(session)
    world.tl_a.channels = ["x", "voice"]
    session.add(PriorityAccount(channel="x", account="menterikominfo", category="bod"))
    session.commit()
    tweet = _tweet("9", "600", "warga", "@TelkomCare @MenteriKominfo internet mati")
    assert client.post(X, content=tweet, headers=x_signed(tweet)).status_code == 200
    lead = factories.token(client, world.tl_a.login_code)
    alerts = client.get("/api/alerts", headers=lead).json()
    assert len(alerts) == 1 and "prioritas" in alerts[0]["message"]
    assert alerts[0]["link"].startswith("/conversations/")
    agent = factories.token(client, world.agent_a.login_code)
    assert client.get("/api/alerts", headers=agent).json() == []
    assert client.post(f"/api/alerts/{alerts[0]['id']}/read", headers=agent).status_code == 404
    factories.login(client, world.tl_a.login_code)
    assert 'data-testid="alerts"' in client.get("/desk").text
    read = client.post(f"/api/alerts/{alerts[0]['id']}/read", headers=lead)
    assert read.status_code == 200 and read.json()["read_at"]
    assert client.get("/api/alerts", headers=lead).json() == []
    # A second message of the same conversation does not alert again.
    more = _tweet("10", "600", "warga", "@TelkomCare @MenteriKominfo masih mati")
    client.post(X, content=more, headers=x_signed(more))
    assert client.get("/api/alerts", headers=lead).json() == []


def test_a_priority_customer_alerts_the_team_leader_on_duty(client: TestClient,
                                                            session: Session) -> None:
    world = floor(session)
    on_duty = factories.staff(session, "team_leader", team=world.team_a, name="tl_pagi")
    off_duty = factories.staff(session, "team_leader", team=world.team_a, name="tl_malam")
    voice_only = world.tl_a
    for lead in (on_duty, off_duty):
        lead.channels = ["x", "facebook"]
    session.add(PriorityAccount(channel="x", account="menterikominfo",
                                category="pejabat_pemerintah", name="Menteri"))
    routing.set_presence(session, on_duty.id, "ready")
    session.commit()
    tweet = _tweet("9", "509", "menterikominfo", "@TelkomCare internet kantor mati")
    assert client.post(X, content=tweet, headers=x_signed(tweet)).status_code == 200
    session.rollback()
    told = set(session.scalars(select(Alert.staff_id).where(Alert.kind == "priority_customer")))
    assert told == {on_duty.id}
    # Nobody of the channel logged in: every leader of the channel is told.
    routing.set_presence(session, on_duty.id, "offline")
    session.commit()
    tweet = _tweet("10", "510", "menterikominfo", "@TelkomCare masih mati")
    client.post(X, content=tweet, headers=x_signed(tweet))
    session.rollback()
    later = list(session.scalars(select(Alert.staff_id).where(
        Alert.kind == "priority_customer").order_by(Alert.id)))
    assert voice_only.id not in later and set(later[1:]) == {on_duty.id, off_duty.id}


def test_the_pic_is_named_on_the_page_sees_the_ticket_and_follows_it(
        client: TestClient, session: Session) -> None:
    world = floor(session)
    world.customer.priority = True
    world.customer.priority_reason = "Pejabat pemerintah"
    session.commit()
    tl = factories.token(client, world.tl_a.login_code)
    ticket = client.post("/api/tickets", headers=tl, json={
        "customer_id": world.customer.id, "type": "gangguan", "subject": "Kantor dinas mati",
        "team_id": world.team_a.id}).json()
    pic = world.agent_b  # of another team: outside their own scope until named
    pic_auth = factories.token(client, pic.login_code)
    assert client.get(f"/api/tickets/{ticket['id']}", headers=pic_auth).status_code == 404
    csrf = factories.login(client, world.spv.login_code)
    page = client.get(f"/tickets/{ticket['id']}").text
    assert 'data-testid="pic-missing"' in page and 'data-testid="pic-form"' in page
    named = client.post(f"/tickets/{ticket['id']}/pic", follow_redirects=False,
                        data={"csrf_token": csrf, "staff_id": str(pic.id)})
    assert named.status_code == 303
    empty = client.post(f"/tickets/{ticket['id']}/pic",
                        data={"csrf_token": csrf, "staff_id": ""})
    assert empty.status_code == 422
    page = client.get(f"/tickets/{ticket['id']}").text
    assert 'data-testid="pic"' in page and "pic-missing" not in page
    assert client.get(f"/api/tickets/{ticket['id']}", headers=pic_auth).status_code == 200
    # Each step of the ticket reaches the PIC until it is done.
    assert client.post(f"/api/tickets/{ticket['id']}/escalate", headers=tl,
                       json={"reason": "Butuh supervisor"}).status_code == 200
    moved = client.post(f"/api/tickets/{ticket['id']}/state", headers=tl,
                        json={"state": "resolved", "reason": "Link normal kembali"})
    assert moved.status_code == 200, moved.text
    told = [a["message"] for a in client.get("/api/alerts", headers=pic_auth).json()]
    assert sorted(told) == sorted([
        f"Anda PIC tiket {ticket['number']}: Kantor dinas mati",
        f"Tiket {ticket['number']} dieskalasi ke team_leader: Butuh supervisor",
        f"Tiket {ticket['number']} kini resolved: Link normal kembali"])


def test_the_list_is_kept_on_its_page_and_an_account_taken_off_no_longer_flags(
        client: TestClient, session: Session) -> None:
    world = floor(session)
    csrf = factories.login(client, world.spv.login_code)
    added = client.post("/priority-accounts", follow_redirects=False, data={
        "csrf_token": csrf, "channel": "x", "account": "@RaisaAndriana", "name": "Raisa",
        "category": "artis", "note": "penyanyi"})
    assert added.status_code == 303
    wrong = client.post("/priority-accounts", data={
        "csrf_token": csrf, "channel": "x", "account": "someone", "category": "tetangga"})
    assert wrong.status_code == 422 and "W-19" in wrong.text
    twice = client.post("/priority-accounts", data={
        "csrf_token": csrf, "channel": "x", "account": "raisaandriana", "category": "artis"})
    assert twice.status_code == 409
    page = client.get("/priority-accounts").text
    assert 'data-account="raisaandriana"' in page and "artis/musisi/sutradara" in page
    session.rollback()
    row = session.scalar(select(PriorityAccount))
    assert row is not None and row.account == "raisaandriana" and row.name == "Raisa"
    first = _tweet("70", "701", "raisaandriana", "@TelkomCare internet studio mati")
    client.post(X, content=first, headers=x_signed(first))
    off = client.post(f"/priority-accounts/{row.id}/active", follow_redirects=False,
                      data={"csrf_token": csrf, "active": "0"})
    assert off.status_code == 303
    agent = factories.token(client, world.agent_a.login_code)
    assert client.patch(f"/api/priority-accounts/{row.id}", headers=agent,
                        json={"active": True}).status_code == 403
    later = _tweet("71", "702", "raisaandriana_fan", "@TelkomCare @raisaandriana mati")
    client.post(X, content=later, headers=x_signed(later))
    session.rollback()
    flags = {c.contact: c.priority for c in session.scalars(select(Conversation))}
    assert flags == {"701": True, "702": False}
    lead = factories.token(client, world.spv.login_code)
    back = client.patch(f"/api/priority-accounts/{row.id}", headers=lead, json={"active": True})
    assert back.status_code == 200 and back.json()["active"] is True
