"""A real-browser journey on the email desk: mail in → panel → template reply → sent."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from sigap.channels.email import inbox, outbox
from sigap.channels.email.models import ReplyTemplate
from tests.channels.email.helpers import mail, mailbox
from tests.channels.email.mailservers import SmtpSink
from tests.tickets.helpers import floor
from tests.web.test_journey import _login

pytestmark = pytest.mark.browser


def test_email_reply_journey(live_server: str, browser: Any, session: Session,
                             sessions: sessionmaker[Session]) -> None:
    sink = SmtpSink()
    sink.start()
    try:
        world = floor(session)
        box = mailbox(session, team=world.team_a, smtp_host=sink.host, smtp_port=sink.port,
                      smtp_security="none")
        session.add(ReplyTemplate(name="Sedang ditangani", kind="reply", subject="",
                                  body="{salam} Bapak/Ibu {nama_pelanggan},\n\nTiket "
                                       "{nomor_tiket} sedang kami tangani."))
        outcome = inbox.ingest(session, box, mail(subject="Internet kantor mati")[0])
        session.commit()
        base = live_server
        context, agent = _login(browser, base, world.agent_a.login_code)
        agent.goto(f"{base}/tickets/{outcome.ticket_id}")
        panel = agent.locator("[data-testid=email-panel]")
        panel.wait_for()
        assert "mati sejak kemarin" in panel.inner_text()
        assert agent.locator("[data-step=responded][data-done=no]").count() == 1
        # Picking a template fills the reply (HTMX), variables resolved.
        agent.select_option("[data-testid=template-select]", label="Sedang ditangani (reply)")
        body = agent.locator("[data-testid=reply-body]")
        agent.wait_for_function(
            "() => document.querySelector('[data-testid=reply-body]').value.includes('T-')")
        assert "Budi Santoso" in body.input_value()
        agent.locator("[data-testid=reply-form] button[type=submit]").click()
        agent.locator("[data-testid=mail][data-direction=outbound]").wait_for()
        assert agent.locator("[data-step=responded][data-done=yes]").count() == 1
        assert agent.inner_text("[data-testid=send-state]") == "queued"
        # The worker sends it; the page then shows it sent.
        assert outbox.send_due(sessions).sent == 1
        assert len(sink.messages) == 1 and b"sedang kami tangani" in sink.messages[0].raw
        agent.reload()
        agent.locator("[data-testid=send-state]", has_text="sent").wait_for()
        context.close()
    finally:
        sink.stop()
