"""Log-space Poisson and incomplete-gamma ratios, the building blocks of Erlang B, C and A.

Both queue models reduce to two ratios that stay finite where their parts do not:

- `log_cdf_ratio(m, A)` = log( P[Poisson(A) ≤ m] / P[Poisson(A) = m] ), so Erlang B is
  B(n, A) = 1 / cdf_ratio(n, A) and 1/B − 1 = (n/A) · cdf_ratio(n − 1, A).
- `log_gamma_ratio(a, z)` = log( P(a, z) / (z^a e^−z / Γ(a+1)) ) = log Σ_j z^j / ((a+1)…(a+j)),
  the queue sum of the M/M/n+M (Erlang A) birth–death chain.

The point mass uses Loader's saddle-point form (Stirling error + deviance) so that it keeps
about 14 significant digits at 50,000 Erlangs, where `k log λ − λ − log k!` loses five.
Where the incomplete gamma underflows (far below the mean) the ratio is summed directly:
the terms then fall geometrically, so the sum is short.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray
from scipy import special

Float = NDArray[np.float64]

_HALF_LOG_2PI = 0.5 * np.log(2.0 * np.pi)
_TINY = 1e-280  # below this an incomplete gamma is summed as a series instead
_SERIES_CAP = 1_000_000


def _stirling_error(k: Float) -> Float:
    """log Γ(k+1) − (k + ½) log k + k − ½ log 2π, for k > 0."""
    out = np.empty_like(k)
    small = k < 15.0
    ks = k[small]
    out[small] = special.gammaln(ks + 1.0) - (ks + 0.5) * np.log(ks) + ks - _HALF_LOG_2PI
    kl = k[~small]
    inv = 1.0 / kl
    inv2 = inv * inv
    out[~small] = inv * (1 / 12 - inv2 * (1 / 360 - inv2 * (1 / 1260 - inv2 * (
        1 / 1680 - inv2 / 1188))))
    return out


def _deviance(k: Float, lam: Float) -> Float:
    """k log(k/λ) + λ − k without cancellation when k is close to λ."""
    out = np.empty_like(k)
    diff = k - lam
    near = np.abs(diff) < 0.1 * (k + lam)
    kn, ln_, dn = k[near], lam[near], diff[near]
    v = dn / (kn + ln_)
    v2 = v * v
    term = 2.0 * kn * v
    acc = dn * v
    for j in range(1, 30):
        term = term * v2
        piece = term / (2 * j + 1)
        acc = acc + piece
        if not np.any(np.abs(piece) > 1e-18 * np.abs(acc)):
            break
    out[near] = acc
    kf, lf = k[~near], lam[~near]
    out[~near] = special.xlogy(kf, kf / lf) + lf - kf
    return out


def log_point(k: Float, lam: Float) -> Float:
    """log( λ^k e^−λ / Γ(k+1) ) for real k ≥ 0 and λ > 0."""
    k = np.asarray(k, dtype=np.float64)
    lam = np.asarray(lam, dtype=np.float64)
    k, lam = np.broadcast_arrays(k, lam)
    out = np.empty(k.shape)
    zero = k == 0.0
    out[zero] = -lam[zero]
    pos = ~zero
    kp, lp = k[pos], lam[pos]
    out[pos] = (-_stirling_error(kp) - _deviance(kp, lp) - _HALF_LOG_2PI
                - 0.5 * np.log(kp))
    return out


def log_cdf_ratio(m: Float, lam: Float) -> Float:
    """log( P[Poisson(λ) ≤ m] / P[Poisson(λ) = m] ) for integer m ≥ 0 and λ > 0."""
    m, lam = np.broadcast_arrays(np.asarray(m, dtype=np.float64),
                                 np.asarray(lam, dtype=np.float64))
    cdf = special.gammaincc(m + 1.0, lam)
    out = np.empty(m.shape)
    ok = cdf > _TINY
    out[ok] = np.log(cdf[ok]) - log_point(m[ok], lam[ok])
    if not np.all(ok):
        # Σ_{j=0..m} m!/((m−j)! λ^j): far below the mean each term is at most m/λ of the last.
        mm, ll = m[~ok], lam[~ok]
        out[~ok] = _log_series(lambda j: (mm - j + 1.0) / ll, mm.shape, limit=mm)
    return out


def log_gamma_ratio(a: Float, z: Float) -> Float:
    """log Σ_{j≥0} z^j / ((a+1)(a+2)…(a+j)) = log( P(a, z) Γ(a+1) z^−a e^z ), a > 0, z ≥ 0."""
    a, z = np.broadcast_arrays(np.asarray(a, dtype=np.float64),
                               np.asarray(z, dtype=np.float64))
    out = np.zeros(a.shape)
    pos = z > 0.0
    ap, zp = a[pos], z[pos]
    lower = special.gammainc(ap, zp)
    res = np.empty(ap.shape)
    ok = lower > _TINY
    res[ok] = np.log(lower[ok]) - log_point(ap[ok], zp[ok])
    if not np.all(ok):
        # Far below the mean z/(a+j) < 1 shrinks every term.
        aa, zz = ap[~ok], zp[~ok]
        res[~ok] = _log_series(lambda j: zz / (aa + j), aa.shape, limit=None)
    out[pos] = res
    return out


def _log_series(ratio: Callable[[float], Float], shape: tuple[int, ...],
                limit: Float | None) -> Float:
    """log Σ_j t_j with t_0 = 1 and t_j = t_{j−1}·ratio(j); j ≤ limit where given."""
    total = np.ones(shape)
    term = np.ones(shape)
    for j in range(1, _SERIES_CAP):
        step = ratio(float(j))
        if limit is not None:
            step = np.where(j <= limit, step, 0.0)
        term = term * step
        total = total + term
        if not np.any(term > 1e-17 * total):
            break
    return np.log(total)
