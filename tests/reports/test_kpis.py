"""KPI definitions on hand-computed fixtures: the expected numerator and denominator are
written here, counted by hand from the events below."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from sigap.channels.alarms.models import Alarm
from sigap.reports import kpis, rollup
from sigap.reports.tally import Ask, Filters
from sigap.sla.models import CaringTask, SlaPolicy
from sigap.tickets.models import Interaction, Ticket, TicketEvent
from tests import factories
from tests.tickets.helpers import floor

WIB = dt.timezone(dt.timedelta(hours=7))
DAY = kpis.Period(dt.datetime(2026, 11, 23, tzinfo=WIB), dt.datetime(2026, 11, 24, tzinfo=WIB))


def ask(period: kpis.Period, **filters: object) -> Ask:
    return Ask(period.start, period.end, "Asia/Jakarta", Filters(**filters))  # type: ignore[arg-type]


def roll(session: Session) -> None:
    """The worker's pass, as a test would see it after the minute."""
    rollup.refresh(session)
    session.commit()


def at(hour: int, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime(2026, 11, 23, hour, minute, second, tzinfo=WIB)


def _ticket(session: Session, world: object, opened: dt.datetime,
            events: list[tuple[dt.datetime, str, str | None, str | None]],
            reopen: int = 0) -> Ticket:
    customer = world.customer  # type: ignore[attr-defined]
    t = Ticket(number=f"T-2026-{opened:%H%M%S}", type="gangguan", subject="x",
               customer_id=customer.id, channel="voice", created_at=opened, updated_at=opened,
               reopen_count=reopen, state="open", product="datin", severity="minor")
    session.add(t)
    session.flush()
    session.add(TicketEvent(ticket_id=t.id, at=opened, kind="created", to_state="new"))
    for when, kind, to_state, reason in events:
        session.add(TicketEvent(ticket_id=t.id, at=when, kind=kind, to_state=to_state,
                                data={"pending_reason": reason} if reason else {}))
        if to_state == "resolved":
            t.state, t.resolved_at = "resolved", when
    session.flush()
    return t


def test_ticket_kpis_by_hand(session: Session) -> None:
    world = floor(session)
    session.add(SlaPolicy(name="DBS datin", product="datin", response_minutes=30,
                          update_minutes=60, ttr_minutes=240))
    # A: answered after 10 min, updates every 50 min, resolved in 3 h → all met.
    _ticket(session, world, at(8), [
        (at(8, 10), "customer_update", None, None), (at(9), "customer_update", None, None),
        (at(9, 50), "customer_update", None, None), (at(10, 40), "customer_update", None, None),
        (at(11), "state_changed", "resolved", None)])
    # B: answered after 45 min (late); 2 h pending on the customer, then resolved at 14:00;
    #    TTR counted = 5 h − 2 h pause = 3 h (met); longest silence 09:00–12:00 minus the
    #    10:00–12:00 pause = 1 h, and 12:00–14:00 = 2 h (missed).
    _ticket(session, world, at(9), [
        (at(9, 45), "customer_update", None, None),
        (at(10), "state_changed", "pending", "customer"), (at(12), "state_changed", "open", None),
        (at(14), "state_changed", "resolved", None)])
    # C: never answered, opened at 20:00, the day ends at 24:00 → counted, missed.
    _ticket(session, world, at(20), [])
    # D: opened at 23:50, unanswered but only 10 min old at the period's end → not counted.
    _ticket(session, world, at(23, 50), [])
    session.commit()
    roll(session)
    options = kpis.Options()
    assert kpis.response_time(session, ask(DAY), options) == kpis.Value(1, 3)
    assert kpis.regular_update(session, ask(DAY), options) == kpis.Value(1, 2)
    assert kpis.ttr_compliance(session, ask(DAY), options) == kpis.Value(2, 2)
    # The same customer opened C and D after A and B were resolved (same service, within
    # the window): both are repeats, so neither A nor B was resolved at first contact.
    assert kpis.first_contact_resolution(session, ask(DAY), options) == kpis.Value(0, 2)
    later = kpis.Period(at(0), at(20))  # before C and D: … but the repeat is what counts
    assert kpis.first_contact_resolution(session, ask(later), options) == kpis.Value(0, 2)
    # C came 9 h after A was resolved and 6 h after B: a window shorter than that keeps both.
    assert kpis.first_contact_resolution(
        session, ask(DAY), kpis.Options(fcr_window_days=0)) == kpis.Value(2, 2)


def test_service_level_options_by_hand(session: Session) -> None:
    world = floor(session)
    calls = [  # (queued, answered seconds later or None, ended seconds later)
        (at(9), 10, 300), (at(9, 1), 15, 200), (at(9, 2), 40, 300),  # 2 within 20 s
        (at(9, 3), None, 3),  # short abandon (3 s)
        (at(9, 4), None, 60),  # abandoned after a minute
    ]
    for i, (queued, answered, ended) in enumerate(calls):
        session.add(Interaction(channel="voice", direction="inbound", provider_id=f"c{i}",
                                customer_id=world.customer.id, arrived_at=queued,
                                queued_at=queued,
                                answered_at=queued + dt.timedelta(seconds=answered)
                                if answered is not None else None,
                                ended_at=queued + dt.timedelta(seconds=ended)))
    session.commit()
    roll(session)
    base = kpis.Options(sl_threshold_seconds=20)
    assert kpis.service_level(session, ask(DAY), base) == kpis.Value(2, 4)
    with_short = kpis.Options(sl_threshold_seconds=20, exclude_short_abandons=False)
    assert kpis.service_level(session, ask(DAY), with_short) == kpis.Value(2, 5)
    answered_only = kpis.Options(sl_threshold_seconds=20, abandons_in_denominator=False)
    assert kpis.service_level(session, ask(DAY), answered_only) == kpis.Value(2, 3)
    assert kpis.service_level(session, ask(DAY), kpis.Options(sl_threshold_seconds=60)) \
        == kpis.Value(3, 4)


def test_alarm_and_caring_kpis_and_the_board(client: TestClient, session: Session) -> None:
    world = floor(session)
    for i, follow in enumerate(("valid", "clear", "pending")):
        session.add(Alarm(source="json", fingerprint=f"f{i}", name="LinkDown",
                          starts_at=at(10 + i), follow_up=follow))
    ticket = _ticket(session, world, at(7), [])
    ticket.team_id = world.team_a.id  # in the TL's team
    session.add_all([CaringTask(ticket_id=ticket.id, reason="SLA", opened_at=at(12),
                                confirmed_at=at(13))])
    session.commit()
    roll(session)
    assert kpis.proactive_follow_up(session, ask(DAY), kpis.Options()) == kpis.Value(2, 3)
    assert kpis.confirmed_caring(session, ask(DAY), kpis.Options()) == kpis.Value(1, 1)
    # Alarms belong to no team: a board narrowed to one shows no data for them.
    assert kpis.proactive_follow_up(session, ask(DAY, team_id=world.team_a.id),
                                    kpis.Options()) == kpis.NO_DATA
    auth = factories.token(client, world.tl_a.login_code)
    answer = client.get("/api/kpis/tenesa", headers=auth,
                        params={"from": DAY.start.isoformat(), "to": DAY.end.isoformat()})
    assert answer.status_code == 200, answer.text
    rows = {r["code"]: r for r in answer.json()}
    assert len(rows) == 12
    assert rows["D15.7"]["percent"] == 200 / 3 and rows["D15.7"]["light"] == "red"
    assert rows["D15.10"]["percent"] == 100 and rows["D15.10"]["light"] == "green"
    assert rows["D15.1"]["no_data"] is True and rows["D15.1"]["light"] == "grey"
    tam = client.get("/api/kpis/tam", headers=auth,
                     params={"from": DAY.start.isoformat(), "to": DAY.end.isoformat()}).json()
    assert [r["code"] for r in tam] == ["D15.13", "D15.14"]
    backwards = client.get("/api/kpis/tenesa", headers=auth,
                           params={"from": DAY.end.isoformat(), "to": DAY.start.isoformat()})
    assert backwards.status_code == 422


def test_board_page_with_lights_chart_and_export(client: TestClient, session: Session) -> None:
    import io

    from openpyxl import load_workbook

    from sigap.reports.pages import period_for

    world = floor(session)
    for i, follow in enumerate(("valid", "clear", "pending")):
        session.add(Alarm(source="json", fingerprint=f"b{i}", name="LinkDown",
                          starts_at=at(10 + i), follow_up=follow))
    session.commit()
    factories.login(client, world.tl_a.login_code)
    page = client.get("/kpi/tenesa?span=day&day=2026-11-23")
    assert page.status_code == 200
    assert 'data-code="D15.7" data-light="red"' in page.text and "data-chart" in page.text
    assert 'data-code="D15.1" data-light="grey"' in page.text
    book = load_workbook(io.BytesIO(client.get(
        "/kpi/tenesa/export.xlsx?span=day&day=2026-11-23").content))
    rows = list(book.active.iter_rows(values_only=True))  # type: ignore[union-attr]
    follow = next(r for r in rows if r[0] == "D15.7")
    assert follow[3:5] == (2, 3)
    assert client.get("/kpi/tenesa?day=23-11-2026").status_code == 422
    assert client.get("/kpi/nope").status_code == 422
    tenth = period_for(dt.date(2026, 11, 23), "10days", "Asia/Jakarta")
    assert tenth.start == dt.datetime(2026, 11, 21, tzinfo=WIB)
    assert tenth.end == dt.datetime(2026, 12, 1, tzinfo=WIB)
    month = period_for(dt.date(2026, 2, 10), "month", "Asia/Makassar")
    assert month.end - month.start == dt.timedelta(days=28)


def test_a_number_opens_the_tickets_behind_it(client: TestClient, session: Session) -> None:
    world = floor(session)
    late = _ticket(session, world, at(9), [(at(9, 45), "customer_update", None, None)])
    quick = _ticket(session, world, at(8), [(at(8, 5), "customer_update", None, None)])
    late.team_id = quick.team_id = world.team_a.id  # in the supervisor's site
    hidden = _ticket(session, world, at(7), [])  # no team: outside the site's scope
    session.commit()
    roll(session)
    factories.login(client, world.spv.login_code)
    board = client.get("/kpi/tenesa?span=day&day=2026-11-23").text
    assert 'href="/kpi/tenesa/D15.4?span=day&day=2026-11-23"' in board
    page = client.get("/kpi/tenesa/D15.4?span=day&day=2026-11-23").text
    assert page.index(late.number) < page.index(quick.number)  # the missed one first
    assert 'data-met="no"' in page and 'data-met="yes"' in page
    assert hidden.number not in page
    assert client.get("/kpi/tenesa/D99?day=2026-11-23").status_code == 404
