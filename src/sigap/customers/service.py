"""Customers: create and edit, scope and the customer 360 (D5, D6, D7); search is in search.py.

Scope (D7): an actor whose customers.read scope is `all` sees every customer. Anyone
else sees a customer only when it has a ticket inside their ticket scope, or when they
identified it by an exact identifier (phone, email, service id, customer number) within
the last `grant_hours` — that is how a Tier 1 agent serves a caller they have never met.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Table, bindparam, exists, false, insert, or_, select, true
from sqlalchemy.orm import Session, selectinload

from sigap.auth import audit
from sigap.auth.actor import Actor
from sigap.auth.permissions import Scope, scope_for
from sigap.core.clock import utcnow
from sigap.core.errors import Conflict, InvalidInput, NotFound
from sigap.customers import contacts as contact_rules
from sigap.customers.models import (
    ContactKind,
    Customer,
    CustomerAccessGrant,
    CustomerContact,
    CustomerService,
    Product,
    Segment,
)
from sigap.tickets.models import Interaction, Ticket, TicketState
from sigap.tickets.scope import ticket_filter

OPEN_STATES = (TicketState.new, TicketState.open, TicketState.pending)
PAST_STATES = (TicketState.resolved, TicketState.closed)
HISTORY_LIMIT = 50
# A fresh grant is not written again for every search within this window.
_GRANT_REFRESH = dt.timedelta(hours=1)


@dataclass(frozen=True)
class NewContact:
    kind: str
    value: str
    label: str = ""


@dataclass(frozen=True)
class NewService:
    service_id: str
    product: str
    description: str = ""
    active: bool = True


@dataclass
class Customer360:
    customer: Customer
    contacts: list[CustomerContact]
    services: list[CustomerService]
    open_tickets: list[Ticket]
    past_tickets: list[Ticket]
    interactions: list[Interaction]



# --- field rules -------------------------------------------------------------------------

_SEGMENTS = {s.value.lower(): s.value for s in Segment}
_PRODUCTS = {p.value: p.value for p in Product}
_PRODUCT_ALIASES = {"add-on": "add_on", "addon": "add_on", "telepon": "telephony",
                    "telephone": "telephony", "wi-fi": "wifi", "lainnya": "other"}


def parse_segment(raw: str) -> str:
    """'DBS', 'dbs', 'Consumer' → the Segment value."""
    value = _SEGMENTS.get(raw.strip().lower())
    if value is None:
        allowed = ", ".join(s.value for s in Segment)
        raise InvalidInput(f"Segmen '{raw}' tidak dikenal (pilihan: {allowed}).", field="segment")
    return value


def parse_product(raw: str) -> str:
    key = raw.strip().lower().replace(" ", "_")
    value = _PRODUCTS.get(key) or _PRODUCT_ALIASES.get(raw.strip().lower())
    if value is None:
        allowed = ", ".join(p.value for p in Product)
        raise InvalidInput(f"Produk '{raw}' tidak dikenal (pilihan: {allowed}).", field="product")
    return value


def _required(value: str, field_name: str, label: str, max_len: int) -> str:
    text = value.strip()
    if not text:
        raise InvalidInput(f"{label} wajib diisi.", field=field_name)
    if len(text) > max_len:
        raise InvalidInput(f"{label} maksimal {max_len} karakter.", field=field_name)
    return text


def _check_priority(priority: bool, reason: str) -> str:
    reason = reason.strip()
    if priority and not reason:
        raise InvalidInput("Alasan pelanggan prioritas wajib diisi (W-19).",
                           field="priority_reason")
    if len(reason) > 200:
        raise InvalidInput("Alasan prioritas maksimal 200 karakter.", field="priority_reason")
    return reason if priority else ""


# --- scope -------------------------------------------------------------------------------

def scope_clause(actor: Actor, grant_hours: int) -> ColumnElement[bool]:
    """A WHERE clause on Customer limiting it to what `actor` may read."""
    if actor.is_system:
        return true()
    scope = scope_for(actor.role, "customers.read")
    if scope is None:
        return false()
    if scope is Scope.all:
        return true()
    has_ticket = exists().where(Ticket.customer_id == Customer.id,
                                ticket_filter(actor, "tickets.read"))
    if actor.user_id is None:
        return has_ticket
    since = utcnow() - dt.timedelta(hours=grant_hours)
    granted = exists().where(CustomerAccessGrant.customer_id == Customer.id,
                             CustomerAccessGrant.user_id == actor.user_id,
                             CustomerAccessGrant.granted_at >= since)
    return or_(has_ticket, granted)


def customer_in_scope(session: Session, actor: Actor, customer_id: int,
                      grant_hours: int) -> bool:
    return priority_in_scope(session, actor, customer_id, grant_hours) is not None


# The customer's flag by id, built once: for callers who see every customer this is all
# there is to ask, on every ticket they open.
_CUSTOMERS: Table = Customer.__table__  # type: ignore[assignment]
_PRIORITY = select(_CUSTOMERS.c.priority).where(_CUSTOMERS.c.id == bindparam("customer_id"))


def priority_in_scope(session: Session, actor: Actor, customer_id: int,
                      grant_hours: int) -> bool | None:
    """The customer's priority flag when the actor may see it, else None (one query)."""
    if actor.is_system or scope_for(actor.role, "customers.read") is Scope.all:
        flag = session.connection().scalar(_PRIORITY, {"customer_id": customer_id})
    else:
        flag = session.scalar(select(Customer.priority).where(
            Customer.id == customer_id, scope_clause(actor, grant_hours)))
    return None if flag is None else bool(flag)


