"""A real-browser journey through attendance and the roster: the agent checks in from its
own roster page, Desk Control corrects the time with a reason, Operation Plan opens the
month's grid with its coverage chart drawn and exports it as XLSX, then opens the queue's
page with its staffing chart and exports that."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from tests.web.test_journey import _login
from tests.workforce.helpers import published_shift, world

pytestmark = pytest.mark.browser


def test_check_in_correction_and_roster_grid(live_server: str, browser: Any,
                                             session: Session) -> None:
    w = world(session)
    agent = w.agents[0]
    now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    published_shift(session, w, agent, now - dt.timedelta(minutes=50))
    base = live_server

    context, page = _login(browser, base, agent.login_code)
    page.click("nav.mainnav >> text=Workforce")
    page.wait_for_url(f"{base}/wfm/me")
    assert page.locator("[data-testid=my-shifts] tbody tr").count() == 1
    page.click("[data-testid=check-in]")
    page.locator("[data-testid=checked-in]").wait_for()
    context.close()

    context, page = _login(browser, base, w.desk_control.login_code)
    page.goto(f"{base}/wfm/attendance")
    row = page.locator(f"[data-testid=live] tr:has-text('{agent.online_name}')")
    assert row.get_attribute("data-status") in ("on_shift", "out_of_adherence")
    # Checked in fifty minutes into the shift: Desk Control sees it came late.
    assert "50" in row.locator("[data-testid=arrived-late]").inner_text()
    form = page.locator("[data-testid=correct-form]")
    form.locator("[name=staff_id]").select_option(str(agent.id))
    local = (now - dt.timedelta(minutes=50)).astimezone(dt.timezone(dt.timedelta(hours=7)))
    form.locator("[name=day]").fill(local.date().isoformat())
    form.locator("[name=check_in]").fill(local.strftime("%H:%M"))
    form.locator("[name=reason]").fill("Mesin absen rusak pagi ini")
    form.locator("button[type=submit]").click()
    # The page shows the corrected day, also when the shift began before local midnight.
    page.wait_for_url(f"{base}/wfm/attendance?day={local.date()}")
    fixed = "[data-testid=adherence] [title='Mesin absen rusak pagi ini']"
    assert page.locator(fixed).count() == 1
    context.close()

    context, page = _login(browser, base, w.planner.login_code)
    page.goto(f"{base}/wfm/rosters?month={local:%Y-%m}&day={local.date()}")
    page.locator("[data-testid=roster-grid]").wait_for()
    assert agent.online_name in page.inner_text("[data-testid=roster-grid]")
    page.locator("[data-testid=coverage] canvas[data-drawn='1']").wait_for(timeout=10_000)
    with page.expect_download() as download:
        page.click("[data-testid=export]")
    saved = download.value
    assert saved.suggested_filename.startswith(f"roster-{local:%Y-%m}")
    book = load_workbook(io.BytesIO(saved.path().read_bytes()))
    cells = {str(c) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)
             for c in row if c is not None}
    assert agent.online_name in cells
    # The queue's own page: staff per interval charted, exported as XLSX.
    page.goto(f"{base}/wfm/plans")
    page.click(f"[data-testid=plans] >> text={w.plan.name}")
    page.locator("[data-testid=plan-chart] canvas[data-drawn='1']").wait_for(timeout=10_000)
    with page.expect_download() as download:
        page.click("[data-testid=export]")
    sheet = load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    assert sheet is not None and next(sheet.iter_rows(values_only=True))[4] == "Agen di lantai"
    context.close()
