"""The demo operation: deterministic, in the source's proportions, and consistent."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

import phonenumbers
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from sigap.auth import service as auth_service
from sigap.auth.models import AuditLog, User
from sigap.core.errors import Conflict
from sigap.core.ids import ticket_number
from sigap.customers.models import Customer, CustomerContact, CustomerService
from sigap.demo.customers import SEGMENT_SHARES, allocate
from sigap.demo.generator import DemoOptions, DemoResult, build, existing_logins, generate
from sigap.demo.people import DESKS
from sigap.demo.traffic import TYPE_SHARES
from sigap.org.models import Role, Site, Staff, Team
from sigap.tickets.models import Interaction, Ticket, TicketEvent
from sigap.tickets.numbers import reserve_numbers
from tests.demo.helpers import digests, wipe

TODAY = dt.date(2026, 11, 18)
PASSWORD = "rahasia-demo"
OPTIONS = DemoOptions(seed=11, scale=0.002, days=2, password=PASSWORD, today=TODAY)


@pytest.fixture
def demo(sessions: sessionmaker[Session]) -> DemoResult:
    return generate(sessions, OPTIONS)


def test_same_seed_and_date_give_the_same_rows(
    demo: DemoResult, sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        first = digests(session)
        wipe(session)
    generate(sessions, OPTIONS)
    with sessions() as session:
        assert digests(session) == first
        wipe(session)
    generate(sessions, DemoOptions(seed=12, scale=0.002, days=2, password=PASSWORD,
                                   today=TODAY))
    with sessions() as session:
        other = digests(session)
    assert other["customers"] != first["customers"]
    assert other["tickets"] != first["tickets"]


def test_segments_are_allocated_exactly(demo: DemoResult, session: Session) -> None:
    counts = dict(session.execute(
        select(Customer.segment, func.count()).group_by(Customer.segment)).all())
    total = sum(counts.values())
    assert total == demo.counts["customers"] == 640
    assert counts == allocate(total, SEGMENT_SHARES)
    # At full scale: 320,000 × 99.18 % / 0.53 % / 0.29 %.
    assert allocate(320_000, SEGMENT_SHARES) == {"DBS": 317_376, "DES": 1_696, "DGS": 928}


def test_interaction_mix_follows_the_source() -> None:
    data = build(DemoOptions(seed=3, scale=0.02, days=7, today=TODAY), "x")
    type_of = {t["id"]: t["type"] for t in data.traffic.tickets}
    inbound = [type_of[i["ticket_id"]] for i in data.traffic.interactions
               if i["direction"] == "inbound" and i["ticket_id"] is not None]
    assert len(inbound) > 1500
    mix = Counter(inbound)
    for kind, share in TYPE_SHARES.items():
        assert abs(mix[kind] / len(inbound) - share / 100) < 0.03, (kind, mix)
    channels = Counter(i["channel"] for i in data.traffic.interactions)
    assert set(channels) == {"voice", "whatsapp", "email", "facebook", "x"}


def test_every_role_and_every_desk_is_staffed(demo: DemoResult, session: Session) -> None:
    roles = set(session.scalars(select(Staff.role).distinct()))
    assert roles == {r.value for r in Role}
    sites = list(session.scalars(select(Site)))
    assert {s.code for s in sites} == {"SMG", "BDG"}
    for site in sites:
        assert session.scalar(select(func.count()).where(
            Staff.site_id == site.id, Staff.role == Role.supervisor)) >= 1
        for desk in DESKS:
            teams = list(session.scalars(select(Team).where(Team.site_id == site.id,
                                                            Team.desk == desk.name)))
            assert teams, (site.code, desk.name)
            for team in teams:
                leader = session.get(Staff, team.leader_id)
                assert leader is not None and leader.role == Role.team_leader
                agents = list(session.scalars(select(Staff).where(
                    Staff.team_id == team.id, Staff.role == Role.agent)))
                assert len(agents) >= 2
                assert all(a.team_leader_id == leader.id for a in agents)
                assert all(set(a.channels) == set(desk.channels) for a in agents)
    codes = list(session.scalars(select(Staff.login_code)))
    assert len(codes) == len(set(codes)) and all(10000 <= c <= 99999 for c in codes)
    roles_shown = {row["role"] for row in demo.logins}
    assert roles_shown == {r.value for r in Role}
    assert {row["role"] for row in existing_logins(session)} == {r.value for r in Role}


def test_every_user_logs_in_with_the_demo_password(demo: DemoResult, session: Session) -> None:
    codes = list(session.scalars(select(Staff.login_code).join(User, User.staff_id == Staff.id)
                                 .where(User.active.is_(True), Staff.active.is_(True))))
    assert len(codes) == demo.counts["users"] == demo.counts["staff"]
    # Every login shares one real argon2 hash, so one verified login per role proves them
    # all (verifying each of them would only repeat the same 100 ms hash check).
    hashes = set(session.scalars(select(User.password_hash)))
    assert len(hashes) == 1 and next(iter(hashes)).startswith("$argon2")
    for code in (int(row["login_code"]) for row in existing_logins(session)):
        user = auth_service.authenticate(session, code, PASSWORD)
        assert user.staff.login_code == code


def test_contacts_are_valid_and_services_unique(demo: DemoResult, session: Session) -> None:
    phones = list(session.scalars(select(CustomerContact.value).where(
        CustomerContact.kind == "phone")))
    assert phones
    for value in phones:
        assert value.startswith("+628")
        assert phonenumbers.is_valid_number(phonenumbers.parse(value))
    whatsapp = list(session.scalars(select(CustomerContact.value).where(
        CustomerContact.kind == "whatsapp")))
    assert whatsapp and all(v.startswith("628") for v in whatsapp)
    products = set(session.scalars(select(CustomerService.product)))
    assert {"datin", "indihome", "telephony"} <= products
    priority = session.scalars(select(Customer).where(Customer.priority.is_(True))).all()
    assert all(c.priority_reason for c in priority)


def test_ticket_histories_match_their_state(demo: DemoResult, session: Session) -> None:
    tickets = {t.id: t for t in session.scalars(select(Ticket))}
    assert tickets
    events: dict[int, list[TicketEvent]] = defaultdict(list)
    for event in session.scalars(select(TicketEvent).order_by(TicketEvent.at, TicketEvent.id)):
        events[event.ticket_id].append(event)
    cutoff = demo.cutoff
    for ticket in tickets.values():
        story = events[ticket.id]
        assert story[0].kind == "created" and story[0].to_state == "new"
        state = "new"
        for event in story[1:]:
            assert event.at <= cutoff
            if event.to_state is not None:
                assert event.from_state == state, (ticket.number, event.kind)
                state = event.to_state
        assert state == ticket.state, ticket.number
        if ticket.state == "closed":
            assert [e for e in story if e.to_state][-1].to_state == "closed"
            if ticket.merged_into_id is None and ticket.tier == 2:
                assert ticket.consent_at is not None, ticket.number
        if ticket.merged_into_id is not None:
            assert ticket.state == "closed"
            assert tickets[ticket.merged_into_id].customer_id == ticket.customer_id
    states = Counter(t.state for t in tickets.values())
    assert states["closed"] > 0 and states["new"] + states["open"] + states["pending"] > 0
    kinds = {e.kind for story in events.values() for e in story}
    assert {"created", "state_changed", "customer_update", "interaction_linked",
            "escalated", "assigned", "consent_recorded"} <= kinds


def test_interactions_are_in_time_order(demo: DemoResult, session: Session) -> None:
    for item in session.scalars(select(Interaction)):
        stamps = [s for s in (item.arrived_at, item.queued_at, item.answered_at, item.ended_at)
                  if s is not None]
        assert stamps == sorted(stamps)
        assert stamps[-1] <= demo.cutoff
        if item.answered_at is not None:
            assert item.agent_id is not None


def test_numbers_have_no_gaps_and_numbering_continues_after_them(demo: DemoResult,
                                                                 session: Session) -> None:
    numbers = list(session.scalars(select(Ticket.number)))
    last: dict[int, int] = {}
    for number in numbers:
        _, year, seq = number.split("-")
        last[int(year)] = max(last.get(int(year), 0), int(seq))
    assert sum(last.values()) == len(numbers) == len(set(numbers))
    for year, top in last.items():
        assert reserve_numbers(session, year, 2) == [ticket_number(year, top + 1),
                                                     ticket_number(year, top + 2)]
    session.rollback()


def test_one_audit_row_and_sequences_continue(demo: DemoResult, session: Session) -> None:
    rows = list(session.scalars(select(AuditLog).where(AuditLog.action == "demo.generate")))
    assert len(rows) == 1 and rows[0].detail["counts"]["tickets"] == demo.counts["tickets"]
    # New rows after the bulk load get fresh ids (PostgreSQL sequences were moved on).
    site = Site(code="JKT", name="Kantor Jakarta", city="Jakarta")
    session.add(site)
    session.flush()
    assert site.id == 3


def test_a_database_with_data_is_refused(demo: DemoResult,
                                         sessions: sessionmaker[Session]) -> None:
    with pytest.raises(Conflict):
        generate(sessions, OPTIONS)


def test_tier1_channels_have_routing_queues_with_their_agents(demo: DemoResult,
                                                              session: Session) -> None:
    from sigap.routing.models import Queue, QueueMember, WorkItem

    channels = set(session.scalars(select(Queue.channel)))
    assert channels == {"voice", "whatsapp", "email", "facebook", "x"}
    assert demo.counts["queues"] == 5
    for queue in session.scalars(select(Queue)):
        members = list(session.scalars(select(Staff).join(
            QueueMember, QueueMember.staff_id == Staff.id).where(QueueMember.queue_id == queue.id)))
        assert members and all(queue.channel in m.channels for m in members)
        assert {session.get(Site, m.site_id).code for m in members} == {"SMG", "BDG"}  # type: ignore[union-attr]
    # The demo mail that opened tickets waits in the e-mail queue for an agent.
    assert session.scalar(select(func.count()).select_from(WorkItem).where(
        WorkItem.channel == "email", WorkItem.state == "waiting"))


def test_kpi_facts_are_built_so_the_boards_have_figures(demo: DemoResult,
                                                        session: Session) -> None:
    from sigap.reports import kpis
    from sigap.reports.models import KpiTicketFact

    facts = session.scalar(select(func.count()).select_from(KpiTicketFact))
    kept = session.scalar(select(func.count()).select_from(Ticket).where(
        Ticket.merged_into_id.is_(None)))  # merged tickets have no facts of their own
    assert facts == demo.counts["kpi_ticket_facts"] == kept
    first = min(session.scalars(select(Ticket.created_at)))
    ask = kpis.Ask(first, first + dt.timedelta(days=40))
    values = {k.code: v for k, v in kpis.board(session, kpis.TENESA, ask)}
    assert values["D15.4"].denominator and values["D15.4"].percent is not None
    assert values["D15.12"].denominator
