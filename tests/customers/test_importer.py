"""Customer import: CSV and XLSX, bad rows reported, good rows kept, idempotent, CLI."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from sigap.auth import audit
from sigap.auth.actor import SYSTEM
from sigap.customers.cli import app as import_app
from sigap.customers.importer import ImportFileError, import_customers
from sigap.customers.models import Customer, CustomerContact, CustomerService
from tests import factories
from tests.customers import helpers

HEADER = ("external_id,name,segment,city,phone,email,whatsapp,service_id,product,"
          "service_description,priority,priority_reason")
ROWS = [
    "C-001,PT Maju Jaya,DBS,Semarang,0812-3456-7890;(024) 8441234,cs@maju.co.id,,SID-1,datin,"
    "Datin 10M,tidak,",
    "C-001,PT Maju Jaya,DBS,Semarang,,,0812-3456-7890,SID-2,indihome,Indihome 50M,tidak,",
    "C-002,Dinas Kominfo,dgs,Bandung,022-4231234,,,SID-3,datin,,ya,Instansi pemerintah",
    "C-003,Budi,Consumer,,08123,,,,,,,",          # row 5: bad phone
    "C-004,,DES,,,,,,,,,",                        # row 6: missing name
    "C-005,PT Lima,retail,,,,,,,,,",              # row 7: bad segment
    "C-006,PT Enam,DES,,,,,SID-1,datin,,,",       # row 8: SID-1 belongs to C-001
    "C-007,PT Tujuh,DES,,,,,,,,ya,",              # row 9: priority without reason
    "C-008,Toko Delapan,consumer,,,bukan-email,,,,,,",  # row 10: bad email
    "C-009,PT Sembilan,DES,,,,,SID-9,tv,,,",       # row 11: bad product
]


def _csv(rows: list[str] = ROWS, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def _errors(report: object) -> list[tuple[int, str]]:
    return [(e.row, e.field) for e in report.errors]  # type: ignore[attr-defined]


EXPECTED_ERRORS = [(5, "phone"), (6, "name"), (7, "segment"), (8, "service_id"),
                   (9, "priority_reason"), (10, "email"), (11, "product")]


def test_csv_import_reports_bad_rows_and_keeps_good_ones(session: Session) -> None:
    audit.bind_actor(session, SYSTEM)
    report = import_customers(session, "pelanggan.csv", _csv())
    assert report.rows_read == 10
    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    assert _errors(report) == EXPECTED_ERRORS
    assert "C-001" in report.errors[3].message
    maju = session.scalar(select(Customer).where(Customer.external_id == "C-001"))
    assert maju is not None
    assert sorted((c.kind, c.value) for c in maju.contacts) == [
        ("email", "cs@maju.co.id"), ("phone", "+62248441234"), ("phone", "+6281234567890"),
        ("whatsapp", "6281234567890")]
    assert [(s.service_id, s.product) for s in maju.services] == [("SID-1", "datin"),
                                                                  ("SID-2", "indihome")]
    kominfo = session.scalar(select(Customer).where(Customer.external_id == "C-002"))
    assert kominfo is not None and kominfo.segment == "DGS" and kominfo.priority
    assert kominfo.priority_reason == "Instansi pemerintah"
    session.commit()

    audit_before = helpers.audit_count(session)
    again = import_customers(session, "pelanggan.csv", _csv())
    session.commit()
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert _errors(again) == EXPECTED_ERRORS
    assert helpers.audit_count(session) == audit_before
    assert session.scalar(select(func.count(CustomerContact.id))) == 5
    assert session.scalar(select(func.count(CustomerService.id))) == 3

    changed = [ROWS[0].replace("Semarang", "Kudus"), *ROWS[1:3]]
    third = import_customers(session, "pelanggan.csv", _csv(changed))
    assert (third.created, third.updated, third.unchanged) == (0, 1, 1)
    session.commit()  # the audit trail is written with the work it records
    assert helpers.audit_count(session, "customers.update") == 1


def test_semicolon_csv_with_bom(session: Session) -> None:
    text = ("\ufeffExternal_ID;Name;Segment;Phone;Email\n"
            "C-10;PT Titik Koma;DES;0812-3456-7890 / 0813-1111-2222;a@b.co.id;x@b.co.id\n")
    report = import_customers(session, "data.CSV", text.encode("utf-8"))
    assert report.errors == [] and report.created == 1
    c = session.scalar(select(Customer).where(Customer.external_id == "C-10"))
    assert c is not None and c.name == "PT Titik Koma"
    assert sorted(x.value for x in c.contacts if x.kind == "phone") == [
        "+6281234567890", "+6281311112222"]


def _xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_xlsx_import_with_numbers_and_bad_rows(session: Session) -> None:
    data = _xlsx([
        ["external_id", "name", "segment", "phone", "service_id", "product"],
        ["X-1", "PT Excel", "DBS", 81234567890, 12345678, "datin"],
        ["X-2", "PT Salah", "DBS", "abc", None, None],
        [None, None, None, None, None, None],
        ["X-3", "PT Benar", "DES", "+62 24 8441234", None, None],
    ])
    report = import_customers(session, "data.xlsx", data)
    assert report.created == 2
    assert [(e.row, e.field) for e in report.errors] == [(3, "phone")]
    c = session.scalar(select(Customer).where(Customer.external_id == "X-1"))
    assert c is not None
    assert [x.value for x in c.contacts] == ["+6281234567890"]
    assert [s.service_id for s in c.services] == ["12345678"]


def test_unusable_files_are_refused(session: Session) -> None:
    with pytest.raises(ImportFileError):
        import_customers(session, "data.txt", b"a,b")
    with pytest.raises(ImportFileError) as err:
        import_customers(session, "data.csv", b"external_id,segment\nC-1,DES\n")
    assert "name" in err.value.message
    with pytest.raises(ImportFileError):
        import_customers(session, "data.xlsx", b"not a zip")
    with pytest.raises(ImportFileError):
        import_customers(session, "data.csv", "ä".encode("latin-1"))


def test_existing_service_of_other_customer_is_a_row_error(session: Session) -> None:
    factories.customer(session, service_id="SID-TAKEN")
    session.commit()
    report = import_customers(session, "x.csv",
                              b"external_id,name,segment,service_id,product\n"
                              b"N-1,PT Baru,DES,SID-TAKEN,datin\nN-2,PT Dua,DES,SID-NEW,datin\n")
    assert [(e.row, e.field) for e in report.errors] == [(2, "service_id")]
    assert report.created == 1


def test_progress_reaches_total(session: Session) -> None:
    rows = [f"P-{i},PT {i},DES,,,,,SID-P{i},datin,,," for i in range(2500)]
    seen: list[tuple[int, int]] = []
    report = import_customers(session, "big.csv", _csv(rows),
                              progress=lambda d, t: seen.append((d, t)))
    assert report.created == 2500 and report.errors == []
    assert seen[-1] == (2500, 2500) and len(seen) >= 3


def test_cli_import(db_url: str, tmp_path: Path, session: Session) -> None:
    path = tmp_path / "pelanggan.csv"
    path.write_bytes(_csv())
    runner = CliRunner()
    env = {"SIGAP_DATABASE_URL": db_url}
    result = runner.invoke(import_app, ["customers", str(path)], env=env)
    assert result.exit_code == 0, result.output
    assert "baris 5: phone:" in result.output
    assert "baris 8: service_id:" in result.output
    assert session.scalar(select(func.count(Customer.id))) == 2
    writes = helpers.audit_count(session, "customers.create")
    assert writes == 2
    session.rollback()  # end the read transaction: SQLite takes the write lock at BEGIN

    again = runner.invoke(import_app, ["customers", str(path)], env=env)
    assert again.exit_code == 0 and "tidak berubah: 2" in again.output
    assert helpers.audit_count(session, "customers.create") == 2

    bad = tmp_path / "pelanggan.txt"
    bad.write_text("x")
    assert runner.invoke(import_app, ["customers", str(bad)], env=env).exit_code == 2
    headless = tmp_path / "kurang.csv"
    headless.write_text("external_id,name\nC-1,PT\n")
    result = runner.invoke(import_app, ["customers", str(headless)], env=env)
    assert result.exit_code == 2
    assert runner.invoke(import_app, ["customers", str(tmp_path / "tidak-ada.csv")],
                         env=env).exit_code == 2
