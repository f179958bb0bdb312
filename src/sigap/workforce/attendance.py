"""Attendance against the roster (issue 7 §6, D18): agents check in and out from the desk,
Desk Control corrects with a reason (audited); adherence and conformance per agent and
day from presence history; the live view of who is late, absent or out of adherence."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from sigap.auth import audit
from sigap.core.clock import utcnow
from sigap.core.errors import Conflict, InvalidInput, NotFound
from sigap.org.models import Staff
from sigap.routing import service as presence
from sigap.workforce import adherence
from sigap.workforce.models import Attendance, Roster, RosterShift, RosterStatus

LATE_GRACE = dt.timedelta(minutes=5)
ABSENT_AFTER = dt.timedelta(minutes=30)
OUT_OF_ADHERENCE_AFTER = dt.timedelta(minutes=5)
EARLY_CHECK_IN = dt.timedelta(hours=2)
WORK_MARGIN = dt.timedelta(hours=4)  # early starts and overtime around a shift


def _published_shifts(session: Session, staff_ids: list[int] | None, first: dt.date,
                      last: dt.date, site_id: int | None = None) -> list[RosterShift]:
    stmt = (select(RosterShift).join(Roster, Roster.id == RosterShift.roster_id)
            .where(Roster.status != RosterStatus.draft, RosterShift.day >= first,
                   RosterShift.day <= last).order_by(RosterShift.start_at))
    if staff_ids is not None:
        stmt = stmt.where(RosterShift.staff_id.in_(staff_ids))
    if site_id is not None:
        stmt = stmt.where(Roster.site_id == site_id)
    return list(session.scalars(stmt))


def current_shift(session: Session, staff_id: int, now: dt.datetime) -> RosterShift | None:
    """The published shift the agent is checking in for: the one under way, or the next
    one starting within two hours."""
    day = now.date()
    near = [s for s in _published_shifts(session, [staff_id], day - dt.timedelta(days=2),
                                         day + dt.timedelta(days=1))
            if s.start_at - EARLY_CHECK_IN <= now < s.end_at]
    return min(near, key=lambda s: abs((s.start_at - now).total_seconds()), default=None)


def check_in(session: Session, staff_id: int, now: dt.datetime | None = None) -> Attendance:
    now = now or utcnow()
    shift = current_shift(session, staff_id, now)
    day = shift.day if shift is not None else now.date()
    found = session.scalar(select(Attendance).where(Attendance.staff_id == staff_id,
                                                    Attendance.day == day))
    if found is not None and found.check_in is not None:
        raise Conflict("Anda sudah check-in untuk shift ini.", field="check_in")
    record = found or Attendance(staff_id=staff_id, day=day)
    record.shift_id = shift.id if shift is not None else None
    record.check_in = now
    session.add(record)
    session.flush()
    return record


def check_out(session: Session, staff_id: int, now: dt.datetime | None = None) -> Attendance:
    now = now or utcnow()
    record = session.scalar(select(Attendance).where(
        Attendance.staff_id == staff_id, Attendance.check_in.is_not(None),
        Attendance.check_out.is_(None)).order_by(Attendance.check_in.desc()).limit(1))
    if record is None:
        raise Conflict("Belum check-in; tidak ada yang bisa di-check-out.", field="check_out")
    record.check_out = now
    session.flush()
    return record


def correct(session: Session, attendance_id: int | None, staff_id: int, day: dt.date,
            check_in_at: dt.datetime | None, check_out_at: dt.datetime | None, reason: str,
            by_staff_id: int | None) -> Attendance:
    """Desk Control's correction: the times as they really were, with the reason, which
    the audit log keeps next to the change."""
    if not reason.strip():
        raise InvalidInput("Alasan koreksi wajib diisi.", field="reason")
    if check_in_at and check_out_at and check_out_at <= check_in_at:
        raise InvalidInput("Check-out harus setelah check-in.", field="check_out")
    record = session.get(Attendance, attendance_id) if attendance_id else session.scalar(
        select(Attendance).where(Attendance.staff_id == staff_id, Attendance.day == day))
    if attendance_id and record is None:
        raise NotFound(f"Kehadiran {attendance_id} tidak ditemukan.")
    if record is None:
        shifts = _published_shifts(session, [staff_id], day, day)
        record = Attendance(staff_id=staff_id, day=day,
                            shift_id=shifts[0].id if shifts else None)
        session.add(record)
    record.check_in, record.check_out = check_in_at, check_out_at
    record.corrected_by_id, record.correction_reason = by_staff_id, reason.strip()[:300]
    session.flush()
    audit.record(session, "wfm_attendance.correct", "wfm_attendance", record.id,
                 {"reason": record.correction_reason, "check_in": check_in_at,
                  "check_out": check_out_at})
    return record


@dataclass(frozen=True)
class AgentDay:
    staff_id: int
    name: str
    login_code: int
    shift: RosterShift
    attendance: Attendance | None
    result: adherence.Result


def _work_window(shift: RosterShift, neighbours: list[RosterShift],
                 now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """Where work counts for this shift's conformance: from a while before it to a while
    after it (early starts and overtime), never into the agent's shift before or after
    (yesterday's night shift is not today's work) and never past now."""
    start, end = shift.start_at - WORK_MARGIN, shift.end_at + WORK_MARGIN
    for other in neighbours:
        if other.id == shift.id:
            continue
        if other.end_at <= shift.start_at:
            start = max(start, other.end_at)
        elif other.start_at >= shift.end_at:
            end = min(end, other.start_at)
    end = min(end, now)
    return start, max(start, end)


def day_report(session: Session, day: dt.date, site_id: int | None = None,
               staff_ids: list[int] | None = None,
               now: dt.datetime | None = None) -> list[AgentDay]:
    """Adherence and conformance of every published shift that starts on `day`; a shift
    still running is measured up to now. Adherence is over the shift; the work that
    counts for conformance is the agent's ready, busy and after-call time from
    `WORK_MARGIN` before the shift to `WORK_MARGIN` after it (bounded by its other
    shifts), over the shift's working time so far (its break left out)."""
    now = now or utcnow()
    shifts = _published_shifts(session, staff_ids, day, day, site_id)
    ids = sorted({s.staff_id for s in shifts})
    if not shifts:
        return []
    around: dict[int, list[RosterShift]] = {}
    for other in _published_shifts(session, ids, day - dt.timedelta(days=1),
                                   day + dt.timedelta(days=1)):
        around.setdefault(other.staff_id, []).append(other)
    start = min(s.start_at for s in shifts) - WORK_MARGIN
    end = min(max(s.end_at for s in shifts) + WORK_MARGIN, max(now, start))
    history = presence.presence_history(session, ids, start, end)
    people = {p.id: p for p in session.scalars(select(Staff).where(Staff.id.in_(ids)))}
    records = {a.staff_id: a for a in session.scalars(select(Attendance).where(
        Attendance.staff_id.in_(ids), Attendance.day == day))}
    out = []
    for s in shifts:
        h = history[s.staff_id]
        first, last = _work_window(s, around.get(s.staff_id, []), now)
        spans = adherence.spans((h.initial_state, h.initial_reason), h.changes, start, last)
        spans = [adherence.Span(max(p.start, first), p.end, p.state, p.reason)
                 for p in spans if p.end > first]
        shift = adherence.Shift(s.start_at, max(min(s.end_at, now), s.start_at),
                                s.break_start, s.break_end)
        person = people[s.staff_id]
        out.append(AgentDay(s.staff_id, person.online_name, person.login_code, s,
                            records.get(s.staff_id), adherence.measure(shift, spans)))
    out.sort(key=lambda r: (r.result.adherence if r.result.adherence is not None else 101))
    return out


