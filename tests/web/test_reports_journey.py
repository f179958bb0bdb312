"""A real-browser journey through CSAT and the reports: the customer answers the survey
on its signed page, the supervisor reads the comment from the reports menu, and the
monthly report prints from Chromium as an A4 PDF, one board per page."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from sigap.channels.email.models import EmailMessage
from sigap.config import Settings
from sigap.customers.models import CustomerContact
from sigap.surveys import tasks
from sigap.surveys.models import CsatSurvey
from sigap.tickets import actions
from tests.channels.email.helpers import mailbox
from tests.tickets.helpers import actor, floor, new_ticket
from tests.web.test_journey import _login

pytestmark = pytest.mark.browser


def test_survey_answered_in_the_browser_and_read_by_the_supervisor(
        live_server: str, browser: Any, session: Session, sessions: sessionmaker[Session],
        settings: Settings) -> None:
    world = floor(session)
    session.add(CustomerContact(customer_id=world.customer.id, kind="email",
                                value="budi@pelanggan.co.id"))
    mailbox(session)
    who = actor(session, world.agent_a)
    ticket = new_ticket(session, who, world.customer, team_id=world.team_a.id)
    actions.change_state(session, who, ticket.id, "resolved", "Port diganti")
    session.commit()
    assert tasks.send_one(sessions, settings, ticket.id) == "sent"
    text = session.scalars(select(EmailMessage.text)).one()
    found = re.search(r"(/survey/\S+)", text)
    assert found is not None
    context = browser.new_context()
    page = context.new_page()
    page.goto(live_server + found.group(1))
    page.check("input[name=score][value='4']")
    page.fill("#comment", "Cepat ditangani, terima kasih")
    page.click("button[type=submit]")
    page.locator("[data-testid=thanks]").wait_for()
    context.close()
    session.rollback()
    survey = session.scalars(select(CsatSurvey)).one()
    assert (survey.score, survey.answered_via) == (4, "web")

    context, page = _login(browser, live_server, world.spv.login_code)
    page.click("nav.mainnav >> text=Laporan")
    page.wait_for_url(f"{live_server}/reports/scorecard")
    page.click("nav.subnav >> text=Hasil survei CSAT")
    page.wait_for_url(f"{live_server}/reports/csat")
    assert "Cepat ditangani, terima kasih" in page.inner_text("[data-testid=csat-table]")
    assert page.inner_text("[data-testid=csat-percent]") == "100.0 %"
    context.close()


def test_the_monthly_report_prints_as_a4(live_server: str, browser: Any,
                                         session: Session) -> None:
    world = floor(session)
    context, page = _login(browser, live_server, world.spv.login_code)
    page.goto(f"{live_server}/reports/monthly?month=2026-11")
    assert page.locator("section.board").count() == 2
    assert page.locator("[data-testid=report-site]").inner_text().endswith("Semua site")
    page.emulate_media(media="print")
    assert not page.locator(".no-print").is_visible()
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    context.close()
    assert pdf.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert pages == 2  # TENESA, then TAM on a page of its own