def get_customer(session: Session, actor: Actor, customer_id: int,
                 grant_hours: int) -> Customer:
    """The customer if the actor may see it; NotFound otherwise (existence not leaked)."""
    stmt = (select(Customer)
            .where(Customer.id == customer_id, scope_clause(actor, grant_hours))
            .options(selectinload(Customer.contacts), selectinload(Customer.services)))
    customer = session.scalar(stmt)
    if customer is None:
        raise NotFound(f"Pelanggan {customer_id} tidak ditemukan.")
    return customer


def grant_access(session: Session, actor: Actor, customer_ids: Sequence[int],
                 reason: str) -> None:
    """Record that the actor identified these customers (skips a grant still fresh)."""
    if actor.user_id is None or not customer_ids:
        return
    if scope_for(actor.role, "customers.read") is Scope.all:
        return
    fresh = set(session.scalars(
        select(CustomerAccessGrant.customer_id).where(
            CustomerAccessGrant.user_id == actor.user_id,
            CustomerAccessGrant.customer_id.in_(list(customer_ids)),
            CustomerAccessGrant.granted_at >= utcnow() - _GRANT_REFRESH)))
    for cid in dict.fromkeys(customer_ids):
        if cid not in fresh:
            session.add(CustomerAccessGrant(user_id=actor.user_id, customer_id=cid,
                                            reason=reason[:120]))
    session.flush()


# --- 360 ---------------------------------------------------------------------------------

def customer_360(session: Session, actor: Actor, customer_id: int,
                 grant_hours: int) -> Customer360:
    customer = get_customer(session, actor, customer_id, grant_hours)
    base = (select(Ticket).where(Ticket.customer_id == customer.id)
            .options(selectinload(Ticket.owner), selectinload(Ticket.service)))
    open_tickets = list(session.scalars(
        base.where(Ticket.state.in_(OPEN_STATES)).order_by(Ticket.created_at.desc())))
    past_tickets = list(session.scalars(
        base.where(Ticket.state.in_(PAST_STATES))
        .order_by(Ticket.created_at.desc()).limit(HISTORY_LIMIT)))
    interactions = list(session.scalars(
        select(Interaction).where(Interaction.customer_id == customer.id)
        .options(selectinload(Interaction.agent))
        .order_by(Interaction.arrived_at.desc()).limit(HISTORY_LIMIT)))
    audit.record_read(session, "customers", customer.id, why="customer 360")
    return Customer360(customer=customer, contacts=list(customer.contacts),
                       services=list(customer.services), open_tickets=open_tickets,
                       past_tickets=past_tickets, interactions=interactions)


# --- writes ------------------------------------------------------------------------------

