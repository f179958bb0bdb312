"""Forecasting (issue 7 §2), pure: daily volumes with Holt-Winters (statsmodels), spread
over the intervals of the day by weekday × interval profiles; special days as factors; a
backtest that scores a method on the last days of its own history (WAPE, MAPE).

Nothing here reads the database; `workforce.service` feeds it history and stores results.
"""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

WEEK = 7
FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class DailyFit:
    values: FloatArray  # one forecast volume per day, never negative
    method: str
    params: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Accuracy:
    wape: float | None  # percent: Σ|actual − forecast| / Σ actual
    mape: float | None  # percent: mean |actual − forecast| / actual over days with traffic
    days: int


def _weekday_means(history: FloatArray, horizon: int) -> FloatArray:
    n = len(history)
    out = np.empty(horizon)
    for h in range(horizon):
        same = history[(n + h) % WEEK::WEEK] if n >= WEEK else history
        # The last four same weekdays: recent enough to follow a level change.
        out[h] = float(np.mean(same[-4:])) if len(same) else 0.0
    return out


def fit_daily(history: FloatArray, horizon: int) -> DailyFit:
    """Holt-Winters with a weekly season when there are at least three weeks of history
    (multiplicative when every day had traffic, additive otherwise; a damped trend from
    eight weeks on); the mean of the same weekdays below that; zeros without history."""
    history = np.asarray(history, dtype=float)
    n = len(history)
    if horizon <= 0:
        return DailyFit(np.zeros(0), "none")
    if n == 0 or not history.any():
        return DailyFit(np.zeros(horizon), "zero")
    if n < 3 * WEEK:
        return DailyFit(np.maximum(_weekday_means(history, horizon), 0.0), "weekday_mean")
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    seasonal = "mul" if history.min() > 0 else "add"
    trend = "add" if n >= 8 * WEEK else None
    model = ExponentialSmoothing(history, trend=trend, damped_trend=trend is not None,
                                 seasonal=seasonal, seasonal_periods=WEEK,
                                 initialization_method="estimated")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter; the backtest judges the fit
        result = model.fit(optimized=True)
    values = np.asarray(result.forecast(horizon), dtype=float)
    if not np.all(np.isfinite(values)):
        return DailyFit(np.maximum(_weekday_means(history, horizon), 0.0), "weekday_mean")
    params = {k: float(v) for k, v in result.params.items()
              if k in ("smoothing_level", "smoothing_trend", "smoothing_seasonal",
                       "damping_trend") and v is not None and np.isfinite(v)}
    name = f"holt_winters_{seasonal}" + ("_damped" if trend else "")
    return DailyFit(np.maximum(values, 0.0), name, params)


def accuracy(actual: FloatArray, forecast: FloatArray) -> Accuracy:
    actual, forecast = np.asarray(actual, float), np.asarray(forecast, float)
    total = actual.sum()
    wape = float(np.abs(actual - forecast).sum() / total * 100) if total > 0 else None
    busy = actual > 0
    mape = float(np.mean(np.abs(actual[busy] - forecast[busy]) / actual[busy]) * 100) \
        if busy.any() else None
    return Accuracy(wape, mape, len(actual))


def backtest(history: FloatArray, holdout: int) -> Accuracy:
    """Fit on all but the last `holdout` days, score the forecast of those days."""
    history = np.asarray(history, float)
    if holdout <= 0 or len(history) <= holdout:
        return Accuracy(None, None, 0)
    fit = fit_daily(history[:-holdout], holdout)
    return accuracy(history[-holdout:], fit.values)


