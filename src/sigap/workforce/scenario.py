"""A simulated day from two tables (arrivals and agents), as `sigap wfm simulate` reads them.

arrivals (one row per queue and interval):
  queue, interval_start (HH:MM), volume, aht_seconds
  optional, constant per queue: interval_minutes (15), answer_seconds (20),
  patience_seconds (empty: nobody abandons), priority (1 = first), handle_distribution and
  patience_distribution (exponential | lognormal | fixed), handle_cv and patience_cv (1.0)
agents (one row per agent and shift; more rows for a split shift):
  agent, skills ("billing:1;tech:2", queue:skill priority, 1 preferred; priority may be
  left out), shift_start, shift_end (HH:MM; an end at or before the start is the next day)
  optional: day (0, or −1 for a shift that began the day before), breaks
  ("10:00+15;12:30+60": start and minutes, within the shift)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import cast

from sigap.workforce import table
from sigap.workforce.simulation import KINDS, Agent, Day, Kind, Queue, Window

ARRIVALS = ("queue", "interval_start", "volume", "aht_seconds")
AGENTS = ("agent", "skills", "shift_start", "shift_end")
_PER_QUEUE = ("interval_minutes", "answer_seconds", "patience_seconds", "priority",
              "handle_distribution", "handle_cv", "patience_distribution", "patience_cv")


def clock(text: str, column: str) -> int:
    """Minutes after midnight of an HH:MM time."""
    hours, sep, minutes = text.strip().partition(":")
    try:
        h, m = int(hours), int(minutes) if sep else -1
    except ValueError:
        raise table.RowError(column, f"harus jam HH:MM ('{text}')") from None
    if not (0 <= h <= 23 and 0 <= m <= 59):
        raise table.RowError(column, f"harus jam HH:MM ('{text}')")
    return h * 60 + m


def _kind(values: dict[str, str], column: str) -> Kind:
    text = values.get(column, "").strip().lower() or "exponential"
    if text not in KINDS:
        raise table.RowError(column, f"harus salah satu dari {', '.join(KINDS)} ('{text}')")
    return cast(Kind, text)


@dataclass
class _QueueRows:
    settings: tuple[object, ...]
    line: int
    volume: dict[int, float] = field(default_factory=dict)
    aht: dict[int, float] = field(default_factory=dict)


def queues(rows: Sequence[table.Row], problems: list[table.Problem]
           ) -> tuple[list[Queue], int]:
    """The queues and the interval length; bad rows go to `problems`."""
    found: dict[str, _QueueRows] = {}
    step = 0
    for row in rows:
        v = row.values
        try:
            name = v.get("queue", "")
            if not name:
                raise table.RowError("queue", "wajib diisi")
            minutes = int(table.number(v, "interval_minutes", low=1, high=1440, default=15))
            if 1440 % minutes:
                raise table.RowError("interval_minutes", "harus membagi habis 1440 (sehari)")
            start = clock(v.get("interval_start", ""), "interval_start")
            if start % minutes:
                raise table.RowError("interval_start", f"bukan awal interval {minutes} menit "
                                     f"('{v['interval_start']}')")
            volume = table.number(v, "volume", low=0)
            aht = table.number(v, "aht_seconds", low=0, low_open=True)
            patience = table.number(v, "patience_seconds", low=0, low_open=True,
                                    default=float("inf"))
            settings = (minutes, table.number(v, "answer_seconds", low=0, default=20.0),
                        patience, int(table.number(v, "priority", low=1, default=1)),
                        _kind(v, "handle_distribution"),
                        table.number(v, "handle_cv", low=0, default=1.0),
                        _kind(v, "patience_distribution"),
                        table.number(v, "patience_cv", low=0, default=1.0))
            if step and minutes != step:
                raise table.RowError("interval_minutes", f"harus sama di semua baris ({step})")
            q = found.setdefault(name, _QueueRows(settings, row.line))
            if q.settings != settings:
                raise table.RowError(
                    "queue", f"pengaturan antrian '{name}' berbeda dari baris {q.line} "
                    f"({', '.join(_PER_QUEUE)} harus sama)")
            slot = start // minutes
            if slot in q.volume:
                raise table.RowError("interval_start", f"interval ganda untuk '{name}'")
        except table.RowError as exc:
            problems.append(table.Problem(row.line, str(exc)))
            continue
        step = minutes
        q.volume[slot], q.aht[slot] = volume, aht
    intervals = 1440 // step if step else 0
    out = []
    for name, q in found.items():
        _, answer, mean_patience, prio, hk, hcv, pk, pcv = q.settings
        vols = [q.volume.get(k, 0.0) for k in range(intervals)]
        default_aht = next(iter(q.aht.values()))
        ahts = [q.aht.get(k, default_aht) for k in range(intervals)]
        out.append(Queue(
            name=name, volumes=vols, aht_seconds=ahts, answer_seconds=cast(float, answer),
            patience_seconds=(None if mean_patience == float("inf")
                              else cast(float, mean_patience)),
            priority=cast(int, prio), handle=cast(Kind, hk), handle_cv=cast(float, hcv),
            patience=cast(Kind, pk), patience_cv=cast(float, pcv)))
    return out, step


def _skills(text: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for part in (p.strip() for p in text.replace(",", ";").split(";")):
        if not part:
            continue
        name, sep, prio = part.partition(":")
        try:
            level = int(prio) if sep else 1
        except ValueError:
            raise table.RowError("skills", f"prioritas skill harus bilangan ('{part}')") from None
        if level < 1 or not name.strip():
            raise table.RowError("skills", f"harus antrian:prioritas ≥ 1 ('{part}')")
        out[name.strip()] = level
    if not out:
        raise table.RowError("skills", "wajib diisi")
    return out


def _breaks(text: str, shift: Window) -> list[Window]:
    out = []
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        at, sep, length = part.partition("+")
        try:
            minutes = float(length) if sep else float("nan")
        except ValueError:
            minutes = float("nan")
        if not minutes > 0:
            raise table.RowError("breaks", f"harus HH:MM+menit ('{part}')")
        start = clock(at, "breaks")
        while start < shift.start_minute:  # the clock time inside this shift
            start += 1440
        if start + minutes > shift.end_minute:
            raise table.RowError("breaks", f"istirahat {part} di luar shift")
        out.append(Window(start, start + minutes))
    return out


def agents(rows: Sequence[table.Row], problems: list[table.Problem]) -> list[Agent]:
    found: dict[str, tuple[dict[str, int], list[Window], list[Window], int]] = {}
    for row in rows:
        v = row.values
        try:
            name = v.get("agent", "")
            if not name:
                raise table.RowError("agent", "wajib diisi")
            skills = _skills(v.get("skills", ""))
            day = int(table.number(v, "day", low=-1, high=0, default=0))
            start = clock(v.get("shift_start", ""), "shift_start") + 1440 * day
            end = clock(v.get("shift_end", ""), "shift_end") + 1440 * day
            if end <= start:
                end += 1440
            shift = Window(start, end)
            breaks = _breaks(v.get("breaks", ""), shift)
            known = found.get(name)
            if known and known[0] != skills:
                raise table.RowError("skills", f"berbeda dari baris {known[3]} untuk '{name}'")
        except table.RowError as exc:
            problems.append(table.Problem(row.line, str(exc)))
            continue
        entry = found.setdefault(name, (skills, [], [], row.line))
        entry[1].append(shift)
        entry[2].extend(breaks)
    return [Agent(name, skills, shifts, breaks)
            for name, (skills, shifts, breaks, _) in found.items()]


def day(arrival_rows: Sequence[table.Row], agent_rows: Sequence[table.Row],
        problems: list[table.Problem], agent_problems: list[table.Problem]) -> Day:
    qs, step = queues(arrival_rows, problems)
    return Day(queues=qs, agents=agents(agent_rows, agent_problems), interval_minutes=step or 15)
