"""Agents per interval with Erlang C and Erlang A, vectorised over NumPy arrays.

`staff()` is the public entry: every argument may be a scalar or an array (they broadcast),
one element per interval. It returns the exact least number of agents on the phone that
meets every target (service level X % within T seconds, ASA when given, the occupancy cap)
and the agents to schedule once shrinkage is added.

Conventions:
- load A = volume × AHT / (interval × 60) Erlangs; a zero-volume interval needs 0 agents.
- Erlang C needs n > A (otherwise the queue grows without bound); Erlang A does not.
- Shrinkage is split into planned (breaks, training, coaching: `shrinkage`) and unplanned
  (sickness, lateness: `unplanned_shrinkage`). Unplanned shrinkage applies to the time left
  after planned shrinkage, so the productive share is (1 − planned)(1 − unplanned) and the
  total is 1 − (1 − planned)(1 − unplanned) (`total_shrinkage`). Pass the total as
  `shrinkage` if it is not split.
- scheduled agents = least m with m × (1 − planned)(1 − unplanned) ≥ agents on the phone.
- The exactness rules (snapping decimal quotients, tolerant target comparisons, checking the
  integer below) are in `threshold`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from sigap.workforce import patience as erlang_a_model
from sigap.workforce.poisson import log_cdf_ratio
from sigap.workforce.threshold import at_least, at_most, ceil_exact, floor_exact, least

Float = NDArray[np.float64]
Int = NDArray[np.int64]


@dataclass(frozen=True)
class Performance:
    """What a given number of agents on the phone achieves, per interval."""

    service_level: Float  # answered within T seconds ÷ offered
    asa_seconds: Float  # mean wait of the answered calls (inf when the queue is unstable)
    occupancy: Float  # handled load ÷ agents
    waiting_probability: Float  # chance that a call has to wait at all
    abandon_rate: Float  # abandoned ÷ offered (0 under Erlang C)


@dataclass(frozen=True)
class Staffing:
    """The requirement per interval (arrays of the broadcast shape of `staff`'s inputs)."""

    raw_agents: Int  # on the phone, before shrinkage
    agents: Int  # to schedule, after shrinkage
    service_level: Float
    asa_seconds: Float
    occupancy: Float
    waiting_probability: Float
    abandon_rate: Float
    load: Float  # offered load in Erlangs


def offered_load(volume: ArrayLike, interval_minutes: ArrayLike,
                 aht_seconds: ArrayLike) -> Float:
    """Offered load in Erlangs: volume × AHT / interval length."""
    return np.asarray(np.asarray(volume, dtype=np.float64) * np.asarray(aht_seconds, float)
                      / (np.asarray(interval_minutes, dtype=np.float64) * 60.0))


def total_shrinkage(planned: ArrayLike, unplanned: ArrayLike = 0.0) -> Float:
    """1 − (1 − planned)(1 − unplanned): unplanned applies to the time planned leaves."""
    return np.asarray(1.0 - (1.0 - np.asarray(planned, float)) * (1.0 - np.asarray(unplanned,
                                                                                   float)))


def erlang_b(agents: ArrayLike, load: ArrayLike) -> Float:
    """Erlang B blocking probability B(n, A), stable for any n ≥ 0 and A ≥ 0."""
    n, a = np.broadcast_arrays(np.asarray(agents, float), np.asarray(load, float))
    out = np.where(a > 0.0, 0.0, np.where(n > 0, 0.0, 1.0))
    pos = a > 0.0
    out[pos] = np.exp(-log_cdf_ratio(n[pos], a[pos]))
    return np.asarray(out)


def erlang_c(agents: ArrayLike, load: ArrayLike) -> Float:
    """Erlang C probability of waiting; 1 when n ≤ A (unstable), 0 when A = 0."""
    n, a = np.broadcast_arrays(np.asarray(agents, float), np.asarray(load, float))
    out = np.where(a > 0.0, 1.0, 0.0)
    ok = (a > 0.0) & (n > a)
    out[ok] = _erlang_c(n[ok], a[ok])
    return np.asarray(out)


def _erlang_c(n: Float, a: Float) -> Float:
    # C = 1 / (1 + (1 − A/n)(1/B − 1)) with 1/B − 1 = (n/A)·cdf_ratio(n − 1, A): no
    # subtraction of nearly equal numbers anywhere.
    log_inv_b_minus_1 = np.log(n / a) + log_cdf_ratio(n - 1.0, a)
    with np.errstate(over="ignore"):  # e^x → ∞ far above the load: C → 0, as it should
        return np.asarray(1.0 / (1.0 + (1.0 - a / n) * np.exp(log_inv_b_minus_1)))


def performance(agents: ArrayLike, volume: ArrayLike, interval_minutes: ArrayLike,
                aht_seconds: ArrayLike, answer_seconds: ArrayLike,
                patience_seconds: ArrayLike | None = None) -> Performance:
    """Service level, ASA, occupancy, waiting and abandonment for n agents on the phone.

    Rows with a finite positive patience use Erlang A, the others Erlang C.
    """
    pat = np.inf if patience_seconds is None else patience_seconds
    n, vol, minutes, aht, answer, pat_b = np.broadcast_arrays(
        *(np.asarray(v, dtype=np.float64) for v in (agents, volume, interval_minutes,
                                                     aht_seconds, answer_seconds, pat)))
    load = offered_load(vol, minutes, aht)
    return _performance(n.ravel(), load.ravel(), aht.ravel(), answer.ravel(),
                        pat_b.ravel(), with_asa=np.ones(n.size, bool), shape=n.shape)


def _performance(n: Float, load: Float, aht: Float, answer: Float, pat: Float,
                 with_asa: NDArray[np.bool_], shape: tuple[int, ...]) -> Performance:
    size = n.size
    sl = np.ones(size)
    asa = np.zeros(size)
    occ = np.zeros(size)
    wait = np.zeros(size)
    aband = np.zeros(size)
    busy = load > 0.0
    patient = busy & (np.isnan(pat) | np.isinf(pat) | (pat <= 0.0))
    impatient = busy & ~patient

    none = busy & (n <= 0.0)  # nobody there: nothing is answered
    sl[none], asa[none], occ[none], wait[none] = 0.0, np.inf, 0.0, 1.0
    aband[none & impatient] = 1.0

    unstable = patient & (n > 0.0) & (n <= load)
    sl[unstable], asa[unstable], occ[unstable], wait[unstable] = 0.0, np.inf, 1.0, 1.0

    c = patient & (n > load)
    nc, ac = n[c], load[c]
    pw = _erlang_c(nc, ac)
    gap = (nc - ac) / aht[c]  # n μ − λ, per second
    wait[c] = pw
    sl[c] = 1.0 - pw * np.exp(-gap * answer[c])
    asa[c] = pw / gap
    occ[c] = ac / nc

    e = impatient & (n > 0.0)
    if np.any(e):
        ne, ae, he, pe = n[e], load[e], aht[e], pat[e]
        res = erlang_a_model.erlang_a(ne, ae, he, pe, answer[e])
        wait[e], aband[e], sl[e] = res.waiting_probability, res.abandon_rate, res.service_level
        occ[e] = np.minimum(ae * (1.0 - res.abandon_rate) / ne, 1.0)  # ≤ 1 exactly
        need = with_asa[e]
        asa_e = np.full(ne.size, np.nan)
        if np.any(need):
            sub = erlang_a_model.Abandonment(res.waiting_probability[need],
                                             res.abandon_rate[need], res.service_level[need])
            asa_e[need] = erlang_a_model.answered_asa(ne[need], ae[need], he[need], pe[need],
                                                      sub)
        asa[e] = asa_e
    return Performance(service_level=sl.reshape(shape), asa_seconds=asa.reshape(shape),
                       occupancy=occ.reshape(shape), waiting_probability=wait.reshape(shape),
                       abandon_rate=aband.reshape(shape))


def _check(name: str, values: Float, valid: NDArray[np.bool_], rule: str) -> None:
    if not np.all(valid):
        bad = np.flatnonzero(~np.broadcast_to(valid, values.shape).ravel())[0]
        raise ValueError(f"{name} must be {rule} (element {bad}: {values.ravel()[bad]!r})")


def staff(volume: ArrayLike, interval_minutes: ArrayLike, aht_seconds: ArrayLike,
          target_service_level: ArrayLike, target_answer_seconds: ArrayLike,
          shrinkage: ArrayLike = 0.0, max_occupancy: ArrayLike = 1.0,
          patience_seconds: ArrayLike | None = None, *,
          target_asa_seconds: ArrayLike | None = None,
          unplanned_shrinkage: ArrayLike = 0.0) -> Staffing:
    """The exact least agents per interval meeting every target (see the module notes).

    `patience_seconds` (mean patience) switches a row to Erlang A where it is finite and
    positive; NaN or inf keeps Erlang C. `target_asa_seconds` adds an ASA target (NaN: none).
    Raises ValueError naming the first invalid argument and element.
    """
    pat = np.nan if patience_seconds is None else patience_seconds
    asa_t = np.nan if target_asa_seconds is None else target_asa_seconds
    arrays = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for v in (
        volume, interval_minutes, aht_seconds, target_service_level, target_answer_seconds,
        shrinkage, max_occupancy, pat, asa_t, unplanned_shrinkage)))
    shape = arrays[0].shape
    vol, minutes, aht, t_sl, t_ans, shr, occ_cap, pat_a, t_asa, unpl = (
        a.ravel() for a in arrays)
    _check("volume", vol, np.isfinite(vol) & (vol >= 0), "a finite number ≥ 0")
    _check("interval_minutes", minutes, np.isfinite(minutes) & (minutes > 0), "> 0")
    _check("aht_seconds", aht, np.isfinite(aht) & (aht > 0), "a finite number > 0")
    _check("target_service_level", t_sl, (t_sl >= 0) & (t_sl <= 1), "between 0 and 1")
    _check("target_answer_seconds", t_ans, np.isfinite(t_ans) & (t_ans >= 0),
           "a finite number ≥ 0")
    _check("shrinkage", shr, (shr >= 0) & (shr < 1), "in [0, 1)")
    _check("unplanned_shrinkage", unpl, (unpl >= 0) & (unpl < 1), "in [0, 1)")
    _check("max_occupancy", occ_cap, (occ_cap > 0) & (occ_cap <= 1), "in (0, 1]")
    _check("patience_seconds", pat_a, np.isnan(pat_a) | (pat_a > 0), "> 0")
    _check("target_asa_seconds", t_asa, np.isnan(t_asa) | (t_asa >= 0), "≥ 0")

    load = offered_load(vol, minutes, aht)
    raw = np.zeros(load.size, dtype=np.int64)
    # an idle interval: nobody needed, nothing waits
    fields = {"service_level": np.ones(load.size), "asa_seconds": np.zeros(load.size),
              "occupancy": np.zeros(load.size), "waiting_probability": np.zeros(load.size),
              "abandon_rate": np.zeros(load.size)}
    busy = np.flatnonzero(load > 0.0)
    if busy.size:
        raw[busy], perf = _required(load[busy], aht[busy], t_sl[busy], t_ans[busy],
                                    occ_cap[busy], pat_a[busy], t_asa[busy])
        for name, values in fields.items():
            values[busy] = getattr(perf, name)
    productive = (1.0 - shr) * (1.0 - unpl)
    agents = np.where(raw > 0, ceil_exact(raw / productive), 0)
    out = {name: values.reshape(shape) for name, values in fields.items()}
    return Staffing(raw_agents=raw.reshape(shape), agents=agents.reshape(shape),
                    load=load.reshape(shape), **out)


