"""CTI events build voice interactions in any arrival order; ACD interval reports import."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sigap.auth.models import AuditLog
from sigap.channels.voice.models import AcdInterval, CallEvent
from sigap.tickets.models import Interaction
from tests import factories
from tests.tickets.helpers import floor

URL = "/api/channels/voice/events"


def _cti(session: Session, client: TestClient) -> dict[str, str]:
    site = factories.site(session, code="CTI")
    connector = factories.staff(session, "it", site=site)
    session.commit()
    return factories.token(client, connector.login_code)


def _events(call: str, agent: int, other: int) -> list[dict[str, Any]]:
    return [
        {"call_id": call, "type": "offered", "at": "2026-11-23T08:00:00+07:00",
         "caller": "0812-3456-7890", "called": "147", "queue": "T1-VOICE"},
        {"call_id": call, "type": "answered", "at": "2026-11-23T08:00:12+07:00",
         "agent": agent},
        {"call_id": call, "type": "transferred", "at": "2026-11-23T08:03:00+07:00",
         "agent": agent, "to_agent": other},
        {"call_id": call, "type": "ended", "at": "2026-11-23T08:07:30+07:00",
         "cause": "normal clearing", "recording_ref": "https://rec.sigap.test/c1.wav"},
    ]


def test_a_full_call_in_any_arrival_order(client: TestClient, session: Session) -> None:
    world = floor(session)
    auth = _cti(session, client)
    events = _events("CALL-1", world.agent_a.login_code, world.agent_b.login_code)
    for event in (events[3], events[1], events[0], events[2], events[1]):  # late, repeated
        answer = client.post(URL, json=event, headers=auth)
        assert answer.status_code == 202, answer.text
    assert answer.json()["duplicate"] is True
    session.rollback()
    call = session.scalar(select(Interaction).where(Interaction.provider_id == "CALL-1"))
    assert call is not None and call.channel == "voice"
    assert call.arrived_at.isoformat() == "2026-11-23T01:00:00+00:00"
    assert call.answered_at is not None and call.answered_at.second == 12
    assert call.ended_at is not None and call.ended_at.minute == 7
    assert call.customer_id == world.customer.id  # by the caller's number
    assert call.agent_id == world.agent_b.id  # the transfer's receiver kept the call
    assert call.recording_ref == "https://rec.sigap.test/c1.wav"
    assert "dialihkan" in call.body and "normal clearing" in call.body
    assert session.scalar(select(func.count()).select_from(CallEvent)) == 4


def test_an_abandoned_call(client: TestClient, session: Session) -> None:
    auth = _cti(session, client)
    client.post(URL, headers=auth, json={"call_id": "CALL-2", "type": "offered",
                                         "at": "2026-11-23T09:00:00Z", "caller": "02112345678",
                                         "queue": "T1-VOICE"})
    gone = client.post(URL, headers=auth, json={"call_id": "CALL-2", "type": "abandoned",
                                                "at": "2026-11-23T09:00:45Z"})
    assert gone.status_code == 202
    body = gone.json()
    assert body["answered_at"] is None and body["ended_at"].startswith("2026-11-23T09:00:45")
    session.rollback()
    call = session.scalar(select(Interaction).where(Interaction.provider_id == "CALL-2"))
    assert call is not None and "abandon" in call.body


def test_bad_events_are_refused_clearly(client: TestClient, session: Session) -> None:
    auth = _cti(session, client)
    naive = client.post(URL, headers=auth, json={"call_id": "C", "type": "offered",
                                                 "at": "2026-11-23T09:00:00"})
    assert naive.status_code == 422 and "at" in naive.text
    kind = client.post(URL, headers=auth, json={"call_id": "C", "type": "ringing",
                                                "at": "2026-11-23T09:00:00Z"})
    assert kind.status_code == 422 and "type" in kind.text
    agent = factories.staff(session, "agent")
    session.commit()
    refused = client.post(URL, json={"call_id": "C", "type": "offered",
                                     "at": "2026-11-23T09:00:00Z"},
                          headers=factories.token(client, agent.login_code))
    assert refused.status_code == 403


def test_acd_interval_report_import(client: TestClient, session: Session) -> None:
    site = factories.site(session, code="WFM")
    planner = factories.staff(session, "operation_plan", site=site)
    session.commit()
    auth = {**factories.token(client, planner.login_code), "Content-Type": "text/csv"}
    report = (b"interval_start,queue,offered,answered,abandoned,answered_within,handle_time,"
              b"wait_time\n"
              b"2026-11-23 08:00,T1-VOICE,120,110,10,95,29700,1800\n"
              b"2026-11-23 08:30,T1-VOICE,130,abc,5,90,30000,2000\n"
              b"2026-11-23 09:00,T1-VOICE,100,100,10,90,30000,2000\n"
              b"kemarin,T1-VOICE,1,1,0,1,60,5\n"
              b"2026-11-23 09:30,T1-VOICE,90,85,5,80,25000,1500\n")
    first = client.post("/api/channels/voice/intervals", content=report, headers=auth)
    assert first.status_code == 200, first.text
    out = first.json()
    assert (out["rows_read"], out["created"]) == (5, 2)
    assert [(e["line"], e["field"]) for e in out["errors"]] == [
        (3, "answered"), (4, "offered"), (5, "interval_start")]
    again = client.post("/api/channels/voice/intervals", content=report, headers=auth).json()
    assert (again["created"], again["unchanged"]) == (0, 2)
    session.rollback()
    row = session.scalar(select(AcdInterval).order_by(AcdInterval.interval_start))
    assert row is not None and row.interval_start.hour == 1  # 08:00 WIB
    assert (row.offered, row.answered_within, row.handle_seconds) == (120, 95, 29700)
    wrong = client.post("/api/channels/voice/intervals", content=b"a,b\n1,2\n", headers=auth)
    assert wrong.status_code == 422 and wrong.json()["field"] == "file"
    assert client.post("/api/channels/voice/intervals", content=report,
                       headers={**auth, "Content-Type": "text/plain"}).status_code == 415


def test_the_recording_plays_on_the_ticket_page(client: TestClient, session: Session) -> None:
    from tests.tickets.helpers import actor, new_ticket

    world = floor(session)
    auth = _cti(session, client)
    for event in _events("CALL-9", world.agent_a.login_code, world.agent_a.login_code):
        client.post(URL, json=event, headers=auth)
    session.rollback()
    call = session.scalar(select(Interaction).where(Interaction.provider_id == "CALL-9"))
    assert call is not None
    ticket = new_ticket(session, actor(session, world.agent_a), world.customer,
                        channel="voice", interaction_id=call.id)
    session.commit()
    factories.login(client, world.agent_a.login_code)
    page = client.get(f"/tickets/{ticket.id}").text
    assert f'<audio controls preload="none" src="/interactions/{call.id}/recording"' in page
    assert f'href="/interactions/{call.id}"' in page
    played = client.get(f"/interactions/{call.id}/recording", follow_redirects=False)
    assert played.status_code == 303
    assert played.headers["location"] == "https://rec.sigap.test/c1.wav"


def test_the_interaction_page_has_exact_times_and_the_recording(
        client: TestClient, session: Session, tmp_path: Path) -> None:
    world = floor(session)
    auth = _cti(session, client)
    events = _events("CALL-7", world.agent_a.login_code, world.agent_b.login_code)
    events[3]["recording_ref"] = "2026/11/23/CALL-7.wav"  # a path on the recording store
    for event in events:
        assert client.post(URL, json=event, headers=auth).status_code == 202
    session.rollback()
    call = session.scalar(select(Interaction).where(Interaction.provider_id == "CALL-7"))
    assert call is not None
    factories.login(client, world.spv.login_code)
    page = client.get(f"/interactions/{call.id}")
    assert page.status_code == 200
    text = page.text
    for shown in ("23/11/2026 08:00:00 WIB", "23/11/2026 08:00:12 WIB",
                  "23/11/2026 08:07:30 WIB", '<dd data-testid="wait">12 ',
                  '<dd data-testid="talk">438 ', "normal clearing", "0812-3456-7890"):
        assert shown in text, shown
    assert f'src="/interactions/{call.id}/recording"' in text
    # Not stored and no recording server set: a clear 404, not a broken player.
    missing = client.get(f"/interactions/{call.id}/recording")
    assert missing.status_code == 404 and "2026/11/23/CALL-7.wav" in missing.text
    client.app.state.settings.recording_dir = str(tmp_path)  # type: ignore[attr-defined]
    stored = tmp_path / "2026" / "11" / "23"
    stored.mkdir(parents=True)
    (stored / "CALL-7.wav").write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt ")
    played = client.get(f"/interactions/{call.id}/recording")
    assert played.status_code == 200 and played.content.startswith(b"RIFF")
    client.app.state.settings.recording_dir = ""  # type: ignore[attr-defined]
    client.app.state.settings.recording_base_url = "https://pbx.test/rec/"  # type: ignore[attr-defined]
    linked = client.get(f"/interactions/{call.id}/recording", follow_redirects=False)
    assert linked.headers["location"] == "https://pbx.test/rec/2026/11/23/CALL-7.wav"
    session.rollback()
    listened = session.scalar(select(func.count()).select_from(AuditLog).where(
        AuditLog.action == "interactions.read", AuditLog.entity_id == str(call.id)))
    assert listened == 2  # played from the store, sent to the PBX; the 404 heard nothing
    # Outside the agent's scope: no page, no recording.
    factories.login(client, world.agent_a2.login_code)
    assert client.get(f"/interactions/{call.id}/recording").status_code == 404


def test_a_recording_path_cannot_leave_the_store(client: TestClient, session: Session,
                                                 tmp_path: Path) -> None:
    world = floor(session)
    auth = _cti(session, client)
    (tmp_path / "secret.txt").write_text("rahasia")
    store = tmp_path / "rec"
    store.mkdir()
    client.post(URL, headers=auth, json={"call_id": "CALL-X", "type": "ended",
                                         "at": "2026-11-23T09:00:00Z",
                                         "recording_ref": "../secret.txt"})
    session.rollback()
    call = session.scalar(select(Interaction).where(Interaction.provider_id == "CALL-X"))
    assert call is not None
    client.app.state.settings.recording_dir = str(store)  # type: ignore[attr-defined]
    factories.login(client, world.spv.login_code)
    assert client.get(f"/interactions/{call.id}/recording").status_code == 404
