"""Properties of the staffing search (hypothesis): minimal, monotone, exact rounding."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sigap.workforce.erlang import performance, staff
from sigap.workforce.threshold import ceil_exact
from tests.workforce import reference as ref

TOL = 1e-12  # the stated tolerance of a target comparison (threshold.TARGET)

decimals2 = st.integers(0, 99).map(lambda k: Decimal(k) / 100)


@dataclass(frozen=True)
class Case:
    volume: Decimal
    interval: int
    aht: int
    sl: Decimal
    answer: int
    occ: Decimal
    patience: int | None


cases = st.builds(Case, volume=st.integers(0, 4000).map(lambda k: Decimal(k) / 10),
                  interval=st.sampled_from([15, 30, 60]), aht=st.integers(10, 900),
                  sl=decimals2, answer=st.integers(0, 120),
                  occ=st.integers(50, 100).map(lambda k: Decimal(k) / 100),
                  patience=st.one_of(st.none(), st.integers(5, 900)))


def _meets(n: int, c: Case) -> bool:
    p = performance(n, float(c.volume), c.interval, c.aht, c.answer, c.patience)
    load = Fraction(c.volume) * c.aht / (Fraction(c.interval) * 60)
    ok = float(p.service_level) >= float(c.sl) - TOL
    if c.patience is None:  # Erlang C: stable, and A/n ≤ cap in exact decimals
        return bool(ok and n > load and load <= n * Fraction(c.occ))
    return bool(ok and float(p.occupancy) <= float(c.occ) + TOL)


@settings(max_examples=300, deadline=None)
@given(cases)
def test_required_agents_is_the_minimum(c: Case) -> None:
    s = staff(float(c.volume), c.interval, c.aht, float(c.sl), c.answer,
              max_occupancy=float(c.occ), patience_seconds=c.patience)
    n = int(s.raw_agents)
    if c.volume == 0:
        assert n == 0 and int(s.agents) == 0
        return
    assert n >= 1
    assert _meets(n, c)
    assert n == 1 or not _meets(n - 1, c)


@settings(max_examples=120, deadline=None)
@given(st.integers(1, 120), st.integers(30, 600), decimals2, st.integers(0, 60))
def test_minimum_against_exact_reference(volume: int, aht: int, sl: Decimal,
                                         answer: int) -> None:
    # Erlang C only, checked with rational Erlang B/C and 50-digit exponentials.
    n = int(staff(volume, 15, aht, float(sl), answer).raw_agents)
    a = ref.load(volume, 15, aht)
    meets = [ref.service_level(k, a, Fraction(aht), Fraction(answer)) >= sl - Decimal("1e-12")
             and k > a for k in (n - 1, n)]
    assert meets == [False, True] or (n == 1 and meets[1])


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 60), st.integers(30, 600), st.integers(0, 60),
       st.one_of(st.none(), st.integers(10, 600)))
def test_more_agents_never_lower_the_service_level(n: int, aht: int, answer: int,
                                                   patience: int | None) -> None:
    agents = np.arange(1, n + 40)
    p = performance(agents, 10 * n, 15, aht, answer, patience)
    assert np.all(np.diff(p.service_level) >= -1e-12)
    assert np.all(np.diff(p.waiting_probability) <= 1e-12)


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 3000), st.integers(0, 3000), st.integers(30, 600), decimals2,
       st.one_of(st.none(), st.integers(10, 600)))
def test_monotone_in_volume(v1: int, v2: int, aht: int, sl: Decimal,
                            patience: int | None) -> None:
    low, high = sorted((v1, v2))
    s = staff(np.array([low, high]), 15, aht, float(sl), 20, shrinkage=0.25,
              patience_seconds=patience)
    assert s.raw_agents[0] <= s.raw_agents[1]
    assert s.agents[0] <= s.agents[1]


@settings(max_examples=500, deadline=None)
@given(st.integers(0, 5000), decimals2, decimals2)
def test_scheduled_agents_are_the_exact_ceiling(raw: int, planned: Decimal,
                                                unplanned: Decimal) -> None:
    productive = (1 - Fraction(planned)) * (1 - Fraction(unplanned))
    want = math.ceil(Fraction(raw) / productive)
    got = int(ceil_exact(raw / ((1 - float(planned)) * (1 - float(unplanned)))))
    assert got == want
