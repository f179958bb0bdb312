"""Ticket rules on both databases: numbers, creation, scope, actions, events, merge."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sigap.auth import audit
from sigap.auth.actor import SYSTEM
from sigap.core.errors import Conflict, IllegalTransition, InvalidInput, NotFound
from sigap.core.pagination import PageParams
from sigap.db.session import make_engine, make_sessionmaker
from sigap.tickets import actions, service
from sigap.tickets.models import Interaction, Ticket, TicketEvent
from sigap.tickets.schemas import TicketCreate
from tests import factories
from tests.tickets.helpers import actor, floor, new_ticket, service_of


def _kinds(session: Session, ticket: Ticket) -> list[str]:
    return [e.event.kind for e in service.timeline(session, ticket)]


def test_numbers_are_distinct_and_consecutive_under_concurrency(db_url: str) -> None:
    # Concurrent writers, configured as the app configures them.
    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)
    with sessions() as s:
        customer = factories.customer(s)
        s.commit()
        customer_id = customer.id
    numbers: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work() -> None:
        try:
            for _ in range(25):
                with sessions() as s:
                    audit.bind_actor(s, SYSTEM)
                    ticket = service.create_ticket(s, SYSTEM, TicketCreate(
                        customer_id=customer_id, type="gangguan", subject="x"))
                    s.commit()
                    with lock:
                        numbers.append(ticket.number)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    engine.dispose()
    assert errors == []
    year = dt.datetime.now(dt.UTC).year
    assert sorted(numbers) == [f"T-{year}-{n:06d}" for n in range(1, 201)]


def test_create_fills_defaults_and_writes_created_event(session: Session) -> None:
    f = floor(session)
    f.customer.priority = True
    session.commit()
    agent = actor(session, f.agent_a)
    ticket = new_ticket(session, agent, f.customer, service_id=f.service.id, tier=2)
    session.commit()
    assert ticket.number.startswith("T-")
    assert ticket.state == "new"
    assert ticket.product == f.service.product
    assert ticket.priority is True
    assert ticket.team_id == f.team_a.id
    assert ticket.owner_id == f.agent_a.id
    assert ticket.created_by_id == f.agent_a.id
    assert _kinds(session, ticket) == ["created"]


def test_tl_creating_leaves_owner_empty(session: Session) -> None:
    f = floor(session)
    tl = actor(session, f.tl_a)
    ticket = new_ticket(session, tl, f.customer)
    assert ticket.owner_id is None and ticket.team_id == f.team_a.id


def test_service_must_belong_to_the_customer(session: Session) -> None:
    f = floor(session)
    other_service = service_of(session, f.other_customer)
    with pytest.raises(InvalidInput) as err:
        new_ticket(session, actor(session, f.agent_a), f.customer, service_id=other_service.id)
    assert err.value.field == "service_id"


def test_customer_outside_scope_is_not_found(session: Session) -> None:
    f = floor(session)
    stranger = factories.customer(session, name="PT Asing")
    session.commit()
    with pytest.raises(NotFound):
        new_ticket(session, actor(session, f.agent_a), stranger)
    with pytest.raises(NotFound):
        service.create_ticket(session, actor(session, f.agent_a), TicketCreate(
            customer_id=999999, type="informasi", subject="x"))


def test_scope_agent_team_site(session: Session) -> None:
    f = floor(session)
    mine = new_ticket(session, actor(session, f.agent_a), f.customer)
    theirs = new_ticket(session, actor(session, f.agent_b), f.customer)
    session.commit()
    agent_a = actor(session, f.agent_a)
    with pytest.raises(NotFound):
        service.get_ticket(session, agent_a, theirs.id)
    assert service.get_ticket(session, agent_a, mine.id).id == mine.id
    # A teammate does not see another agent's owned ticket; the TL sees the team's.
    with pytest.raises(NotFound):
        service.get_ticket(session, actor(session, f.agent_a2), mine.id)
    tl = actor(session, f.tl_a)
    assert service.get_ticket(session, tl, mine.id).id == mine.id
    with pytest.raises(NotFound):
        service.get_ticket(session, tl, theirs.id)
    spv = actor(session, f.spv)
    listed = service.list_tickets(session, spv, service.TicketFilters(), PageParams())
    assert {t.id for t in listed.items} == {mine.id, theirs.id}


def test_list_filters_and_order(session: Session) -> None:
    f = floor(session)
    agent = actor(session, f.agent_a)
    first = new_ticket(session, agent, f.customer, subject="Internet lambat")
    second = new_ticket(session, agent, f.customer, subject="Ganti paket", type="permintaan")
    f.other_customer.priority = True
    session.flush()
    urgent = new_ticket(session, agent, f.other_customer, subject="VIP mati", channel="email")
    session.commit()
    everything = service.list_tickets(session, agent, service.TicketFilters(), PageParams())
    assert [t.id for t in everything.items] == [urgent.id, first.id, second.id]

    def ids(**kw: object) -> set[int]:
        page = service.list_tickets(session, agent, service.TicketFilters(**kw), PageParams())
        return {t.id for t in page.items}

    assert ids(type="permintaan") == {second.id}
    assert ids(channel="email") == {urgent.id}
    assert ids(q="lambat") == {first.id}
    assert ids(q=first.number.lower()) == {first.id}
    assert ids(owner="me") == {first.id, second.id, urgent.id}
    assert ids(state=["closed"]) == set()
    assert ids(priority=True) == {urgent.id}
    with pytest.raises(InvalidInput):
        ids(state=["gone"])


def test_workflow_escalate_takeover_resolve_then_creator_closes(session: Session) -> None:
    """The floor's real path: agent opens, escalates, TL takes over and resolves, the agent
    who opened it records the customer's agreement and closes the Tier 2 ticket."""
    f = floor(session)
    agent, tl = actor(session, f.agent_a), actor(session, f.tl_a)
    ticket = new_ticket(session, agent, f.customer, tier=2)
    session.commit()
    actions.escalate(session, agent, ticket.id, "Butuh keputusan TL")
    assert ticket.escalation_level == "team_leader"
    actions.take_over(session, tl, ticket.id, "Saya tangani")
    assert ticket.owner_id == f.tl_a.id
    actions.change_state(session, tl, ticket.id, "resolved", "Perangkat di sisi pelanggan diganti")
    session.commit()
    with pytest.raises(IllegalTransition) as err:
        actions.change_state(session, agent, ticket.id, "closed")
    assert err.value.field == "consent"
    actions.record_consent(
        session, agent, ticket.id, "Pelanggan setuju ditutup", "Bu Rina (telepon)"
    )
    actions.change_state(session, agent, ticket.id, "closed")
    session.commit()
    assert ticket.state == "closed" and ticket.closed_at is not None
    assert _kinds(session, ticket) == ["created", "escalated", "taken_over", "state_changed",
                                       "consent_recorded", "state_changed"]
    entries = service.timeline(session, ticket)
    assert entries[2].actor_name == "tari"
    assert entries[3].event.from_state == "new" and entries[3].event.to_state == "resolved"


