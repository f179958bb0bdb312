"""The board's rows as files and tables: the same lines for the XLSX, the CSV, the printable
report and the scheduled email. `board_rows` is the one place these read the board."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from openpyxl import Workbook
from sqlalchemy.orm import Session

from sigap.core.errors import InvalidInput
from sigap.reports import kpis
from sigap.web.i18n import translate

BOARDS = kpis.BOARDS
HEADER = ("Kode", "KPI", "Target %", "Pembilang", "Penyebut", "Capaian %", "Status")
LIGHTS = {"green": "hijau", "amber": "kuning", "red": "merah", "grey": "belum ada data"}
Row = tuple[kpis.Kpi, kpis.Value, str]
Line = tuple[str, str, float, float | None, float | None, float | None, str]


def kpis_of(board: str) -> tuple[kpis.Kpi, ...]:
    found = BOARDS.get(board)
    if found is None:
        raise InvalidInput(f"Papan '{board}' tidak dikenal; pilih tenesa atau tam.",
                           field="board")
    return found


def board_rows(session: Session, board: str, ask: kpis.Ask) -> list[Row]:
    return [(k, v, k.light(v)) for k, v in kpis.board(session, kpis_of(board), ask)]


def _count(value: float | None) -> float | None:
    """Counts as whole numbers (3, not 3.0); sums of minutes keep two decimals."""
    if value is None:
        return None
    return int(value) if float(value).is_integer() else round(value, 2)


def lines(rows: Sequence[Row], locale: str = "id") -> list[Line]:
    return [(k.code, k.name, k.target, _count(v.numerator), _count(v.denominator),
             round(v.percent, 2) if v.percent is not None else None,
             translate(LIGHTS[light], locale))
            for k, v, light in rows]


def header(locale: str = "id") -> tuple[str, ...]:
    return tuple(translate(h, locale) for h in HEADER)


def xlsx(title: str, rows: Sequence[Row], locale: str = "id") -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title[:31]
    sheet.append(header(locale))
    for line in lines(rows, locale):
        sheet.append(line)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def csv_text(rows: Sequence[Row], locale: str = "id") -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header(locale))
    for line in lines(rows, locale):
        writer.writerow(["" if v is None else v for v in line])
    return out.getvalue()
