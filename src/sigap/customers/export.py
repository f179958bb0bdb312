"""Search results as an XLSX workbook (the columns the import reads back)."""

from __future__ import annotations

import io
from collections.abc import Sequence

from openpyxl import Workbook

from sigap.customers.models import Customer

COLUMNS = ("external_id", "name", "segment", "city", "address", "phone", "email", "whatsapp",
           "facebook", "x", "service_id", "product", "service_description", "priority",
           "priority_reason")


def customers_xlsx(customers: Sequence[Customer]) -> bytes:
    """One row per service (a customer without services gets one row), like the import."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("pelanggan")
    sheet.append(list(COLUMNS))
    for c in customers:
        def joined(kind: str, customer: Customer = c) -> str:
            return ";".join(x.value for x in customer.contacts if x.kind == kind)

        base = [c.external_id, c.name, c.segment, c.city, c.address, joined("phone"),
                joined("email"), joined("whatsapp"), joined("facebook"), joined("x")]
        tail = ["ya" if c.priority else "tidak", c.priority_reason]
        services = c.services or []
        if not services:
            sheet.append([*base, "", "", "", *tail])
        for s in services:
            sheet.append([*base, s.service_id, s.product, s.description, *tail])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
