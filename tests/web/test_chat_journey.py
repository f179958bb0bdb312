"""A real-browser journey on a WhatsApp conversation: every kind of message shown (the
picture and the voice note downloaded through the Graph media endpoint play in the page,
the location on a map, the button reply as text, unsupported content kept and marked), an
answer inside the 24-hour window, and outside it the agent told why only templates go."""

from __future__ import annotations

import base64
import time
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from sigap.channels.models import Conversation
from sigap.channels.whatsapp import media
from sigap.channels.whatsapp.models import WaTemplate
from sigap.config import Settings
from tests.channels.whatsapp.graph_server import FakeGraph
from tests.channels.whatsapp.helpers import SECRET, URL, VERIFY, delivery, msg, signed
from tests.tickets.helpers import floor
from tests.web.test_journey import _login

pytestmark = pytest.mark.browser
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwAD"
                       "hgGAWjR9awAAAABJRU5ErkJggg==")
OGG = b"OggS\x00\x02" + b"\x00" * 40  # enough for the type; not played to the end


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(database_url=db_url, secret_key="test-secret-key-not-for-production",
                    whatsapp_app_secret=SECRET, whatsapp_verify_token=VERIFY,
                    whatsapp_access_token="graph-token")


def test_every_kind_of_message_on_the_page_and_the_window_rule(
        live_server: str, browser: Any, session: Session,
        sessions: sessionmaker[Session]) -> None:
    world = floor(session)
    session.add(WaTemplate(name="update_tiket", language="id", approved=True,
                           body="Halo {{1}}, tiket Anda sedang kami tangani."))
    session.commit()
    graph = FakeGraph("graph-token")
    graph.start()
    try:
        graph.media["MEDIA-I"] = (PNG, "image/png")
        graph.media["MEDIA-A"] = (OGG, "audio/ogg")
        graph.media["MEDIA-D"] = (b"%PDF-1.4 tagihan", "application/pdf")
        body = delivery([
            msg("wamid.t", body="Internet mati sejak pagi"),
            msg("wamid.i", "image", id="MEDIA-I", mime_type="image/png", caption="foto modem"),
            msg("wamid.a", "audio", id="MEDIA-A", mime_type="audio/ogg", voice=True),
            msg("wamid.d", "document", id="MEDIA-D", mime_type="application/pdf",
                filename="tagihan.pdf"),
            msg("wamid.l", "location", latitude=-6.9932, longitude=110.4203,
                name="Kantor", address="Jl. Pahlawan 10"),
            msg("wamid.b", "interactive", type="button_reply",
                button_reply={"id": "ya", "title": "Ya, masih mati"}),
            msg("wamid.r", "reaction", message_id="wamid.t", emoji="👍")])
        assert httpx.post(live_server + URL, content=body,
                          headers=signed(body)).status_code == 200
        stale = delivery([msg("wamid.old", sender="6289999999999", at=int(time.time()) - 30 * 3600,
                              body="Halo, ada yang bisa bantu?")], wa_id="6289999999999")
        assert httpx.post(live_server + URL, content=stale,
                          headers=signed(stale)).status_code == 200
        fetched = media.fetch_pending(sessions, graph.base, "graph-token")
        assert (fetched.fetched, fetched.failed) == (3, 0)
    finally:
        graph.stop()
    fresh, old = session.scalars(select(Conversation).order_by(Conversation.id)).all()

    context, page = _login(browser, live_server, world.agent_a.login_code)
    try:
        page.goto(f"{live_server}/conversations/{fresh.id}")
        messages = page.locator("[data-testid=messages]")
        for text in ("Internet mati sejak pagi", "foto modem", "tagihan.pdf", "Jl. Pahlawan 10",
                     "Ya, masih mati"):
            assert messages.get_by_text(text).count() >= 1, text
        assert messages.get_by_text("belum didukung, disimpan").count() == 1  # the reaction
        image = page.locator("[data-testid=media-image]")
        image.wait_for()
        page.wait_for_function(
            "() => document.querySelector('[data-testid=media-image]').complete")
        assert image.evaluate("img => img.naturalWidth") == 1  # the real PNG, decoded
        audio_src = page.locator("[data-testid=media-audio]").get_attribute("src")
        assert audio_src is not None
        answer = page.request.get(f"{live_server}{audio_src}")
        assert answer.status == 200 and answer.headers["content-type"] == "audio/ogg"
        assert answer.body() == OGG
        document = page.locator("[data-testid=media-file]").get_attribute("href")
        pdf = page.request.get(f"{live_server}{document}")
        assert "attachment" in pdf.headers["content-disposition"]
        assert "tagihan.pdf" in pdf.headers["content-disposition"]
        assert "mlat=-6.9932" in (page.locator("[data-testid=location-map]")
                                  .get_attribute("href") or "")
        page.fill("[data-testid=reply-text]", "Baik Pak, teknisi kami cek.")
        page.locator("[data-testid=reply-form] button[type=submit]").click()
        page.wait_for_url(f"{live_server}/conversations/{fresh.id}")
        outbound = page.locator("[data-direction=outbound]")
        assert outbound.count() == 1 and "Baik Pak, teknisi kami cek." in outbound.inner_text()
        assert "queued" in outbound.inner_text()

        # Outside the 24-hour window: told before typing, and told why when trying anyway.
        page.goto(f"{live_server}/conversations/{old.id}")
        form = page.locator("[data-testid=reply-form]")
        assert "Di luar jendela 24 jam" in form.inner_text()
        assert form.locator("select[name=template_id] option").count() == 2
        page.fill("[data-testid=reply-text]", "Halo, kami bantu ya")
        form.locator("button[type=submit]").click()
        error = page.locator("[data-testid=form-error]")
        error.wait_for()
        assert "24 jam" in error.inner_text() and "templat" in error.inner_text()
        assert page.locator("[data-direction=outbound]").count() == 0
    finally:
        context.close()
