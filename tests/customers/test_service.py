"""Customers service: writes, search, scope (D7), grants, the 360 and PII read audit."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from sigap.auth.actor import SYSTEM
from sigap.auth.models import AuditLog
from sigap.core.errors import Conflict, InvalidInput, NotFound
from sigap.customers import search, service
from sigap.customers.models import CustomerAccessGrant
from tests import factories
from tests.customers import helpers

HOURS = 12


def test_create_normalises_contacts_and_checks_fields(session: Session) -> None:
    c = service.create_customer(
        session, SYSTEM, external_id="C-1", name="PT Maju Jaya", segment="dbs",
        contacts=[service.NewContact("phone", "0812-3456-7890"),
                  service.NewContact("phone", "+62 812 3456 7890"),
                  service.NewContact("email", "Info@Maju.CO.ID"),
                  service.NewContact("whatsapp", "0812-3456-7890"),
                  service.NewContact("x", "@MajuJaya")],
        services=[service.NewService("SID-1", "datin", "Datin 10 Mbps")])
    assert c.segment == "DBS"
    assert sorted((x.kind, x.value) for x in c.contacts) == [
        ("email", "info@maju.co.id"), ("phone", "+6281234567890"),
        ("whatsapp", "6281234567890"), ("x", "majujaya")]
    assert [s.service_id for s in c.services] == ["SID-1"]

    cases: list[tuple[dict[str, object], str]] = [
        ({"segment": "retail"}, "segment"),
        ({"name": "  "}, "name"),
        ({"priority": True, "priority_reason": ""}, "priority_reason"),
        ({"contacts": [service.NewContact("phone", "12")]}, "contacts.0.value"),
        ({"contacts": [service.NewContact("fax", "1")]}, "kind"),
        ({"services": [service.NewService("SID-9", "tv")]}, "product"),
    ]
    for n, (change, field) in enumerate(cases):
        kwargs = {"external_id": f"C-X{n}", "name": "PT Lain", "segment": "DES", **change}
        with pytest.raises(InvalidInput) as err:
            service.create_customer(session, SYSTEM, **kwargs)  # type: ignore[arg-type]
        assert err.value.field == field, change
    with pytest.raises(Conflict) as conflict:
        service.create_customer(session, SYSTEM, external_id="C-1", name="Dup", segment="DES")
    assert conflict.value.field == "external_id"
    with pytest.raises(Conflict) as conflict:
        service.create_customer(session, SYSTEM, external_id="C-2", name="Dup", segment="DES",
                                services=[service.NewService("SID-1", "datin")])
    assert conflict.value.field == "service_id"


def test_update_priority_needs_reason_and_unchanged_writes_nothing(session: Session) -> None:
    c = factories.customer(session)
    session.commit()
    with pytest.raises(InvalidInput) as err:
        service.update_customer(session, SYSTEM, c.id, HOURS, {"priority": True})
    assert err.value.field == "priority_reason"
    session.rollback()
    before = helpers.audit_count(session)
    service.update_customer(session, SYSTEM, c.id, HOURS, {"name": c.name, "city": c.city})
    session.commit()  # the audit trail is written with the work it records
    assert helpers.audit_count(session) == before
    service.update_customer(session, SYSTEM, c.id, HOURS,
                            {"priority": True, "priority_reason": "Pejabat pemerintah"})
    assert c.priority and c.priority_reason == "Pejabat pemerintah"
    session.commit()
    assert helpers.audit_count(session, "customers.update") == 1


def test_contacts_and_services_writes(session: Session) -> None:
    c = factories.customer(session, service_id="SID-A")
    other = factories.customer(session, service_id="SID-B")
    contact = service.add_contact(session, SYSTEM, c.id, HOURS, "phone", "0812 1111 2222")
    assert contact.value == "+6281211112222"
    with pytest.raises(Conflict):
        service.add_contact(session, SYSTEM, c.id, HOURS, "phone", "+6281211112222")
    service.remove_contact(session, SYSTEM, c.id, HOURS, contact.id)
    assert c.contacts == []
    with pytest.raises(NotFound):
        service.remove_contact(session, SYSTEM, c.id, HOURS, contact.id)
    with pytest.raises(Conflict):
        service.add_service(session, SYSTEM, c.id, HOURS, service.NewService("SID-B", "datin"))
    svc = service.add_service(session, SYSTEM, c.id, HOURS,
                              service.NewService("SID-C", "indihome"))
    service.update_service(session, SYSTEM, c.id, HOURS, svc.id, {"active": False})
    assert not svc.active
    with pytest.raises(NotFound):  # a service of another customer
        service.update_service(session, SYSTEM, c.id, HOURS, other.services[0].id,
                               {"active": False})


def test_search_by_phone_variants_email_service_id_and_name(session: Session) -> None:
    w = helpers.world(session)
    c = factories.customer(session, name="PT Sinar Abadi", phone="+6281234567890",
                           email="cs@sinar.co.id", service_id="SID-00001234")
    factories.customer(session, name="CV Sinar Baru")
    session.commit()
    admin = helpers.actor(session, w.admin)
    for q in ["0812-3456-7890", "6281234567890", "+62 812 3456 7890"]:
        found = search.search_customers(session, admin, q, grant_hours=HOURS)
        assert [x.id for x in found.page.items] == [c.id], q
        assert found.matched_by == "phone"
    assert search.search_customers(session, admin, "CS@Sinar.co.id").page.items == [c]
    assert search.search_customers(session, admin, "sid-00001234").matched_by == "service_id"
    assert search.search_customers(session, admin, c.external_id).page.items == [c]
    by_name = search.search_customers(session, admin, "sinar")
    assert by_name.matched_by == "name" and by_name.page.total == 2
    assert search.search_customers(session, admin, "SINAR ab").page.items == [c]
    assert search.search_customers(session, admin, "100%").page.total == 0
    assert search.search_customers(session, admin, "", segment="DES").page.total == 0


def test_scope_tickets_of_another_team_hide_the_customer(session: Session) -> None:
    w = helpers.world(session)
    c = factories.customer(session, name="PT Rahasia", phone="+6281234567890")
    helpers.ticket(session, c, team=w.team_b)
    mine = factories.customer(session, name="PT Rahasia Dua")
    helpers.ticket(session, mine, team=w.team_a)
    session.commit()
    agent_a, agent_b = helpers.actor(session, w.agent_a), helpers.actor(session, w.agent_b)
    assert not service.customer_in_scope(session, agent_a, c.id, HOURS)
    with pytest.raises(NotFound):
        service.customer_360(session, agent_a, c.id, HOURS)
    assert service.customer_in_scope(session, agent_b, c.id, HOURS)
    # A name search only finds what is in scope.
    assert [x.id for x in search.search_customers(session, agent_a, "rahasia").page.items] \
        == [mine.id]
    # Identifying the caller by phone finds them and grants access for the contact.
    found = search.search_customers(session, agent_a, "0812 3456 7890", grant_hours=HOURS)
    assert [x.id for x in found.page.items] == [c.id]
    session.commit()
    grant = session.scalar(select(CustomerAccessGrant).where(
        CustomerAccessGrant.customer_id == c.id))
    assert grant is not None and grant.reason == "identifikasi via telepon"
    assert service.customer_360(session, agent_a, c.id, HOURS).customer.id == c.id
    # The grant expires.
    grant.granted_at = dt.datetime.now(dt.UTC) - dt.timedelta(hours=HOURS + 1)
    session.commit()
    assert not service.customer_in_scope(session, agent_a, c.id, HOURS)
    assert service.customer_in_scope(session, agent_a, c.id, HOURS + 2)


def test_360_content_and_pii_read_audit(session: Session) -> None:
    w = helpers.world(session)
    c = factories.customer(session, phone="+6281234567890")
    open_t = helpers.ticket(session, c, team=w.team_a, owner=w.agent_a, state="pending")
    closed_t = helpers.ticket(session, c, team=w.team_a, state="closed")
    other = factories.customer(session)
    helpers.ticket(session, other, team=w.team_a)
    helpers.interaction(session, c, w.agent_a)
    session.commit()
    agent = helpers.actor(session, w.agent_a)
    from sigap.auth import audit

    audit.bind_actor(session, agent)
    view = service.customer_360(session, agent, c.id, HOURS)
    assert [t.id for t in view.open_tickets] == [open_t.id]
    assert [t.id for t in view.past_tickets] == [closed_t.id]
    assert len(view.interactions) == 1 and view.interactions[0].agent is not None
    assert [x.value for x in view.contacts] == ["+6281234567890"]
    rows = list(session.scalars(select(AuditLog).where(AuditLog.action == "customers.read")))
    assert [(r.entity_id, r.user_id, r.detail["why"]) for r in rows] == [
        (str(c.id), agent.user_id, "customer 360")]
    search.search_customers(session, agent, "", grant_hours=HOURS)
    reads = [str(r) for r in session.scalars(select(AuditLog.entity_id).where(
        AuditLog.action == "customers.read"))]
    assert sorted(reads) == sorted([str(c.id), str(c.id), str(other.id)])