@dataclass(frozen=True)
class LiveRow:
    staff_id: int
    name: str
    login_code: int
    desk: str
    shift: RosterShift
    status: str  # late / absent / out_of_adherence / on_shift / on_break / checked_out
    state: str
    minutes: int  # how late, or how long out of adherence
    arrived_late: int = 0  # minutes past the grace the agent checked in (0: on time)
    checked_in: bool = True  # False: working (logged in) without having checked in


def live(session: Session, site_id: int | None, now: dt.datetime | None = None
         ) -> list[LiveRow]:
    """Everyone whose published shift is under way now, the problems first. Late and
    absent are those neither checked in nor logged in; an agent logged in without a check-in
    is judged by adherence (and marked), one who checked in late keeps the minutes late."""
    now = now or utcnow()
    shifts = [s for s in _published_shifts(session, None, now.date() - dt.timedelta(days=1),
                                           now.date() + dt.timedelta(days=1), site_id)
              if s.start_at <= now < s.end_at]
    ids = [s.staff_id for s in shifts]
    states = presence.current_states(session, ids)
    people = {p.id: p for p in session.scalars(select(Staff).where(Staff.id.in_(ids)))}
    records = {(a.staff_id, a.day): a for a in session.scalars(select(Attendance).where(
        Attendance.staff_id.in_(ids)))} if ids else {}
    order = {"absent": 0, "late": 1, "out_of_adherence": 2, "on_break": 3, "on_shift": 4,
             "checked_out": 5}
    rows = []
    for s in shifts:
        record = records.get((s.staff_id, s.day))
        current = states.get(s.staff_id)
        state = current.state if current is not None else "offline"
        reason = current.reason if current is not None else ""
        since = current.since if current is not None else s.start_at
        shift = adherence.Shift(s.start_at, s.end_at, s.break_start, s.break_end)
        minutes = arrived_late = 0
        checked_in = record is not None and record.check_in is not None
        if record is not None and record.check_in is not None \
                and record.check_in - s.start_at > LATE_GRACE:
            arrived_late = int((record.check_in - s.start_at).total_seconds() // 60)
        if not checked_in and state == "offline":
            late = now - s.start_at
            status = "absent" if late >= ABSENT_AFTER else \
                "late" if late > LATE_GRACE else "on_shift"
            minutes = int(late.total_seconds() // 60)
        elif record is not None and record.check_out is not None:
            status = "checked_out"
        elif not adherence.adherent(shift, state, reason, now):
            # Out of adherence since the later of the state change and the schedule change.
            edges = [t for t in (s.start_at, s.break_start, s.break_end)
                     if t is not None and t <= now]
            out_since = max([since, *edges])
            minutes = int((now - out_since).total_seconds() // 60)
            status = "out_of_adherence" if now - out_since >= OUT_OF_ADHERENCE_AFTER \
                else "on_break" if shift.on_break(now) else "on_shift"
        else:
            status = "on_break" if shift.on_break(now) else "on_shift"
        person = people[s.staff_id]
        rows.append(LiveRow(s.staff_id, person.online_name, person.login_code, s.desk, s,
                            status, state, minutes, arrived_late, checked_in))
    rows.sort(key=lambda r: (order[r.status], -r.minutes, r.name))
    return rows
