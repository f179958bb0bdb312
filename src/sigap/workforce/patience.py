"""Erlang A (M/M/n+M): callers who abandon after an exponential patience.

With arrival rate λ, handle rate μ = 1/AHT, abandonment rate θ = 1/patience, n agents and
load A = λ/μ, write a = nμ/θ and x = λ/θ. The birth–death chain gives (Palm; Mandelbaum and
Zeltyn, "Service engineering in action: the Palm/Erlang-A queue", 2007):

- queue sum S(a, x) = Σ_j x^j / ((a+1)…(a+j)) = P(a, x) Γ(a+1) x^−a e^x,
- P(wait) = S / (1/B(n, A) − 1 + S), B the Erlang B loss,
- the offered wait V of a caller who finds everyone busy: P(V > t | V > 0) =
  P(a, x e^−θt) / P(a, x) (regularised lower incomplete gamma),
- P(abandon) = P(wait) · (1 − a S(a+1, x) / ((a+1) S(a, x))).

Service level here is what the ACD reports: calls answered within T seconds ÷ calls offered
(an abandoned call never counts as answered). Integrating the offered-wait density against
the chance of still being there (e^−θv) gives it in closed form:
SL(T) = 1 − P(wait) · (1 − a/(a+1) · (S(a+1, x) − y r S(a+1, xy)) / S(a, x)), y = e^−θT,
r = y^a e^{x(1−y)}. ASA is the mean wait of the answered calls; its integral has no closed
form, so it is taken by Gauss–Legendre quadrature around the integrand's single peak.
Everything is in log space (see `poisson`), so it is finite from 0 to 50,000+ Erlangs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sigap.workforce.poisson import log_cdf_ratio, log_gamma_ratio

Float = NDArray[np.float64]

_NODES, _WEIGHTS = np.polynomial.legendre.leggauss(12)
_PANELS = 16
_DROP = 46.0  # the integrand is integrated where it is within e^−46 of its peak


@dataclass(frozen=True)
class Abandonment:
    waiting_probability: Float
    abandon_rate: Float
    service_level: Float


def erlang_a(agents: Float, load: Float, aht: Float, patience: Float,
             answer_seconds: Float) -> Abandonment:
    """Waiting probability, abandonment and service level; agents ≥ 1 and load > 0."""
    n = np.asarray(agents, dtype=np.float64)
    ratio = aht / patience  # θ/μ
    a = n / ratio
    x = load / ratio
    log_inv_b_minus_1 = np.log(n / load) + log_cdf_ratio(n - 1.0, load)
    log_s = log_gamma_ratio(a, x)
    with np.errstate(over="ignore"):  # e^x → ∞ far above the load: waiting → 0
        wait = 1.0 / (1.0 + np.exp(log_inv_b_minus_1 - log_s))
    kept = a / (a + 1.0)
    # S(a+1, x)/S(a, x) = (a+1)/x · (1 − 1/S(a, x)): no ratio of two huge numbers
    q_all = (a + 1.0) / x * -np.expm1(-log_s)
    abandon = wait * np.clip(1.0 - kept * q_all, 0.0, 1.0)

    theta_t = answer_seconds / patience
    y = np.exp(-theta_t)
    log_yr = -(a + 1.0) * theta_t - x * np.expm1(-theta_t)
    q_late = np.exp(log_yr + log_gamma_ratio(a + 1.0, x * y) - log_s)
    late = np.clip(1.0 - kept * (q_all - q_late), 0.0, 1.0)
    service = np.clip(1.0 - wait * late, 0.0, 1.0 - abandon)
    return Abandonment(waiting_probability=wait, abandon_rate=abandon, service_level=service)


def answered_asa(agents: Float, load: Float, aht: Float, patience: Float,
                 result: Abandonment) -> Float:
    """Mean wait in seconds of the calls that are answered (not of those that abandon).

    E[V; answered] = P(wait) · a / (θ S(a, x)) · ∫₀^∞ u exp(−(a+1)u + x(1 − e^−u)) du.
    """
    n = np.asarray(agents, dtype=np.float64)
    ratio = aht / patience
    a = n / ratio
    x = load / ratio
    b = a + 1.0

    def log_f(u: Float) -> Float:
        return np.log(u) - b * u - x * np.expm1(-u)

    # The log-integrand is concave; its peak solves 1/u + x e^−u = a + 1 and lies between
    # 1/(a+1) and max(2/(a+1), log(2x/(a+1))).
    lo = np.log(1.0 / b)
    hi = np.log(np.maximum(2.0 / b, np.log(np.maximum(2.0 * x / b, 1.0)) + 1.0 / b))
    for _ in range(64):
        mid = 0.5 * (lo + hi)
        u = np.exp(mid)
        rising = 1.0 / u + x * np.exp(-u) > b
        lo = np.where(rising, mid, lo)
        hi = np.where(rising, hi, mid)
    peak = np.exp(0.5 * (lo + hi))
    top = log_f(peak)

    left = _edge(log_f, top, peak, toward_zero=True)
    right = _edge(log_f, top, peak, toward_zero=False)
    width = (right - left) / _PANELS
    total = np.zeros_like(peak)
    for panel in range(_PANELS):
        start = left + panel * width
        for node, weight in zip(_NODES, _WEIGHTS, strict=True):
            u = start + 0.5 * width * (node + 1.0)
            total = total + weight * np.exp(log_f(u) - top)
    log_integral = top + np.log(0.5 * width * total)

    theta = 1.0 / patience
    log_s = log_gamma_ratio(a, x)
    waited = result.waiting_probability * a / theta * np.exp(log_integral - log_s)
    answered = 1.0 - result.abandon_rate
    return np.where(answered > 0.0, waited / np.where(answered > 0.0, answered, 1.0), np.inf)


def _edge(log_f: Callable[[Float], Float], top: Float, peak: Float, toward_zero: bool) -> Float:
    """Where log_f has fallen _DROP below its peak, on one side (bisection)."""
    if toward_zero:
        near, far = peak.copy(), peak * 1e-12
    else:
        far = peak * 2.0
        while True:
            low = log_f(far) < top - _DROP
            if np.all(low):
                break
            far = np.where(low, far, far * 2.0)
        near = peak.copy()
    for _ in range(60):
        mid = 0.5 * (near + far)
        above = log_f(mid) >= top - _DROP
        near = np.where(above, mid, near)
        far = np.where(above, far, mid)
    return np.asarray(far)
