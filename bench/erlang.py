"""Staffing a week: 200 queues × 96 intervals × 7 days = 134,400 rows, Sigap vs pyworkforce.

The week is deterministic (seed 2026): each queue has a size (peak volume up to 2,000 calls
per 15 minutes), a daily curve (quiet nights with zero-volume intervals, two peaks), a
weekday factor and ±10 % noise; AHT 180–600 s; targets mixed (70/80/90 % within
10/20/30/60 s), shrinkage 25–35 %, occupancy cap 85 %, 90 % or none.

Sigap staffs every row with `sigap.workforce.erlang.staff` (best of three runs) and checks
its own answer on every row: n meets every target and n − 1 does not. pyworkforce
(ErlangC.required_positions, row by row in pure Python) is too slow for the whole week, so
it is timed on an evenly spaced sample of rows (--sample); its rows/s is the sample's.
Where the two differ, a 40-digit decimal Erlang C decides which answer is the minimum.

    .venv/bin/python bench/erlang.py [--sample 2000] [--erlang-a]
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from decimal import Decimal, localcontext
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from sigap.workforce.erlang import performance, staff

QUEUES, INTERVALS, DAYS = 200, 96, 7


def week() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(2026)
    slot = np.arange(INTERVALS)
    hour = slot / 4.0
    curve = (np.exp(-0.5 * ((hour - 10.5) / 2.2) ** 2)
             + 0.8 * np.exp(-0.5 * ((hour - 19.5) / 2.5) ** 2))
    curve = np.where((hour >= 1) & (hour < 5), 0.0, curve)  # nights without calls
    curve = curve / curve.max()
    weekday = np.array([1.0, 0.95, 0.92, 0.93, 0.97, 0.75, 0.6])
    peak = rng.uniform(5, 2000, QUEUES)
    shape = (QUEUES, DAYS, INTERVALS)
    noise = rng.uniform(0.9, 1.1, shape)
    volume = np.clip(np.rint(peak[:, None, None] * weekday[None, :, None]
                             * curve[None, None, :] * noise), 0, 2000)
    per_queue = lambda values: np.broadcast_to(  # noqa: E731
        rng.choice(values, QUEUES)[:, None, None], shape)
    return {
        "volume": volume.ravel(),
        "aht": per_queue(np.arange(180, 601, 15)).ravel().astype(float),
        "sl": per_queue([0.7, 0.8, 0.9]).ravel(),
        "answer": per_queue([10, 20, 30, 60]).ravel().astype(float),
        "shrinkage": per_queue([0.25, 0.3, 0.35]).ravel(),
        "occupancy": per_queue([0.85, 0.9, 1.0]).ravel(),
    }


def sigap(w: dict[str, np.ndarray], patience: float | None) -> tuple[float, object]:
    best, result = math.inf, None
    for _ in range(3):
        start = time.perf_counter()
        result = staff(w["volume"], 15, w["aht"], w["sl"], w["answer"], w["shrinkage"],
                       w["occupancy"], patience)
        best = min(best, time.perf_counter() - start)
    return best, result


def self_check(w: dict[str, np.ndarray], raw: np.ndarray, patience: float | None) -> int:
    """Rows where n fails a target or n − 1 meets them all (must be 0)."""
    def meets(n: np.ndarray) -> np.ndarray:
        p = performance(n, w["volume"], 15, w["aht"], w["answer"], patience)
        load = w["volume"] * w["aht"] / 900.0
        ok = p.service_level >= w["sl"] - 1e-12
        if patience is None:
            ok &= (n > load) & (n * w["occupancy"] >= load * (1 - 1e-12))
        else:
            ok &= p.occupancy <= w["occupancy"] + 1e-12
        return np.asarray(ok)

    busy = w["volume"] > 0
    bad = busy & ~meets(raw)
    bad |= busy & (raw > 1) & meets(np.maximum(raw - 1, 1))
    bad |= ~busy & (raw != 0)
    return int(bad.sum())


def decimal_meets(n: int, volume: float, aht: float, sl: float, answer: float,
                  occ: float) -> bool:
    with localcontext() as ctx:
        ctx.prec = 40
        a = Decimal(repr(float(volume))) * Decimal(repr(float(aht))) / 900
        if n <= a or n * Decimal(repr(float(occ))) < a:
            return False
        inv = Decimal(1)
        for k in range(1, n + 1):
            inv = 1 + inv * k / a
        b = 1 / inv
        c = n * b / (n - a * (1 - b))
        level = 1 - c * (-(n - a) * Decimal(repr(float(answer))) / Decimal(repr(float(aht)))).exp()
        return level >= Decimal(repr(float(sl))) - Decimal("1e-12")


def pyworkforce(w: dict[str, np.ndarray], rows: np.ndarray, raw: np.ndarray,
                agents: np.ndarray) -> float | None:
    """pyworkforce's rows/s on the sample (None when it is not installed)."""
    try:
        from pyworkforce.queuing import ErlangC
    except ImportError:
        print("pyworkforce: not installed (pip install pyworkforce) — skipped")
        return None
    answers: dict[int, tuple[int, int]] = {}
    zero = 0
    start = time.perf_counter()
    for i in rows:
        if w["volume"][i] <= 0:
            zero += 1  # pyworkforce raises on zero transactions
            continue
        r = ErlangC(transactions=w["volume"][i], aht=w["aht"][i] / 60, asa=w["answer"][i] / 60,
                    interval=15, shrinkage=w["shrinkage"][i]).required_positions(
            service_level=w["sl"][i], max_occupancy=w["occupancy"][i])
        answers[int(i)] = (int(r["raw_positions"]), int(r["positions"]))
    elapsed = time.perf_counter() - start
    rate = len(answers) / elapsed
    print(f"pyworkforce: {len(answers):,} sampled rows (non-zero volume) in {elapsed:.2f} s "
          f"→ {rate:,.0f} rows/s; {zero} zero-volume rows it rejects (ValueError)")
    differ = [i for i, (r, a) in answers.items() if (r, a) != (raw[i], agents[i])]
    sigap_min = pw_min = 0
    for i in differ:
        args = (w["volume"][i], w["aht"][i], w["sl"][i], w["answer"][i], w["occupancy"][i])
        n = int(raw[i])
        sigap_ok = decimal_meets(n, *args) and (n == 1 or not decimal_meets(n - 1, *args))
        p_raw, p_agents = answers[i]
        pw_ok = decimal_meets(p_raw, *args) and (p_raw == 1
                                                 or not decimal_meets(p_raw - 1, *args))
        productive = 1 - Decimal(repr(float(w["shrinkage"][i])))
        sigap_ok &= agents[i] * productive >= n > (agents[i] - 1) * productive
        pw_ok &= p_agents * productive >= p_raw > (p_agents - 1) * productive
        sigap_min += sigap_ok
        pw_min += pw_ok
    print(f"rows where they differ: {len(differ)} of {len(answers):,}; exact minimum there "
          f"(40-digit check): Sigap {sigap_min}, pyworkforce {pw_min}")
    for i in differ[:8]:
        print(f"  row {i}: volume {w['volume'][i]:.0f}, AHT {w['aht'][i]:.0f} s, "
              f"{w['sl'][i]:.0%}/{w['answer'][i]:.0f} s, shrinkage {w['shrinkage'][i]:.2f}, "
              f"occupancy ≤ {w['occupancy'][i]:.2f}: Sigap {raw[i]}/{agents[i]}, "
              f"pyworkforce {answers[i][0]}/{answers[i][1]} (raw/scheduled)")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sample", type=int, default=2000, help="pyworkforce rows to time")
    parser.add_argument("--erlang-a", action="store_true",
                        help="also staff the week with Erlang A (patience 120 s)")
    args = parser.parse_args()
    w = week()
    rows = len(w["volume"])
    print(f"week: {rows:,} rows ({QUEUES} queues × {INTERVALS} intervals × {DAYS} days), "
          f"volume 0–{w['volume'].max():.0f} per 15 min, {int((w['volume'] == 0).sum()):,} "
          f"zero-volume rows, load up to {(w['volume'] * w['aht']).max() / 900:,.0f} Erlangs")
    elapsed, result = sigap(w, None)
    raw = np.asarray(result.raw_agents)  # type: ignore[attr-defined]
    agents = np.asarray(result.agents)  # type: ignore[attr-defined]
    rate = rows / elapsed
    print(f"Sigap Erlang C: {elapsed:.3f} s → {rate:,.0f} rows/s; rows not exact: "
          f"{self_check(w, raw, None)}")
    if args.erlang_a:
        elapsed_a, result_a = sigap(w, 120.0)
        raw_a = np.asarray(result_a.raw_agents)  # type: ignore[attr-defined]
        print(f"Sigap Erlang A (patience 120 s): {elapsed_a:.3f} s → {rows / elapsed_a:,.0f} "
              f"rows/s; rows not exact: {self_check(w, raw_a, 120.0)}")
    sample = np.linspace(0, rows - 1, min(args.sample, rows)).astype(np.int64)
    theirs = pyworkforce(w, sample, raw, agents)
    if theirs:
        print(f"speed ratio Sigap / pyworkforce: {rate / theirs:,.0f}×")


if __name__ == "__main__":
    main()