def _contact(kind: str, value: str, label: str = "", field_name: str = "value") -> NewContact:
    if kind not in {k.value for k in ContactKind}:
        raise InvalidInput(f"Jenis kontak '{kind}' tidak dikenal.", field="kind")
    return NewContact(kind=kind, value=contact_rules.normalise(kind, value, field_name),
                      label=label.strip()[:80])


def _ensure_service_free(session: Session, service_id: str) -> None:
    if session.scalar(select(CustomerService.id).where(
            CustomerService.service_id == service_id)) is not None:
        raise Conflict(f"Nomor layanan {service_id} sudah terdaftar.", field="service_id")


def create_customer(session: Session, actor: Actor, *, external_id: str, name: str,
                    segment: str, city: str = "", address: str = "", priority: bool = False,
                    priority_reason: str = "", notes: str = "",
                    contacts: Sequence[NewContact] = (),
                    services: Sequence[NewService] = ()) -> Customer:
    ext = _required(external_id, "external_id", "Nomor pelanggan", 40)
    if session.scalar(select(Customer.id).where(Customer.external_id == ext)) is not None:
        raise Conflict(f"Nomor pelanggan {ext} sudah terdaftar.", field="external_id")
    customer = Customer(
        external_id=ext, name=_required(name, "name", "Nama pelanggan", 200),
        segment=parse_segment(segment), city=city.strip()[:80], address=address.strip(),
        priority=priority, priority_reason=_check_priority(priority, priority_reason),
        notes=notes.strip())
    session.add(customer)
    seen: set[tuple[str, str]] = set()
    for i, c in enumerate(contacts):
        clean = _contact(c.kind, c.value, c.label, f"contacts.{i}.value")
        if (clean.kind, clean.value) not in seen:
            seen.add((clean.kind, clean.value))
            customer.contacts.append(CustomerContact(kind=clean.kind, value=clean.value,
                                                     label=clean.label))
    sids: set[str] = set()
    for s in services:
        svc = _service(s)
        if svc.service_id in sids:
            raise InvalidInput(f"Nomor layanan {svc.service_id} ganda.", field="service_id")
        _ensure_service_free(session, svc.service_id)
        sids.add(svc.service_id)
        customer.services.append(svc)
    session.flush()
    # Whoever registers a customer is serving it now: let them open its 360.
    grant_access(session, actor, [customer.id], "pelanggan baru dibuat")
    return customer


def _service(s: NewService) -> CustomerService:
    return CustomerService(service_id=_required(s.service_id, "service_id", "Nomor layanan", 40),
                           product=parse_product(s.product),
                           description=s.description.strip()[:200], active=s.active)


def update_customer(session: Session, actor: Actor, customer_id: int, grant_hours: int,
                    changes: dict[str, Any]) -> Customer:
    """Apply the given fields (only keys present are changed; unchanged values write nothing)."""
    customer = get_customer(session, actor, customer_id, grant_hours)
    clean: dict[str, Any] = {}
    if "external_id" in changes and changes["external_id"] is not None:
        ext = _required(changes["external_id"], "external_id", "Nomor pelanggan", 40)
        if ext != customer.external_id and session.scalar(
                select(Customer.id).where(Customer.external_id == ext)) is not None:
            raise Conflict(f"Nomor pelanggan {ext} sudah terdaftar.", field="external_id")
        clean["external_id"] = ext
    if changes.get("name") is not None:
        clean["name"] = _required(changes["name"], "name", "Nama pelanggan", 200)
    if changes.get("segment") is not None:
        clean["segment"] = parse_segment(changes["segment"])
    for key, limit in (("city", 80), ("address", 10_000), ("notes", 10_000)):
        if changes.get(key) is not None:
            clean[key] = str(changes[key]).strip()[:limit]
    priority = changes.get("priority")
    priority = customer.priority if priority is None else bool(priority)
    reason = changes.get("priority_reason")
    reason = customer.priority_reason if reason is None else str(reason)
    clean["priority"] = priority
    clean["priority_reason"] = _check_priority(priority, reason)
    for key, value in clean.items():
        if getattr(customer, key) != value:
            setattr(customer, key, value)
    session.flush()
    return customer