def test_escalation_ladder_to_backend(session: Session) -> None:
    f = floor(session)
    agent = actor(session, f.agent_a)
    ticket = new_ticket(session, agent, f.customer)
    with pytest.raises(InvalidInput) as err:
        actions.escalate(session, agent, ticket.id, "  ")
    assert err.value.field == "reason"
    actions.escalate(session, agent, ticket.id, "ke TL")
    actions.escalate(session, agent, ticket.id, "ke SPV")
    with pytest.raises(InvalidInput) as err:
        actions.escalate(session, agent, ticket.id, "ke backend")
    assert err.value.field == "backend_unit"
    actions.escalate(session, agent, ticket.id, "ke backend", "Witel Semarang")
    assert ticket.escalation_level == "backend"
    assert ticket.state == "pending" and ticket.pending_reason == "backend"
    assert ticket.backend_unit == "Witel Semarang"
    with pytest.raises(IllegalTransition):
        actions.escalate(session, agent, ticket.id, "lagi")
    escalations = [e.event.data for e in service.timeline(session, ticket)
                   if e.event.kind == "escalated"]
    assert [(d["from"], d["to"]) for d in escalations] == [
        ("agent", "team_leader"), ("team_leader", "supervisor"), ("supervisor", "backend")]


def test_customer_update_stamps_first_response_once(session: Session) -> None:
    f = floor(session)
    agent = actor(session, f.agent_a)
    ticket = new_ticket(session, agent, f.customer)
    actions.add_note(session, agent, ticket.id, "cek internal")
    assert ticket.first_response_at is None
    actions.add_customer_update(session, agent, ticket.id, "Sedang kami cek")
    stamp = ticket.first_response_at
    assert stamp is not None
    actions.add_customer_update(session, agent, ticket.id, "Update kedua")
    assert ticket.first_response_at == stamp
    with pytest.raises(InvalidInput):
        actions.add_note(session, agent, ticket.id, "", "note")


def test_reopen_counts(session: Session) -> None:
    f = floor(session)
    agent = actor(session, f.agent_a)
    ticket = new_ticket(session, agent, f.customer)
    actions.change_state(session, agent, ticket.id, "resolved", "beres")
    actions.change_state(session, agent, ticket.id, "closed")
    actions.change_state(session, agent, ticket.id, "open", "pelanggan komplain lagi")
    assert ticket.reopen_count == 1 and ticket.closed_at is None and ticket.resolved_at is None
    with pytest.raises(InvalidInput):
        actions.change_state(session, agent, ticket.id, "pending")


