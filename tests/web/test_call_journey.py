"""A call from the PBX, end to end in Chromium: the CTI events build the interaction, the
ticket and the interaction pages play its recording from the recording store."""

from __future__ import annotations

import io
import wave
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session

from sigap.config import Settings
from tests import factories
from tests.tickets.helpers import floor
from tests.web.test_journey import _login

pytestmark = pytest.mark.browser
PLAY = """el => new Promise((ok, bad) => {
  el.preload = 'auto';
  el.addEventListener('loadedmetadata', () => ok(el.duration));
  el.addEventListener('error', () => bad(new Error('media error ' + (el.error && el.error.code))));
  el.load();
})"""


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=db_url, secret_key="test-secret-key-not-for-production",
                    recording_dir=str(tmp_path / "rec"))


def _wav(seconds: float) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x00\x00" * int(8000 * seconds))
    return out.getvalue()


def test_the_recording_plays_on_the_ticket_and_interaction_pages(
        live_server: str, browser: Any, session: Session, tmp_path: Path) -> None:
    world = floor(session)
    connector = factories.staff(session, "it", site=factories.site(session, code="CTI"))
    session.commit()
    store = tmp_path / "rec" / "2026" / "11" / "23"
    store.mkdir(parents=True)
    (store / "CALL-5.wav").write_bytes(_wav(2.5))
    with httpx.Client(base_url=live_server) as api:
        def token(code: int) -> dict[str, str]:
            answer = api.post("/api/auth/token", data={"username": str(code),
                                                       "password": factories.PASSWORD})
            return {"Authorization": f"Bearer {answer.json()['access_token']}"}

        cti = token(connector.login_code)
        for event in (
                {"type": "offered", "at": "2026-11-23T08:00:00+07:00", "caller": "081234567890",
                 "called": "147", "queue": "T1-VOICE"},
                {"type": "answered", "at": "2026-11-23T08:00:09+07:00",
                 "agent": world.agent_a.login_code},
                {"type": "ended", "at": "2026-11-23T08:04:00+07:00", "cause": "normal clearing",
                 "recording_ref": "2026/11/23/CALL-5.wav"}):
            answer = api.post("/api/channels/voice/events", headers=cti,
                              json={"call_id": "CALL-5", **event})
            assert answer.status_code == 202, answer.text
        interaction = answer.json()["interaction_id"]
        made = api.post("/api/tickets", headers=token(world.agent_a.login_code), json={
            "customer_id": world.customer.id, "type": "gangguan", "subject": "Internet mati",
            "channel": "voice", "interaction_id": interaction})
        assert made.status_code == 201, made.text
    context, page = _login(browser, live_server, world.agent_a.login_code)
    try:
        page.goto(f"{live_server}/tickets/{made.json()['id']}")
        player = page.locator("[data-testid=recording]")
        assert player.evaluate(PLAY) == pytest.approx(2.5, abs=0.01)
        page.locator("[data-testid=interaction-link]").click()
        page.wait_for_url(f"{live_server}/interactions/{interaction}")
        assert "23/11/2026 08:00:09 WIB" in page.locator("[data-testid=interaction-facts]"
                                                         ).inner_text()
        assert page.locator("[data-testid=talk]").inner_text().startswith("231 ")
        assert page.locator("[data-testid=recording]").evaluate(PLAY) == pytest.approx(
            2.5, abs=0.01)
    finally:
        context.close()
