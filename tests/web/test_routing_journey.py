"""A real-browser journey on the live floor: a WhatsApp message arrives, the agent's desk
shows the offer without a reload, the agent accepts it, the wallboard updates."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session

from sigap.config import Settings
from tests.channels.whatsapp.helpers import SECRET, URL, VERIFY, delivery, msg, signed
from tests.routing.helpers import routed
from tests.web.test_journey import _login

pytestmark = pytest.mark.browser


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(database_url=db_url, secret_key="test-secret-key-not-for-production",
                    whatsapp_app_secret=SECRET, whatsapp_verify_token=VERIFY,
                    whatsapp_access_token="graph-token")


def test_offer_reaches_the_desk_live_and_the_wallboard_follows(
        live_server: str, browser: Any, session: Session) -> None:
    r = routed(session)
    w = r.world
    session.commit()
    base = live_server
    context, agent = _login(browser, base, w.agent_a.login_code)
    agent.select_option("[data-testid=presence]", "ready")
    agent.wait_for_url(f"{base}/desk")
    agent.locator("#desk-work[data-live=on]").wait_for()
    board_context, board = _login(browser, base, w.spv.login_code)
    board.goto(f"{base}/wallboard/{r.queue.id}")
    board.locator("#boards[data-live=on]").wait_for()
    assert board.inner_text(f"[data-testid=board-{r.queue.id}] [data-testid=handled] strong") \
        == "0"
    # The customer writes on WhatsApp.
    body = delivery([msg("wamid.LIVE1", body="Internet mati sejak pagi")])
    answer = httpx.post(f"{base}{URL}", content=body, headers=signed(body))
    assert answer.status_code == 200
    offer = agent.locator("#desk-work [data-testid^=accept-]")
    offer.wait_for(timeout=10_000)  # arrived live, no reload
    assert "Budi" in agent.inner_text("#desk-work")
    offer.click()
    agent.wait_for_url(f"{base}/conversations/*")
    assert "Internet mati sejak pagi" in agent.content()
    board.locator(f"[data-testid=board-{r.queue.id}] [data-testid=handled] strong",
                  has_text="1").wait_for(timeout=10_000)
    assert "ayu" in board.inner_text(f"[data-testid=board-{r.queue.id}]")
    context.close()
    board_context.close()
