"""Every table, imported once so metadata is complete for migrations and tests."""

from sigap.auth.models import AuditLog, User
from sigap.customers.models import Customer, CustomerAccessGrant, CustomerContact, CustomerService
from sigap.db.base import Base
from sigap.org.models import Site, Staff, Team
from sigap.tickets.models import Interaction, Ticket, TicketCounter, TicketEvent

__all__ = [
    "AuditLog",
    "Base",
    "Customer",
    "CustomerAccessGrant",
    "CustomerContact",
    "CustomerService",
    "Interaction",
    "Site",
    "Staff",
    "Team",
    "Ticket",
    "TicketCounter",
    "TicketEvent",
    "User",
]
