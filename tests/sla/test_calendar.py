"""Business calendars and SLA clocks (pure), with property tests."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from sigap.sla.calendar import TENESA_24X7, Calendar, add_business, business_seconds
from sigap.sla.clock import (
    Event,
    first_response,
    longest_silence,
    pauses,
    time_to_restore,
)

WIB = dt.timezone(dt.timedelta(hours=7))
TAM = Calendar(always=False, holidays=frozenset({dt.date(2026, 12, 25)}))


def wib(day: int, hour: int, minute: int = 0, month: int = 11) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=WIB)


def test_working_hours_skip_nights_weekends_and_holidays() -> None:
    # Friday 16:30 → Monday 08:30 WIB: 30 minutes on Friday, 30 on Monday.
    assert business_seconds(TAM, wib(27, 16, 30), wib(30, 8, 30)) == 3600
    # Before opening and after closing count nothing.
    assert business_seconds(TAM, wib(23, 5), wib(23, 8)) == 0
    assert business_seconds(TAM, wib(23, 17), wib(23, 23)) == 0
    # A public holiday is closed all day (Friday 25 December 2026).
    assert business_seconds(TAM, wib(24, 16, month=12), wib(28, 9, month=12)) == 2 * 3600
    assert business_seconds(TENESA_24X7, wib(27, 16, 30), wib(30, 8, 30)) == 64 * 3600


def test_deadlines_fall_in_open_hours() -> None:
    # 30 minutes from Friday 16:45 WIB: 15 on Friday, 15 on Monday.
    due = add_business(TAM, wib(27, 16, 45), 30 * 60)
    assert due.astimezone(WIB) == wib(30, 8, 15)
    assert add_business(TENESA_24X7, wib(27, 16, 45), 1800) == wib(27, 17, 15)


instants = st.datetimes(min_value=dt.datetime(2026, 1, 1), max_value=dt.datetime(2027, 12, 31),
                        timezones=st.just(dt.UTC))


@settings(max_examples=200, deadline=None)
@given(instants, instants, instants)
def test_business_time_adds_up(a: dt.datetime, b: dt.datetime, c: dt.datetime) -> None:
    a, b, c = sorted((a, b, c))
    for cal in (TAM, TENESA_24X7):
        whole = business_seconds(cal, a, c)
        assert abs(business_seconds(cal, a, b) + business_seconds(cal, b, c) - whole) < 1e-6
        assert 0 <= whole <= (c - a).total_seconds()


@settings(max_examples=200, deadline=None)
@given(instants, st.floats(min_value=1, max_value=90 * 24 * 3600))
def test_a_deadline_is_exactly_that_much_business_time_later(start: dt.datetime,
                                                             seconds: float) -> None:
    for cal in (TAM, TENESA_24X7):
        due = add_business(cal, start, seconds)
        assert abs(business_seconds(cal, start, due) - seconds) < 1e-3


def _ticket() -> list[Event]:
    return [
        Event(wib(23, 9), "created", "new"),
        Event(wib(23, 9, 20), "customer_update"),
        Event(wib(23, 10), "state_changed", "pending", "customer"),
        Event(wib(23, 13), "state_changed", "open"),
        Event(wib(23, 13, 30), "customer_update"),
        Event(wib(23, 15), "state_changed", "resolved"),
    ]


def test_clocks_from_the_event_log_with_pauses() -> None:
    events = _ticket()
    now = wib(24, 9)
    response = first_response(TENESA_24X7, events, now)
    assert response.counted_seconds == 20 * 60 and response.breached is False
    ttr = time_to_restore(TENESA_24X7, events, now, target_seconds=4 * 3600)
    # 09:00–15:00 is six hours, three of them waiting on the customer.
    assert ttr.counted_seconds == 3 * 3600 and ttr.paused_seconds == 3 * 3600
    assert ttr.breached is False and len(ttr.pauses) == 1
    assert pauses(events, now)[0].start == wib(23, 10)
    # Longest time without an update while open, pauses left out: 13:30 → 15:00.
    assert longest_silence(TENESA_24X7, events, now) == 90 * 60


def test_a_running_clock_reads_up_to_now() -> None:
    events = [Event(wib(23, 16), "created", "new")]
    reading = first_response(TAM, events, wib(24, 8, 10))
    # 16:00–17:00 on Monday and 08:00–08:10 on Tuesday under TAM hours.
    assert reading.stopped is None and reading.counted_seconds == 70 * 60
    assert reading.breached is True


def test_a_tickets_sla_through_the_api(client: TestClient, session: Session) -> None:
    from tests import factories
    from tests.tickets.helpers import floor

    world = floor(session)
    auth = factories.token(client, world.agent_a.login_code)
    ticket = client.post("/api/tickets", headers=auth, json={
        "customer_id": world.customer.id, "type": "gangguan", "subject": "Link mati"}).json()
    client.post(f"/api/tickets/{ticket['id']}/notes", headers=auth,
                json={"body": "Sedang kami cek.", "kind": "customer_update"})
    answer = client.get(f"/api/tickets/{ticket['id']}/sla", headers=auth)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["calendar"] == "tenesa"
    assert body["first_response"]["stopped"] is not None
    assert body["first_response"]["breached"] is False
    assert body["time_to_restore"]["stopped"] is None  # still open
    assert client.get(f"/api/tickets/{ticket['id']}/sla?calendar=x",
                      headers=auth).status_code == 422