def _required(load: Float, aht: Float, t_sl: Float, t_ans: Float, occ_cap: Float,
              pat: Float, t_asa: Float) -> tuple[Int, Performance]:
    """The least agents per row, and what they achieve."""
    impatient = np.isfinite(pat)
    has_asa = ~np.isnan(t_asa)
    # Lower bounds every smaller n fails: Erlang C needs n > A and A/n ≤ cap; under Erlang A
    # the answered share is below n/A, so the service level target needs n ≥ t·A − 1.
    lower_c = np.maximum(floor_exact(load) + 1, ceil_exact(load / occ_cap))
    lower_a = np.maximum(1, np.floor(t_sl * load).astype(np.int64) - 1)
    lower = np.where(impatient, lower_a, lower_c)
    guess = np.maximum(lower, _square_root_guess(load, aht, t_sl, t_ans, t_asa))
    # `least` only ever lowers a row's passing n, so the last passing evaluation of a row is
    # its answer: keep it instead of evaluating the answer again.
    kept = Performance(*(np.full(load.size, np.nan) for _ in range(5)))

    def meets(rows: Int, n: Int) -> NDArray[np.bool_]:
        perf = _performance(n.astype(np.float64), load[rows], aht[rows], t_ans[rows],
                            pat[rows], with_asa=has_asa[rows] & impatient[rows],
                            shape=(rows.size,))
        ok = at_least(perf.service_level, t_sl[rows])
        asa_ok = at_most(perf.asa_seconds, np.where(has_asa[rows], t_asa[rows], np.inf))
        occ_ok = at_most(perf.occupancy, occ_cap[rows]) | ~impatient[rows]
        passed = np.asarray(ok & (asa_ok | ~has_asa[rows]) & occ_ok
                            & ((n >= lower_c[rows]) | impatient[rows]))
        for name in ("service_level", "asa_seconds", "occupancy", "waiting_probability",
                     "abandon_rate"):
            getattr(kept, name)[rows[passed]] = getattr(perf, name)[passed]
        return passed

    raw = least(meets, lower, guess)
    late = np.flatnonzero(impatient & ~has_asa)  # Erlang A rows whose ASA was not needed yet
    if late.size:
        perf = _performance(raw[late].astype(np.float64), load[late], aht[late], t_ans[late],
                            pat[late], with_asa=np.ones(late.size, bool), shape=(late.size,))
        kept.asa_seconds[late] = perf.asa_seconds
    return raw, kept


def _square_root_guess(load: Float, aht: Float, t_sl: Float, t_ans: Float,
                       t_asa: Float) -> Int:
    """n ≈ A + β√A from the Halfin–Whitt approximation; only a starting point for `least`."""
    root = np.sqrt(load)
    lo = np.zeros_like(load)
    hi = np.full_like(load, 12.0)
    asa_target = np.where(np.isnan(t_asa), np.inf, t_asa)
    for _ in range(14):  # β to within 12/2¹⁴: the guess lands within an agent or two
        beta = 0.5 * (lo + hi)
        wait = 1.0 / (1.0 + beta * special.ndtr(beta) / np.exp(-0.5 * beta * beta)
                      * np.sqrt(2.0 * np.pi))
        sl = 1.0 - wait * np.exp(-beta * root * t_ans / aht)
        asa = wait * aht / np.maximum(beta * root, 1e-300)
        good = (sl >= t_sl) & (asa <= asa_target)
        hi = np.where(good, beta, hi)
        lo = np.where(good, lo, beta)
    return np.ceil(load + hi * root).astype(np.int64)
