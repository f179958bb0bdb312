"""Adherence and conformance on a hand-made day (numbers worked out below)."""

from __future__ import annotations

import datetime as dt

import pytest

from sigap.workforce.adherence import Shift, measure, spans


def t(hhmm: str) -> dt.datetime:
    hour, minute = (int(x) for x in hhmm.split(":"))
    return dt.datetime(2026, 12, 1, hour, minute, tzinfo=dt.UTC)


SHIFT = Shift(t("08:00"), t("17:00"), t("12:00"), t("13:00"))
DAY = [(t("07:55"), "ready", ""), (t("10:00"), "aux", "toilet"), (t("10:15"), "ready", ""),
       (t("12:05"), "aux", "break"), (t("13:10"), "ready", ""), (t("16:30"), "offline", "")]


def test_a_day_with_a_late_break_and_an_early_leave() -> None:
    day = spans(("offline", ""), DAY, t("00:00"), t("23:59"))
    result = measure(SHIFT, day)
    # Scheduled 9 h = 32,400 s. In adherence: 08:00–10:00 ready (7,200), 10:15–12:00 ready
    # (6,300), 12:05–13:00 on break in the break (3,300), 13:10–16:30 ready (12,000):
    # 28,800 s. Out: the toilet (900), working into the break (300), the break overrun
    # (600), gone at 16:30 (1,800).
    assert result.scheduled_seconds == 32_400
    assert result.adherent_seconds == 28_800
    assert result.adherence == pytest.approx(88.888_888, abs=1e-4)
    # Worked (ready, busy, acw, any time): 07:55–10:00 (7,500) + 10:15–12:05 (6,600) +
    # 13:10–16:30 (12,000) = 26,100 s of 8 scheduled working hours (28,800 s).
    assert result.worked_seconds == 26_100
    assert result.work_scheduled_seconds == 28_800
    assert result.conformance == pytest.approx(90.625)


def test_a_perfect_day_and_an_absent_one() -> None:
    perfect = [(t("08:00"), "ready", ""), (t("09:00"), "busy", ""), (t("09:10"), "acw", ""),
               (t("09:12"), "ready", ""), (t("12:00"), "offline", ""),
               (t("13:00"), "ready", ""), (t("17:00"), "offline", "")]
    result = measure(SHIFT, spans(("offline", ""), perfect, t("00:00"), t("23:59")))
    assert (result.adherence, result.conformance) == (100.0, 100.0)
    absent = measure(SHIFT, spans(("offline", ""), [], t("00:00"), t("23:59")))
    # Offline all day is "in adherence" only during the break: 1 h of 9.
    assert absent.adherent_seconds == 3_600 and absent.worked_seconds == 0
    assert absent.conformance == 0.0


def test_overtime_counts_for_conformance_not_adherence() -> None:
    # Ready 06:00–19:00 without a break: 13 h worked for 8 scheduled; in adherence all of
    # the shift except its break (8 of 9 h).
    day = spans(("offline", ""), [(t("06:00"), "ready", ""), (t("19:00"), "offline", "")],
                t("00:00"), t("23:59"))
    result = measure(SHIFT, day)
    assert result.worked_seconds == 13 * 3600
    assert result.conformance == pytest.approx(13 / 8 * 100)
    assert result.adherent_seconds == 8 * 3600


def test_spans_start_from_the_state_before_the_window() -> None:
    day = spans(("ready", ""), [(t("09:00"), "offline", "")], t("08:00"), t("10:00"))
    assert [(s.start, s.end, s.state) for s in day] == [
        (t("08:00"), t("09:00"), "ready"), (t("09:00"), t("10:00"), "offline")]


def test_a_running_shift_counts_only_the_break_already_behind_it() -> None:
    # At 11:00 the 08:00–17:00 shift is measured up to now: 3 h scheduled, all of it
    # working time (the 12:00 break is still ahead). Ready 08:00–11:00 is 100 %, not the
    # 150 % a whole break taken off 3 h would give.
    running = Shift(t("08:00"), t("11:00"), t("12:00"), t("13:00"))
    day = spans(("offline", ""), [(t("08:00"), "ready", "")], t("00:00"), t("11:00"))
    result = measure(running, day)
    assert result.work_scheduled_seconds == 3 * 3600
    assert result.conformance == pytest.approx(100.0)
    # Half-way through the break (12:30): 4.5 h scheduled, 4 h of it working time.
    half = Shift(t("08:00"), t("12:30"), t("12:00"), t("13:00"))
    worked = spans(("offline", ""), [(t("08:00"), "ready", ""), (t("12:00"), "aux", "break")],
                   t("00:00"), t("12:30"))
    assert measure(half, worked).work_scheduled_seconds == 4 * 3600
    assert measure(half, worked).conformance == pytest.approx(100.0)