def add_contact(session: Session, actor: Actor, customer_id: int, grant_hours: int,
                kind: str, value: str, label: str = "") -> CustomerContact:
    customer = get_customer(session, actor, customer_id, grant_hours)
    clean = _contact(kind, value, label)
    if any(c.kind == clean.kind and c.value == clean.value for c in customer.contacts):
        raise Conflict(f"Kontak {clean.value} sudah tercatat untuk pelanggan ini.",
                       field="value")
    contact = CustomerContact(kind=clean.kind, value=clean.value, label=clean.label)
    customer.contacts.append(contact)
    session.flush()
    return contact


def remove_contact(session: Session, actor: Actor, customer_id: int, grant_hours: int,
                   contact_id: int) -> None:
    customer = get_customer(session, actor, customer_id, grant_hours)
    contact = next((c for c in customer.contacts if c.id == contact_id), None)
    if contact is None:
        raise NotFound(f"Kontak {contact_id} tidak ditemukan.")
    customer.contacts.remove(contact)
    session.delete(contact)
    session.flush()


def add_service(session: Session, actor: Actor, customer_id: int, grant_hours: int,
                new: NewService) -> CustomerService:
    customer = get_customer(session, actor, customer_id, grant_hours)
    svc = _service(new)
    _ensure_service_free(session, svc.service_id)
    customer.services.append(svc)
    session.flush()
    return svc


def update_service(session: Session, actor: Actor, customer_id: int, grant_hours: int,
                   service_pk: int, changes: dict[str, Any]) -> CustomerService:
    customer = get_customer(session, actor, customer_id, grant_hours)
    svc = next((s for s in customer.services if s.id == service_pk), None)
    if svc is None:
        raise NotFound(f"Layanan {service_pk} tidak ditemukan.")
    clean: dict[str, Any] = {}
    if changes.get("product") is not None:
        clean["product"] = parse_product(changes["product"])
    if changes.get("description") is not None:
        clean["description"] = str(changes["description"]).strip()[:200]
    if changes.get("active") is not None:
        clean["active"] = bool(changes["active"])
    for key, value in clean.items():
        if getattr(svc, key) != value:
            setattr(svc, key, value)
    session.flush()
    return svc


def customers_for_emails(session: Session, senders: dict[str, str],
                         segment: str) -> dict[str, int]:
    """The customer of each sender address; an unknown sender becomes a new customer (in
    `segment`, named by the display name) with that address as its contact. One query to
    find them, one multi-row INSERT per table for the new ones."""
    if not senders:
        return {}
    found: dict[str, int] = {}
    for value, cid in session.execute(
            select(CustomerContact.value, CustomerContact.customer_id)
            .where(CustomerContact.kind == ContactKind.email,
                   CustomerContact.value.in_(list(senders)))
            .order_by(CustomerContact.customer_id)):
        found.setdefault(value, cid)
    missing = {a: n for a, n in senders.items() if a not in found}
    if not missing:
        return found
    external = {a: "EML-" + hashlib.sha1(a.encode()).hexdigest()[:12].upper() for a in missing}
    for ext, cid in session.execute(select(Customer.external_id, Customer.id)
                                    .where(Customer.external_id.in_(list(external.values())))):
        address = next(a for a, e in external.items() if e == ext)
        found[address] = cid
        missing.pop(address, None)
    if not missing:
        return found
    now = utcnow()
    segment = parse_segment(segment or Segment.consumer)
    addresses = list(missing)
    ids = list(session.scalars(
        insert(Customer).returning(Customer.id, sort_by_parameter_order=True),
        [{"external_id": external[a], "name": (missing[a] or a)[:200], "segment": segment,
          "city": "", "address": "", "priority": False, "priority_reason": "",
          "notes": "Dibuat otomatis dari email masuk.", "created_at": now, "updated_at": now}
         for a in addresses]))
    contact_ids = list(session.scalars(
        insert(CustomerContact).returning(CustomerContact.id, sort_by_parameter_order=True),
        [{"customer_id": cid, "kind": ContactKind.email, "value": a, "label": "email"}
         for a, cid in zip(addresses, ids, strict=True)]))
    audit.record_created(session, "customers", ids, {"source": "email"})
    audit.record_created(session, "customer_contacts", contact_ids, {"source": "email"})
    found.update(zip(addresses, ids, strict=True))
    return found
