"""Reading and writing the workforce commands' tables (CSV or XLSX), with line numbers."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path


class TableError(Exception):
    """The file as a whole cannot be used (missing, wrong type, missing columns)."""


class RowError(ValueError):
    """One row is wrong; `column` names the field."""

    def __init__(self, column: str, message: str) -> None:
        super().__init__(f"{column}: {message}")
        self.column = column


@dataclass(frozen=True)
class Row:
    line: int  # line number in the file (the header is line 1)
    values: dict[str, str]


@dataclass(frozen=True)
class Problem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"baris {self.line}: {self.message}"


def read(path: Path, required: Sequence[str]) -> tuple[list[str], list[Row]]:
    """Header (lower-cased) and the non-empty data rows of a .csv or .xlsx file."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TableError(f"berkas tidak dapat dibaca: {exc}") from exc
    ext = path.suffix.lower()
    if ext == ".csv":
        rows = list(_csv_rows(data))
    elif ext == ".xlsx":
        rows = list(_xlsx_rows(data))
    else:
        raise TableError(f"jenis berkas '{ext or path.name}' tidak didukung; pakai .csv atau .xlsx")
    if not rows:
        raise TableError("berkas kosong")
    header = [h.strip().lower().replace(" ", "_") for h in rows[0]]
    missing = [h for h in required if h not in header]
    if missing:
        raise TableError(f"kolom wajib tidak ada: {', '.join(missing)}")
    out = []
    for number, cells in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in cells):
            continue
        padded = [*cells, *[""] * (len(header) - len(cells))]
        out.append(Row(number, {h: padded[i].strip() for i, h in enumerate(header) if h}))
    return header, out


def _csv_rows(data: bytes) -> Iterator[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TableError("berkas CSV harus berenkode UTF-8") from exc
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def _xlsx_rows(data: bytes) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several types for a damaged file
        raise TableError("berkas XLSX tidak dapat dibaca") from exc
    try:
        for values in book.worksheets[0].iter_rows(values_only=True):
            yield ["" if v is None else str(v) for v in values]
    finally:
        book.close()


def number(values: dict[str, str], column: str, *, low: float | None = None,
           high: float | None = None, low_open: bool = False, high_open: bool = False,
           default: float | None = None, percent: bool = False) -> float:
    """A number from a cell; "80%" and a decimal comma are accepted; range checked."""
    text = values.get(column, "").strip()
    if not text:
        if default is not None:
            return default
        raise RowError(column, "wajib diisi")
    scale = 1.0
    if percent and text.endswith("%"):
        text, scale = text[:-1].strip(), 0.01
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    try:
        value = float(text) * scale
    except ValueError:
        raise RowError(column, f"bukan angka ('{values.get(column, '')}')") from None
    if not math.isfinite(value):
        raise RowError(column, "harus angka terhingga")
    if low is not None and (value < low or (low_open and value == low)):
        raise RowError(column, f"harus {'>' if low_open else '≥'} {low:g} ({value:g})")
    if high is not None and (value > high or (high_open and value == high)):
        raise RowError(column, f"harus {'<' if high_open else '≤'} {high:g} ({value:g})")
    return value


def write(path: Path, header: Sequence[str], rows: Sequence[Sequence[object]],
          sheet: str) -> None:
    """CSV, or XLSX when the name ends in .xlsx (numbers stay numbers there)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".xlsx":
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        ws = book.create_sheet(sheet)
        ws.append(list(header))
        for row in rows:
            ws.append([_xlsx_cell(v) for v in row])
        book.save(path)
        return
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        for row in rows:
            writer.writerow([_text(v) for v in row])


def _text(value: object) -> str:
    if isinstance(value, float):
        if math.isinf(value):
            return "inf"
        if math.isnan(value):
            return ""
        return f"{value:.6f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))
    return str(value)


def _xlsx_cell(value: object) -> object:
    if isinstance(value, float) and not math.isfinite(value):
        return "" if math.isnan(value) else "inf"
    return value
