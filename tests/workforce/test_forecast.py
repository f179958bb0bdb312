"""Forecasting on synthetic seasonal data whose accuracy is known in advance."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from sigap.workforce import forecast as fc

WEEK = np.array([1.15, 1.10, 1.05, 1.0, 0.95, 0.6, 0.45])  # Monday … Sunday
MONDAY = dt.date(2026, 9, 7)


def test_a_noiseless_weekly_pattern_is_forecast_almost_exactly() -> None:
    history = np.tile(WEEK, 10) * 1000
    result = fc.backtest(history, 14)
    assert result.days == 14
    assert result.wape is not None and result.wape < 0.5
    assert result.mape is not None and result.mape < 0.5


def test_poisson_noise_gives_the_accuracy_the_noise_allows() -> None:
    # Poisson counts around λ ≈ 1,000 a day: |X − λ| averages √(2λ/π), so even a perfect
    # model scores a WAPE near 2.6 %; the fitted model must come close to that floor.
    rng = np.random.default_rng(7)
    lam = np.tile(WEEK, 12) * 1000
    history = rng.poisson(lam).astype(float)
    floor = float(np.sqrt(2 * lam[-14:] / np.pi).sum() / lam[-14:].sum() * 100)
    result = fc.backtest(history, 14)
    assert result.wape is not None
    assert floor * 0.5 < result.wape < floor * 1.6


def test_a_level_shift_is_followed() -> None:
    history = np.concatenate([np.tile(WEEK, 6) * 1000, np.tile(WEEK, 4) * 1300])
    fit = fc.fit_daily(history, 7)
    assert fit.method.startswith("holt_winters")
    assert fit.values.sum() == pytest.approx(WEEK.sum() * 1300, rel=0.05)


def test_short_histories_fall_back_without_errors() -> None:
    assert fc.fit_daily(np.zeros(30), 5).values.tolist() == [0.0] * 5
    assert fc.fit_daily(np.array([]), 3).method == "zero"
    ten = np.tile(WEEK, 2)[:10] * 100
    fit = fc.fit_daily(ten, 7)
    assert fit.method == "weekday_mean"
    assert fit.values[0] == pytest.approx(ten[3])  # day 10 is a Thursday, like day 3


def test_intervals_follow_the_weekday_profile_and_special_days() -> None:
    slots = 4
    # Weekdays put 10/20/30/40 % of the day in the four slots, weekends the reverse.
    shape = {0: [0.1, 0.2, 0.3, 0.4], 1: [0.4, 0.3, 0.2, 0.1]}
    days = 84  # twelve weeks: each weekday's own history outweighs the shared prior
    volume, handled, handle = [], [], []
    for d in range(days):
        weekend = (MONDAY + dt.timedelta(days=d)).weekday() >= 5
        total = 1000 * WEEK[d % 7]
        for s in range(slots):
            v = total * shape[int(weekend)][s]
            volume.append(v)
            handled.append(v)
            handle.append(v * (200 + 100 * s))
    holiday = MONDAY + dt.timedelta(days=days + 2)  # a Wednesday
    result = fc.forecast_intervals(np.array(volume), np.array(handled), np.array(handle),
                                   MONDAY, slots, MONDAY + dt.timedelta(days=days), 7,
                                   factors={holiday: 0.5}, holdout=7)
    matrix = result.volume.reshape(7, slots)
    assert matrix[0] / matrix[0].sum() == pytest.approx([0.1, 0.2, 0.3, 0.4], abs=0.02)
    assert matrix[5] / matrix[5].sum() == pytest.approx([0.4, 0.3, 0.2, 0.1], abs=0.02)
    assert matrix[2].sum() == pytest.approx(1000 * WEEK[2] * 0.5, rel=0.02)
    assert matrix[1].sum() == pytest.approx(1000 * WEEK[1], rel=0.02)
    assert result.aht_seconds[:slots] == pytest.approx([200, 300, 400, 500])
    assert result.backtest.wape is not None and result.backtest.wape < 1


def test_accuracy_by_hand() -> None:
    result = fc.accuracy(np.array([100.0, 200.0, 0.0]), np.array([110.0, 180.0, 5.0]))
    assert result.wape == pytest.approx((10 + 20 + 5) / 300 * 100)
    assert result.mape == pytest.approx((0.1 + 0.1) / 2 * 100)


def test_days_before_the_first_traffic_are_not_history() -> None:
    # Six empty weeks (the queue had no data yet), then two weeks of a steady weekly
    # pattern: the forecast and its backtest use only the two weeks with traffic.
    slots = 2
    empty, busy = 42, 14
    daily = [0.0] * empty + [100.0 * WEEK[d % 7] for d in range(busy)]
    volume = np.repeat(np.array(daily) / slots, slots)
    result = fc.forecast_intervals(volume, volume, volume * 300, MONDAY, slots,
                                   MONDAY + dt.timedelta(days=empty + busy), 7)
    # Two weeks (< three): the mean of the same weekdays, which repeats the pattern.
    assert result.daily.method == "weekday_mean"
    assert result.volume.reshape(7, slots).sum(axis=1) == pytest.approx(
        [100.0 * w for w in WEEK])
    # The backtest holds out 14 // 4 = 3 days of the busy fortnight and forecasts them
    # from the week before: exact (the zeros would have made it 100 % wrong).
    assert result.backtest.days == 3 and result.backtest.wape == pytest.approx(0.0)
