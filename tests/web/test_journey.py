"""One real-browser journey: agent → complaint → escalation → TL take-over → consent → closed."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from tests import factories
from tests.tickets.helpers import actor, floor, new_ticket

pytestmark = pytest.mark.browser


def _login(browser: Any, base: str, login_code: int) -> tuple[Any, Any]:
    """A fresh browser context on an agent screen, logged in; gives (context, page)."""
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.goto(f"{base}/login")
    page.fill("#login_code", str(login_code))
    page.fill("#password", factories.PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/desk")
    return context, page


def _submit(page: Any, form: str, **fields: str) -> None:
    """Fill the named fields of a ticket-page form (select or text) and submit it."""
    box = page.locator(f"[data-testid={form}]")
    for name, value in fields.items():
        field = box.locator(f"[name={name}]")
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    box.locator("button[type=submit]").click()


def test_complaint_journey(live_server: str, browser: Any, session: Session) -> None:
    world = floor(session)
    old = new_ticket(session, actor(session, world.agent_a2), world.customer,
                     service_id=world.service.id, subject="Internet lambat sejak kemarin")
    session.commit()
    base = live_server

    agent_context, agent = _login(browser, base, world.agent_a.login_code)

    # Find the customer by phone (the HTMX search answers as the agent types).
    agent.goto(f"{base}/customers")
    agent.fill("[data-testid=customer-search]", "0812-3456-7890")
    agent.locator("[data-testid=customer-row]", has_text="PT Maju Jaya").wait_for()
    agent.click("[data-testid=customer-row] >> text=PT Maju Jaya")
    agent.wait_for_url(f"{base}/customers/{world.customer.id}")

    # A new complaint on the service: the old/new panel shows the open ticket first.
    agent.click("[data-testid=new-ticket-link]")
    panel = agent.locator("[data-testid=old-new-panel]")
    panel.locator("[data-testid=open-ticket]", has_text=old.number).wait_for()
    assert "Lampirkan ke tiket ini" in panel.inner_text()
    agent.select_option("#type", "gangguan")
    agent.select_option("#tier", "2")
    agent.fill("#subject", "Internet mati total di kantor cabang")
    agent.fill("#description", "Modem menyala, tidak ada sinkronisasi sejak pukul 08.00.")
    agent.click("[data-testid=create-ticket]")
    agent.locator("[data-testid=ticket-number]").wait_for()
    number = agent.inner_text("[data-testid=ticket-number]")
    assert number != old.number
    ticket_url = agent.url

    # An update to the customer, then an escalation to the TL on duty.
    _submit(agent, "update-form", kind="customer_update",
            body="Tim kami sedang memeriksa jaringan Anda.")
    agent.locator("[data-testid=timeline] [data-kind=customer_update]").wait_for()
    _submit(agent, "escalate-form", reason="Perlu keputusan TL, pelanggan prioritas")
    agent.locator("[data-testid=timeline] [data-kind=escalated]").wait_for()
    agent_context.close()

    # The TL takes it over and resolves it.
    tl_context, tl = _login(browser, base, world.tl_a.login_code)
    tl.goto(ticket_url)
    _submit(tl, "takeover-form", reason="Saya tangani langsung")
    tl.locator("[data-testid=timeline] [data-kind=taken_over]").wait_for()
    assert tl.inner_text("[data-testid=owner]").strip() == "tari"
    _submit(tl, "state-form", state="resolved", reason="Port OLT dipulihkan")
    tl.locator("[data-testid=state-badge]", has_text="resolved").wait_for()
    tl_context.close()

    # Back with the agent: the customer agrees, and the Tier 2 ticket closes.
    agent_context, agent = _login(browser, base, world.agent_a.login_code)
    agent.goto(ticket_url)
    _submit(agent, "consent-form", by="Bu Rina (PIC, telepon)",
            note="Layanan sudah normal, setuju ditutup")
    agent.locator("[data-testid=consent]").wait_for()
    _submit(agent, "state-form", state="closed")
    agent.locator("[data-testid=state-badge]", has_text="closed").wait_for()
    for kind in ("customer_update", "escalated", "taken_over", "consent_recorded"):
        assert agent.locator(f"[data-testid=timeline] [data-kind={kind}]").count() >= 1, kind
    assert agent.locator("[data-testid=update-form]").count() == 0
    agent_context.close()
