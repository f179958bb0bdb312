"""Customer search by exact identifier or name, inside the caller's scope (D6, D7).

An exact identifier (phone, email, service id, customer number) finds a customer anywhere
and grants the caller access to it; a name search stays inside the caller's scope.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session, selectinload

from sigap.auth import audit
from sigap.auth.actor import Actor
from sigap.core.errors import InvalidInput
from sigap.core.pagination import Page, PageParams, paginate
from sigap.customers import contacts as contact_rules
from sigap.customers.models import (
    ContactKind,
    Customer,
    CustomerContact,
    CustomerService,
)
from sigap.customers.service import grant_access, parse_segment, scope_clause

EXPORT_LIMIT = 10_000


@dataclass
class SearchResult:
    page: Page[Customer]
    # How q was read: "email", "phone", "service_id", "external_id", "name" or "" (no q).
    matched_by: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _exact_hits(session: Session, q: str) -> tuple[str, list[int]]:
    """Customers matching q exactly by an identifier, across ALL customers."""
    text = q.strip()
    if contact_rules.looks_like_email(text):
        try:
            email = contact_rules.normalise_email(text)
        except InvalidInput:
            return "", []
        found = session.scalars(select(CustomerContact.customer_id).where(
            CustomerContact.kind == ContactKind.email, CustomerContact.value == email))
        return "email", list(dict.fromkeys(found))
    phone = contact_rules.try_phone(text)
    if phone is not None:
        stmt = select(CustomerContact.customer_id).where(
            or_(and_(CustomerContact.kind == ContactKind.phone, CustomerContact.value == phone),
                and_(CustomerContact.kind == ContactKind.whatsapp,
                     CustomerContact.value == phone.lstrip("+"))))
        by_phone: list[int] = list(dict.fromkeys(session.scalars(stmt)))
        if by_phone:
            return "phone", by_phone
    variants = list({text, text.upper()})
    ids: list[int] = list(session.scalars(select(CustomerService.customer_id).where(
        CustomerService.service_id.in_(variants))))
    if ids:
        return "service_id", list(dict.fromkeys(ids))
    ids = list(session.scalars(select(Customer.id).where(Customer.external_id.in_(variants))))
    if ids:
        return "external_id", ids
    return "", []


_GRANT_REASONS = {
    "email": "identifikasi via email",
    "phone": "identifikasi via telepon",
    "service_id": "identifikasi via nomor layanan",
    "external_id": "identifikasi via nomor pelanggan",
}


def _search_stmt(session: Session, actor: Actor, q: str, segment: str | None,
                 priority: bool | None, grant_hours: int) -> tuple[Select[Any], str]:
    stmt = select(Customer)
    if segment:
        stmt = stmt.where(Customer.segment == parse_segment(segment))
    if priority is not None:
        stmt = stmt.where(Customer.priority.is_(priority))
    text = q.strip()
    matched_by = ""
    if text:
        matched_by, ids = _exact_hits(session, text)
        if ids:
            grant_access(session, actor, ids, _GRANT_REASONS[matched_by])
            stmt = stmt.where(Customer.id.in_(ids))
        else:
            matched_by = "name"
            pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") \
                + "%"
            stmt = stmt.where(Customer.name.ilike(pattern, escape="\\"),
                              scope_clause(actor, grant_hours))
    else:
        stmt = stmt.where(scope_clause(actor, grant_hours))
    stmt = stmt.options(selectinload(Customer.contacts), selectinload(Customer.services))
    return stmt.order_by(Customer.name, Customer.id), matched_by


def search_customers(session: Session, actor: Actor, q: str = "", segment: str | None = None,
                     priority: bool | None = None, page: PageParams | None = None,
                     grant_hours: int = 12) -> SearchResult:
    """Find customers; an exact identifier finds anyone (and grants access), a name only
    those in scope. The customers shown are recorded as a read of personal data."""
    stmt, matched_by = _search_stmt(session, actor, q, segment, priority, grant_hours)
    result: Page[Customer] = paginate(session, stmt, page or PageParams())
    audit.record_read(session, "customers", [c.id for c in result.items],
                      why="pencarian pelanggan", detail={"matched_by": matched_by or "list"})
    return SearchResult(page=result, matched_by=matched_by)


def export_customers(session: Session, actor: Actor, q: str = "", segment: str | None = None,
                     priority: bool | None = None, grant_hours: int = 12) -> list[Customer]:
    stmt, matched_by = _search_stmt(session, actor, q, segment, priority, grant_hours)
    rows = list(session.scalars(stmt.limit(EXPORT_LIMIT)))
    audit.record_read(session, "customers", [c.id for c in rows], why="ekspor pelanggan",
                      detail={"matched_by": matched_by or "list"})
    return rows
