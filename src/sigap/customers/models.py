"""Customers, their services and contacts, priority accounts (D5, D6, D7)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sigap.core.clock import utcnow
from sigap.db.base import Base, TimestampMixin


class Segment(StrEnum):
    DES = "DES"
    DGS = "DGS"
    DBS = "DBS"
    consumer = "consumer"


class Product(StrEnum):
    datin = "datin"
    indihome = "indihome"
    telephony = "telephony"
    imes = "imes"
    add_on = "add_on"
    wifi = "wifi"
    other = "other"


class ContactKind(StrEnum):
    phone = "phone"
    email = "email"
    whatsapp = "whatsapp"
    facebook = "facebook"
    x = "x"


class Customer(TimestampMixin, Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The client's customer number; imports key on it so re-importing changes nothing.
    external_id: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    segment: Mapped[str] = mapped_column(String(12), index=True)
    city: Mapped[str] = mapped_column(String(80), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    priority: Mapped[bool] = mapped_column(default=False)
    priority_reason: Mapped[str] = mapped_column(String(200), default="")
    notes: Mapped[str] = mapped_column(Text, default="")

    services: Mapped[list[CustomerService]] = relationship(
        back_populates="customer", order_by="CustomerService.service_id"
    )
    contacts: Mapped[list[CustomerContact]] = relationship(
        back_populates="customer", order_by="CustomerContact.id"
    )


class CustomerService(TimestampMixin, Base):
    __tablename__ = "customer_services"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    service_id: Mapped[str] = mapped_column(String(40), unique=True)
    product: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(default=True)

    customer: Mapped[Customer] = relationship(back_populates="services")


class CustomerContact(Base):
    __tablename__ = "customer_contacts"
    __table_args__ = (
        UniqueConstraint("customer_id", "kind", "value"),
        Index("ix_customer_contacts_lookup", "kind", "value"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    # Normalised: phones E.164 (+62…), emails lower-case, handles without '@'.
    value: Mapped[str] = mapped_column(String(200))
    label: Mapped[str] = mapped_column(String(80), default="")

    customer: Mapped[Customer] = relationship(back_populates="contacts")


class CustomerAccessGrant(Base):
    """A front-line agent identified this customer by an exact contact or service id.

    It lets the agent open the customer's 360 for the contact in progress (D7: access
    only with a need), and it is itself audited.
    """

    __tablename__ = "customer_access_grants"
    __table_args__ = (Index("ix_customer_access_grants_user", "user_id", "customer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    granted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    reason: Mapped[str] = mapped_column(String(120))
