"""Independent references for the Erlang tests: exact rationals and 50-digit decimals.

Erlang B by its textbook recursion 1/B(k) = 1 + (k/A)·1/B(k−1) in `Fraction` (exact for a
rational load), Erlang C from it, and the service level with `Decimal.exp` at 50 digits.
Nothing here shares code with `sigap.workforce`.
"""

from __future__ import annotations

from decimal import Decimal, localcontext
from fractions import Fraction


def load(volume: int | str, interval_minutes: int | str, aht_seconds: int | str) -> Fraction:
    return Fraction(volume) * Fraction(aht_seconds) / (Fraction(interval_minutes) * 60)


def erlang_b(n: int, a: Fraction) -> Fraction:
    inv = Fraction(1)
    for k in range(1, n + 1):
        inv = 1 + inv * k / a
    return 1 / inv


def erlang_c(n: int, a: Fraction) -> Fraction:
    if n <= a:
        return Fraction(1)
    b = erlang_b(n, a)
    return n * b / (n - a * (1 - b))


def _dec(x: Fraction) -> Decimal:
    return Decimal(x.numerator) / Decimal(x.denominator)


def service_level(n: int, a: Fraction, aht: Fraction, answer: Fraction) -> Decimal:
    """1 − C·exp(−(n − A)·T/AHT) at 50 significant digits."""
    with localcontext() as ctx:
        ctx.prec = 50
        if n <= a:
            return Decimal(0)
        c = _dec(erlang_c(n, a))
        return 1 - c * (-_dec((n - a) * answer / aht)).exp()


def asa(n: int, a: Fraction, aht: Fraction) -> Fraction:
    """C·AHT/(n − A), exact."""
    return erlang_c(n, a) * aht / (n - a)
