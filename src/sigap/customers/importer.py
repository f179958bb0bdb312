"""Customer import from CSV or XLSX (D5): upsert by external_id, idempotent.

Every bad row is reported with its row number as the user sees it (the header is row 1),
the field and the reason; good rows are kept. Rows sharing an external_id add services
and contacts to one customer. An unchanged row writes nothing (so leaves no audit row).
Lookups are batched per chunk of customers, never one query per row.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from sigap.core.errors import InvalidInput
from sigap.customers import contacts as contact_rules
from sigap.customers.models import ContactKind, Customer, CustomerContact, CustomerService
from sigap.customers.service import parse_product, parse_segment

CHUNK = 1000
REQUIRED = ("external_id", "name", "segment")
KNOWN = (*REQUIRED, "city", "address", "phone", "email", "whatsapp", "facebook", "x",
         "service_id", "product", "service_description", "priority", "priority_reason")
_TRUE = {"ya", "yes", "true", "1", "y"}
_FALSE = {"", "tidak", "no", "false", "0", "n"}
_CONTACT_COLUMNS = (("phone", ContactKind.phone), ("whatsapp", ContactKind.whatsapp),
                    ("email", ContactKind.email), ("facebook", ContactKind.facebook),
                    ("x", ContactKind.x))

Progress = Callable[[int, int], None]


class ImportFileError(InvalidInput):
    """The file as a whole cannot be read (type, encoding, headers)."""


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"baris {self.row}: {self.field}: {self.message}"


@dataclass
class ImportReport:
    rows_read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)


@dataclass
class _Row:
    number: int
    external_id: str
    fields: dict[str, Any]
    contacts: list[tuple[str, str]]
    service: tuple[str, str, str | None] | None  # service_id, product, description


# --- reading the file --------------------------------------------------------------------

def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _csv_rows(data: bytes) -> Iterator[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError("Berkas CSV harus berenkode UTF-8.", field="file") from exc
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
        yield [c.strip() for c in row]


def _xlsx_rows(data: bytes) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several types for a damaged file
        raise ImportFileError("Berkas XLSX tidak dapat dibaca.", field="file") from exc
    try:
        sheet = book.worksheets[0]
        for values in sheet.iter_rows(values_only=True):
            yield [_cell(v) for v in values]
    finally:
        book.close()


def read_table(filename: str, data: bytes) -> tuple[list[str], list[list[str]]]:
    """Header (lower-cased) and data rows of a CSV or XLSX file."""
    ext = PurePath(filename).suffix.lower()
    if ext == ".csv":
        rows = list(_csv_rows(data))
    elif ext == ".xlsx":
        rows = list(_xlsx_rows(data))
    else:
        raise ImportFileError(f"Jenis berkas '{ext or filename}' tidak didukung; pakai .csv atau "
                              ".xlsx.", field="file")
    if not rows:
        raise ImportFileError("Berkas kosong.", field="file")
    header = [h.strip().lower().replace(" ", "_") for h in rows[0]]
    missing = [h for h in REQUIRED if h not in header]
    if missing:
        raise ImportFileError(f"Kolom wajib tidak ada: {', '.join(missing)}.", field="file")
    return header, rows[1:]


# --- checking one row (no database) ------------------------------------------------------

def _split(value: str) -> list[str]:
    return [p.strip() for p in value.replace("/", ";").split(";") if p.strip()]


def _parse_row(number: int, record: dict[str, str], header: set[str]) -> _Row:
    def fail(name: str, message: str) -> InvalidInput:
        return InvalidInput(message, field=name)

    ext = record.get("external_id", "")
    if not ext:
        raise fail("external_id", "wajib diisi")
    if len(ext) > 40:
        raise fail("external_id", "maksimal 40 karakter")
    name = record.get("name", "")
    if not name:
        raise fail("name", "wajib diisi")
    if len(name) > 200:
        raise fail("name", "maksimal 200 karakter")
    fields: dict[str, Any] = {"name": name}
    try:
        fields["segment"] = parse_segment(record.get("segment", ""))
    except InvalidInput as exc:
        raise fail("segment", exc.message) from exc
    for key, limit in (("city", 80), ("address", 5000)):
        if key in header:
            if len(record.get(key, "")) > limit:
                raise fail(key, f"maksimal {limit} karakter")
            fields[key] = record.get(key, "")
    if "priority" in header:
        flag = record.get("priority", "").lower()
        if flag not in _TRUE | _FALSE:
            raise fail("priority", f"nilai '{record.get('priority')}' tidak dikenal (ya/tidak)")
        priority = flag in _TRUE
        reason = record.get("priority_reason", "")
        if priority and not reason:
            raise fail("priority_reason", "wajib diisi untuk pelanggan prioritas")
        if len(reason) > 200:
            raise fail("priority_reason", "maksimal 200 karakter")
        fields["priority"] = priority
        fields["priority_reason"] = reason if priority else ""
    found: list[tuple[str, str]] = []
    for column, kind in _CONTACT_COLUMNS:
        for part in _split(record.get(column, "")):
            try:
                found.append((kind.value, contact_rules.normalise(kind, part, column)))
            except InvalidInput as exc:
                raise fail(column, exc.message) from exc
    service = None
    sid = record.get("service_id", "")
    if sid:
        if len(sid) > 40:
            raise fail("service_id", "maksimal 40 karakter")
        try:
            product = parse_product(record.get("product", ""))
        except InvalidInput as exc:
            raise fail("product", exc.message) from exc
        desc = record.get("service_description") if "service_description" in header else None
        service = (sid, product, None if desc is None else desc[:200])
    elif record.get("product"):
        raise fail("service_id", "wajib diisi bila kolom product diisi")
    return _Row(number, ext, fields, list(dict.fromkeys(found)), service)


# --- writing -----------------------------------------------------------------------------

def _apply(customer: Customer, rows: list[_Row]) -> bool:
    """Bring `customer` in line with its rows; True when anything changed."""
    changed = False
    for key, value in rows[0].fields.items():
        if getattr(customer, key) != value:
            setattr(customer, key, value)
            changed = True
    have = {(c.kind, c.value) for c in customer.contacts}
    services = {s.service_id: s for s in customer.services}
    for row in rows:
        for kind, value in row.contacts:
            if (kind, value) not in have:
                have.add((kind, value))
                customer.contacts.append(CustomerContact(kind=kind, value=value))
                changed = True
        if row.service is None:
            continue
        sid, product, desc = row.service
        svc = services.get(sid)
        if svc is None:
            svc = CustomerService(service_id=sid, product=product, description=desc or "")
            customer.services.append(svc)
            services[sid] = svc
            changed = True
            continue
        if svc.product != product:
            svc.product = product
            changed = True
        if desc is not None and svc.description != desc:
            svc.description = desc
            changed = True
    return changed


def _process_chunk(session: Session, groups: dict[str, list[_Row]], report: ImportReport,
                   claimed: dict[str, str]) -> None:
    existing = {c.external_id: c for c in session.scalars(
        select(Customer).where(Customer.external_id.in_(list(groups)))
        .options(selectinload(Customer.contacts), selectinload(Customer.services)))}
    sids = [r.service[0] for rows in groups.values() for r in rows if r.service]
    owners: dict[str, str] = {}
    for start in range(0, len(sids), CHUNK):
        found = session.execute(
            select(CustomerService.service_id, Customer.external_id)
            .join(Customer, Customer.id == CustomerService.customer_id)
            .where(CustomerService.service_id.in_(sids[start:start + CHUNK])))
        owners.update({sid: ext for sid, ext in found})
    for ext, rows in groups.items():
        good: list[_Row] = []
        for row in rows:
            if row.service is not None:
                sid = row.service[0]
                owner = owners.get(sid) or claimed.get(sid)
                if owner is not None and owner != ext:
                    report.errors.append(RowError(
                        row.number, "service_id",
                        f"nomor layanan {sid} sudah dimiliki pelanggan {owner}"))
                    continue
                claimed[sid] = ext
            good.append(row)
        if not good:
            continue
        customer = existing.get(ext)
        if customer is None:
            customer = Customer(external_id=ext, city="", address="", priority=False,
                                priority_reason="", notes="")
            customer.contacts = []
            customer.services = []
            _apply(customer, good)
            session.add(customer)
            report.created += 1
        elif _apply(customer, good):
            report.updated += 1
        else:
            report.unchanged += 1
    session.flush()


def import_customers(session: Session, filename: str, data: bytes,
                     progress: Progress | None = None) -> ImportReport:
    """Import a CSV/XLSX file; raises ImportFileError when the file itself is unusable."""
    header, raw_rows = read_table(filename, data)
    columns = set(header)
    report = ImportReport()
    total = len(raw_rows)
    parsed: list[_Row] = []
    for offset, values in enumerate(raw_rows):
        if not any(values):
            continue
        report.rows_read += 1
        record = {h: (values[i] if i < len(values) else "") for i, h in enumerate(header)
                  if h in KNOWN}
        try:
            parsed.append(_parse_row(offset + 2, record, columns))
        except InvalidInput as exc:
            report.errors.append(RowError(offset + 2, exc.field or "", exc.message))
    groups: dict[str, list[_Row]] = {}
    for row in parsed:
        groups.setdefault(row.external_id, []).append(row)
    claimed: dict[str, str] = {}
    keys = list(groups)
    done = 0
    for start in range(0, len(keys), CHUNK):
        chunk = {k: groups[k] for k in keys[start:start + CHUNK]}
        _process_chunk(session, chunk, report, claimed)
        done += sum(len(rows) for rows in chunk.values())
        if progress is not None:
            progress(min(done + len(report.errors), total), total)
    if progress is not None:
        progress(total, total)
    report.errors.sort(key=lambda e: e.row)
    return report
