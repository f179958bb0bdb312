"""A real-browser journey through the TENESA board: the supervisor opens the month, sees
the daily trend charts drawn, narrows the board to one agent with the filter and opens
the tickets behind a number."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.orm import Session

from sigap.reports import rollup
from tests.reports.test_rollup import _operation
from tests.tickets.helpers import floor
from tests.web.test_journey import _login

pytestmark = pytest.mark.browser


def test_board_filters_trend_and_drill_down(live_server: str, browser: Any,
                                            session: Session) -> None:
    world = floor(session)
    tickets = _operation(session, world)
    rollup.refresh(session)
    session.commit()
    base = live_server
    context, page = _login(browser, base, world.spv.login_code)
    page.goto(f"{base}/kpi/tenesa?span=month&day=2026-11-23")
    page.locator("tr[data-code='D15.8'] canvas[data-drawn='1']").wait_for(timeout=10_000)
    assert page.inner_text("tr[data-code='D15.8'] td.num >> nth=2").strip() == "4 / 4"
    page.select_option("#f-agent", str(world.agent_a.id))
    page.wait_for_url(f"**agent={world.agent_a.id}*")
    assert page.inner_text("tr[data-code='D15.8'] td.num >> nth=2").strip() == "2 / 2"
    page.click("tr[data-code='D15.6'] [data-testid=drill]")
    page.locator("[data-testid=drill-tickets]").wait_for()
    rows = page.locator("[data-testid=drill-tickets] tbody tr")
    assert rows.count() == 2  # agent_a's P and F, both over 10 % in their own queue
    assert page.locator("tr[data-met='no']").count() == 2
    assert tickets["P"].number in page.inner_text("[data-testid=drill-tickets]")
    context.close()