def weekday_profile(volume: FloatArray, first_day: dt.date, slots: int,
                    prior: float = 0.25) -> FloatArray:
    """Share of a day's volume in each interval, per weekday (7 × slots, rows sum to 1).

    A weekday's own profile is shrunk towards the all-days profile by `prior` pseudo-days
    against its own days with traffic (one own day: 20 %; twelve: 2 %), so a weekday with
    little history leans on the others; without any history the day is flat."""
    days = len(volume) // slots
    matrix = np.asarray(volume[:days * slots], float).reshape(days, slots)
    overall = matrix.sum(axis=0)
    overall = overall / overall.sum() if overall.sum() > 0 else np.full(slots, 1.0 / slots)
    out = np.empty((WEEK, slots))
    for weekday in range(WEEK):
        rows = [d for d in range(days) if (first_day + dt.timedelta(days=d)).weekday() == weekday
                and matrix[d].sum() > 0]
        if not rows:
            out[weekday] = overall
            continue
        own = matrix[rows].sum(axis=0)
        shrink = prior / (len(rows) + prior)
        out[weekday] = (1 - shrink) * own / own.sum() + shrink * overall
    return out


def weekday_aht(handled: FloatArray, handle_seconds: FloatArray, first_day: dt.date,
                slots: int, default: float) -> FloatArray:
    """Average handle time per weekday × interval; an interval without handled contacts
    takes that interval's all-days average, then the overall one, then `default`."""
    days = len(handled) // slots
    n = np.asarray(handled[:days * slots], float).reshape(days, slots)
    s = np.asarray(handle_seconds[:days * slots], float).reshape(days, slots)
    overall = float(s.sum() / n.sum()) if n.sum() > 0 else default
    by_slot = np.where(n.sum(axis=0) > 0, s.sum(axis=0) / np.maximum(n.sum(axis=0), 1e-9),
                       overall)
    out = np.empty((WEEK, slots))
    for weekday in range(WEEK):
        rows = [d for d in range(days) if (first_day + dt.timedelta(days=d)).weekday() == weekday]
        count = n[rows].sum(axis=0) if rows else np.zeros(slots)
        total = s[rows].sum(axis=0) if rows else np.zeros(slots)
        out[weekday] = np.where(count > 0, total / np.maximum(count, 1e-9), by_slot)
    return out


@dataclass(frozen=True)
class IntervalForecast:
    daily: DailyFit
    volume: FloatArray  # days × slots, flattened
    aht_seconds: FloatArray
    backtest: Accuracy


def forecast_intervals(volume: FloatArray, handled: FloatArray, handle_seconds: FloatArray,
                       history_first: dt.date, slots: int, first_day: dt.date, days: int,
                       factors: dict[dt.date, float] | None = None,
                       default_aht: float = 300.0, holdout: int | None = None
                       ) -> IntervalForecast:
    """The whole forecast of one queue from its interval history.

    Special days (`factors`) are divided out of the history before fitting and multiplied
    into the forecast days; the backtest is on the (normalised) daily series from the
    first day with traffic."""
    factors = factors or {}
    history_days = len(volume) // slots
    daily = np.asarray(volume[:history_days * slots], float).reshape(history_days, slots) \
        .sum(axis=1)
    normal = np.array([daily[d] / factors.get(history_first + dt.timedelta(days=d), 1.0)
                       for d in range(history_days)]) if history_days else np.zeros(0)
    gap = (first_day - (history_first + dt.timedelta(days=history_days))).days
    # Days before the queue's first traffic (no data yet, a queue opened later) are not a
    # history of zeros: fitting and scoring on them would forecast and judge a dead queue.
    busy = np.flatnonzero(normal > 0)
    normal = normal[busy[0]:] if len(busy) else normal
    fit = fit_daily(normal, max(0, gap) + days)
    ahead = fit.values[max(0, gap):]
    profile = weekday_profile(volume, history_first, slots)
    aht = weekday_aht(handled, handle_seconds, history_first, slots, default_aht)
    out_volume, out_aht = np.empty(days * slots), np.empty(days * slots)
    for d in range(days):
        day = first_day + dt.timedelta(days=d)
        total = ahead[d] * factors.get(day, 1.0)
        out_volume[d * slots:(d + 1) * slots] = total * profile[day.weekday()]
        out_aht[d * slots:(d + 1) * slots] = aht[day.weekday()]
    hold = holdout if holdout is not None else min(14, len(normal) // 4)
    return IntervalForecast(fit, out_volume, out_aht, backtest(normal, hold))
