"""ACD interval reports (CSV) → one row per interval and queue; every bad line reported
with its line number, the good ones kept, and re-importing changes nothing."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from sigap.channels.voice.models import AcdInterval
from sigap.core.errors import InvalidInput

COLUMNS = ("interval_start", "queue", "offered", "answered", "abandoned", "answered_within",
           "handle_time", "wait_time")
_COUNTS = ("offered", "answered", "abandoned", "answered_within", "handle_time", "wait_time")


@dataclass(frozen=True)
class LineError:
    line: int
    field: str
    message: str


@dataclass
class IntervalReport:
    rows_read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[LineError] = field(default_factory=list)


def _when(value: str, zone: dt.tzinfo) -> dt.datetime:
    moment = dt.datetime.fromisoformat(value.strip().replace(" ", "T", 1))
    return (moment if moment.tzinfo else moment.replace(tzinfo=zone)).astimezone(dt.UTC)


def _row(values: dict[str, str], zone: dt.tzinfo) -> dict[str, object]:
    try:
        start = _when(values.get("interval_start", ""), zone)
    except ValueError:
        raise InvalidInput("waktu interval tidak terbaca (contoh 2026-11-23 08:00)",
                           field="interval_start") from None
    queue = values.get("queue", "").strip()
    if not queue:
        raise InvalidInput("antrean kosong", field="queue")
    row: dict[str, object] = {"interval_start": start, "queue": queue[:60]}
    for name in _COUNTS:
        raw = values.get(name, "").strip() or "0"
        if not raw.isdigit():
            raise InvalidInput(f"{raw!r} bukan bilangan bulat ≥ 0", field=name)
        key = {"handle_time": "handle_seconds", "wait_time": "wait_seconds"}.get(name, name)
        row[key] = int(raw)
    if int(str(row["answered"])) + int(str(row["abandoned"])) > int(str(row["offered"])):
        raise InvalidInput("answered + abandoned melebihi offered", field="offered")
    if int(str(row["answered_within"])) > int(str(row["answered"])):
        raise InvalidInput("answered_within melebihi answered", field="answered_within")
    return row


def import_intervals(session: Session, data: bytes,
                     zone: dt.tzinfo = dt.timezone(dt.timedelta(hours=7))) -> IntervalReport:
    """Times without a zone are the site's (WIB by default)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput("Berkas bukan teks UTF-8.", field="file") from None
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in COLUMNS[:5] if c not in header]
    if missing:
        raise InvalidInput(f"Kolom wajib tidak ada: {', '.join(missing)}.", field="file")
    report = IntervalReport()
    for number, raw in enumerate(reader, start=2):
        values = {k.strip().lower(): (v or "") for k, v in raw.items() if k}
        if not any(v.strip() for v in values.values()):
            continue
        report.rows_read += 1
        try:
            row = _row(values, zone)
        except InvalidInput as exc:
            report.errors.append(LineError(number, exc.field or "", exc.message))
            continue
        found = session.scalar(select(AcdInterval).where(
            AcdInterval.interval_start == row["interval_start"],
            AcdInterval.queue == row["queue"]))
        if found is None:
            session.add(AcdInterval(**row))
            report.created += 1
        elif any(getattr(found, k) != v for k, v in row.items()):
            for k, v in row.items():
                setattr(found, k, v)
            report.updated += 1
        else:
            report.unchanged += 1
        session.flush()
    return report


def stored_intervals(session: Session, queue: str, start: dt.datetime,
                     end: dt.datetime) -> list[AcdInterval]:
    """One ACD queue's imported intervals that start in [start, end), oldest first."""
    return list(session.scalars(select(AcdInterval).where(
        AcdInterval.queue == queue, AcdInterval.interval_start >= start,
        AcdInterval.interval_start < end).order_by(AcdInterval.interval_start)))


def acd_queues(session: Session) -> list[str]:
    """Every queue name the imported interval reports mention."""
    return list(session.scalars(select(AcdInterval.queue).distinct().order_by(
        AcdInterval.queue)))