def test_takeover_and_assign_need_scope(session: Session) -> None:
    f = floor(session)
    theirs = new_ticket(session, actor(session, f.agent_b), f.customer)
    session.commit()
    with pytest.raises(NotFound):
        actions.take_over(session, actor(session, f.tl_a), theirs.id, "bukan tim saya")
    spv = actor(session, f.spv)
    actions.assign(session, spv, theirs.id, f.agent_a.id, None, "pindah ke Tier 1")
    assert theirs.owner_id == f.agent_a.id and theirs.team_id == f.team_a.id
    with pytest.raises(InvalidInput):
        actions.assign(session, spv, theirs.id, None, None, "kosong")
    with pytest.raises(InvalidInput) as err:
        actions.assign(session, spv, theirs.id, 999999, None, "tidak ada")
    assert err.value.field == "owner_id"


def test_claim_from_team_queue(session: Session) -> None:
    f = floor(session)
    queued = new_ticket(session, actor(session, f.tl_a), f.customer)
    session.commit()
    agent = actor(session, f.agent_a2)
    actions.claim(session, agent, queued.id)
    assert queued.owner_id == f.agent_a2.id and queued.state == "open"
    # Now it is someone's: gone from a teammate's scope, and a conflict for the TL.
    with pytest.raises(NotFound):
        actions.claim(session, actor(session, f.agent_a), queued.id)
    with pytest.raises(Conflict):
        actions.claim(session, actor(session, f.tl_a), queued.id)


def test_merge_moves_interactions_and_closes_source(session: Session) -> None:
    f = floor(session)
    agent = actor(session, f.agent_a)
    target = new_ticket(session, agent, f.customer)
    source = new_ticket(session, agent, f.customer)
    other = new_ticket(session, agent, f.other_customer)
    contact = Interaction(channel="voice", customer_id=f.customer.id, ticket_id=source.id)
    session.add(contact)
    session.commit()
    tl = actor(session, f.tl_a)
    with pytest.raises(InvalidInput):
        actions.merge(session, tl, target.id, target.id, "sama")
    with pytest.raises(InvalidInput):
        actions.merge(session, tl, target.id, other.id, "beda pelanggan")
    actions.merge(session, tl, target.id, source.id, "duplikat")
    session.commit()
    assert source.merged_into_id == target.id and source.state == "closed"
    assert contact.ticket_id == target.id
    assert _kinds(session, source)[-1] == "merged_into"
    assert service.timeline(session, target)[-1].event.data["source_id"] == source.id
    with pytest.raises(Conflict):
        actions.merge(session, tl, target.id, source.id, "lagi")
    with pytest.raises(IllegalTransition):
        actions.add_note(session, agent, source.id, "catatan")


def test_events_are_append_only(session: Session) -> None:
    f = floor(session)
    ticket = new_ticket(session, actor(session, f.agent_a), f.customer)
    session.commit()
    event = session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)).one()
    event.body = "diubah"
    with pytest.raises(RuntimeError, match="append-only"):
        session.flush()
    session.rollback()
    session.delete(session.get(TicketEvent, event.id))
    with pytest.raises(RuntimeError, match="append-only"):
        session.flush()


def test_old_or_new_check_crosses_teams_and_attach(session: Session) -> None:
    f = floor(session)
    old = new_ticket(session, actor(session, f.agent_b), f.customer, service_id=f.service.id)
    new_ticket(session, actor(session, f.agent_b), f.customer)  # no service: not listed
    session.commit()
    agent = actor(session, f.agent_a)
    found = service.open_tickets_on_service(session, agent, f.customer.id, f.service.id)
    assert [(t.number, t.owner_name, t.team_name) for t in found] == [
        (old.number, "budi", "Tier 2 Datin")]
    contact = Interaction(channel="voice", customer_id=f.customer.id, agent_id=f.agent_a.id)
    session.add(contact)
    session.flush()
    service.attach_to_existing(session, agent, old.id, "Pelanggan telepon lagi", contact.id)
    session.commit()
    assert contact.ticket_id == old.id
    assert _kinds(session, old)[-2:] == ["note", "interaction_linked"]
    actions.change_state(session, actor(session, f.agent_b), old.id, "resolved", "ok")
    session.commit()
    assert service.open_tickets_on_service(session, agent, f.customer.id, f.service.id) == []
    with pytest.raises(NotFound):
        service.attach_to_existing(session, agent, old.id, "telat")


def test_writes_are_audited_but_events_are_not(session: Session) -> None:
    from sigap.auth.models import AuditLog

    f = floor(session)
    agent = actor(session, f.agent_a)
    audit.bind_actor(session, agent)
    ticket = new_ticket(session, agent, f.customer)
    session.commit()
    rows = session.scalars(select(AuditLog).where(AuditLog.entity == "tickets")).all()
    assert ticket.id is not None
    assert [(r.action, r.login_code) for r in rows] == [("tickets.create", f.agent_a.login_code)]
    assert session.scalar(select(func.count()).select_from(AuditLog)
                          .where(AuditLog.entity == "ticket_events")) == 0
