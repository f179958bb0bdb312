"""Erlang C and Erlang B against published values, exact rationals and large loads."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

from sigap.workforce.erlang import erlang_b, erlang_c, performance, staff, total_shrinkage
from tests.workforce import reference as ref


def test_published_call_calc_examples() -> None:
    # Footbridge "Call Calc" application note (al911.org/qos_calc.htm): 2 call takers,
    # 30 calls/hour of 60 s → "fewer than 8 percent" wait more than 10 s; with 80 s calls
    # "the QOS falls to 14 percent". Exactly: C = 1/10 and C = 1/6.
    for aht, c_exact, late in ((60, Fraction(1, 10), 0.0779), (80, Fraction(1, 6), 0.1411)):
        p = performance(2, 30, 60, aht, 10)
        assert float(p.waiting_probability) == pytest.approx(float(c_exact), rel=1e-14)
        assert 1 - float(p.service_level) == pytest.approx(late, abs=5e-5)


def test_published_pyworkforce_readme_example() -> None:
    # pyworkforce's README: 100 transactions in 30 minutes, AHT 3 min, 80 % in 20 s,
    # shrinkage 0.3 → raw 14, positions 20, SL 0.8883500191794669, Pw 0.1741319335950498.
    s = staff(100, 30, 180, 0.8, 20, shrinkage=0.3)
    assert (int(s.raw_agents), int(s.agents)) == (14, 20)
    assert float(s.service_level) == pytest.approx(0.8883500191794669, rel=1e-13)
    assert float(s.waiting_probability) == pytest.approx(0.1741319335950498, rel=1e-13)
    assert float(s.occupancy) == pytest.approx(10 / 14)


@pytest.mark.parametrize(("trunks", "erlangs"), [(1, 0.01), (5, 1.36), (10, 4.46), (20, 12.03),
                                                 (50, 37.90), (100, 84.06)])
def test_erlang_b_table_at_one_percent(trunks: int, erlangs: float) -> None:
    # The standard Erlang B traffic table at a 1 % grade of service (loads printed to two
    # decimals, hence the band).
    assert 0.0095 <= float(erlang_b(trunks, erlangs)) <= 0.0105


def test_against_exact_rational_arithmetic() -> None:
    rows = [(n, vol, aht, answer) for n in (1, 2, 3, 7, 15, 40)
            for vol in (1, 9, 37, 100, 250) for aht in (30, 180, 420) for answer in (0, 20, 60)]
    ns = np.array([r[0] for r in rows])
    vol = np.array([r[1] for r in rows])
    aht = np.array([r[2] for r in rows])
    ans = np.array([r[3] for r in rows])
    p = performance(ns, vol, 15, aht, ans)
    for i, (n, v, h, t) in enumerate(rows):
        a = ref.load(v, 15, h)
        want_c = ref.erlang_c(n, a)
        assert float(p.waiting_probability[i]) == pytest.approx(float(want_c), rel=1e-13)
        if n > a:
            assert float(p.service_level[i]) == pytest.approx(
                float(ref.service_level(n, a, Fraction(h), Fraction(t))), rel=1e-13, abs=1e-15)
            assert float(p.asa_seconds[i]) == pytest.approx(float(ref.asa(n, a, Fraction(h))),
                                                            rel=1e-13)
            assert float(p.occupancy[i]) == pytest.approx(float(a / n), rel=1e-15)
        else:
            assert float(p.service_level[i]) == 0.0 and math.isinf(p.asa_seconds[i])


def _decimal_c(n: int, a: Decimal) -> Decimal:
    inv = Decimal(1)
    for k in range(1, n + 1):
        inv = 1 + inv * k / a
    b = 1 / inv
    return n * b / (n - a * (1 - b))


@pytest.mark.parametrize("erlangs", [1000, 12_345.5, 50_000, 80_000])
def test_large_loads_are_finite_and_exact(erlangs: float) -> None:
    # 50,000 Erlangs is 3 million 15-minute calls of 300 s: no overflow, and the answer is
    # within the square-root staffing band A + β√A (Halfin–Whitt, β < 3 for 80/20).
    volume = erlangs * 900 / 300
    s = staff(volume, 15, 300, 0.8, 20)
    n = int(s.raw_agents)
    assert erlangs < n < erlangs + 3 * math.sqrt(erlangs)
    assert np.isfinite([s.service_level, s.asa_seconds, s.waiting_probability]).all()
    # the decimal recursion (40 digits) confirms n meets 80/20 and n − 1 does not
    from decimal import localcontext

    with localcontext() as ctx:
        ctx.prec = 40
        a = Decimal(repr(erlangs))
        for agents, meets in ((n, True), (n - 1, False)):
            c = _decimal_c(agents, a)
            sl = 1 - c * (-(agents - a) * 20 / Decimal(300)).exp()
            assert (sl >= Decimal("0.8")) is meets
            if agents == n:
                assert float(c) == pytest.approx(float(s.waiting_probability), rel=1e-12)


def test_zero_volume_needs_nobody() -> None:
    s = staff(np.array([0.0, 10.0, 0.0]), 15, 300, 0.9, 10, shrinkage=0.4, max_occupancy=0.8,
              patience_seconds=np.array([60.0, np.nan, 30.0]))
    assert s.raw_agents.tolist()[0::2] == [0, 0]
    assert s.agents.tolist()[0::2] == [0, 0]
    assert s.service_level[0] == 1.0 and s.asa_seconds[0] == 0.0 and s.occupancy[0] == 0.0
    assert s.raw_agents[1] >= 1


def test_tiny_load_finds_one_agent() -> None:
    # pyworkforce starts at round(A + 1) = 2 here; one agent already gives 93 %.
    s = staff(1, 15, 60, 0.8, 20)
    assert int(s.raw_agents) == 1
    assert float(erlang_c(1, 1 * 60 / 900)) == pytest.approx(1 / 15)


def test_shrinkage_landing_on_an_integer() -> None:
    # A = 20 exactly, no SL target: 21 on the phone; 21 / (1 − 0.3) is 30.000000000000004 in
    # binary floating point, but 30 × 0.7 = 21 exactly: 30 agents, not 31.
    s = staff(100, 15, 180, 0.0, 0, shrinkage=0.3)
    assert (int(s.raw_agents), int(s.agents)) == (21, 30)


def test_occupancy_cap_landing_on_an_integer() -> None:
    # A = 4.2 and a cap of 0.7: 4.2 / 0.7 is 6.000000000000001 in floating point, and
    # 6 agents are exactly 70 % occupied.
    s = staff(21, 15, 180, 0.0, 0, max_occupancy=0.7)
    assert int(s.raw_agents) == 6
    assert float(s.occupancy) == pytest.approx(0.7)


def test_service_level_target_met_exactly() -> None:
    # M/M/1 with T = 0: SL = 1 − A. A = 0.07 gives 0.9299999999999999 in floating point;
    # the target 0.93 is met exactly, so one agent suffices.
    s = staff(1.05, 15, 60, 0.93, 0)
    assert int(s.raw_agents) == 1


def test_asa_target_met_exactly() -> None:
    # M/M/1, A = 0.5, AHT 60 s: ASA = C·AHT/(1 − A) = 0.5·60/0.5 = 60 s exactly.
    s = staff(7.5, 15, 60, 0.0, 0, target_asa_seconds=60)
    assert int(s.raw_agents) == 1
    s = staff(7.5, 15, 60, 0.0, 0, target_asa_seconds=59.99)
    assert int(s.raw_agents) == 2


def test_planned_and_unplanned_shrinkage_combine() -> None:
    assert float(total_shrinkage(0.2, 0.1)) == pytest.approx(0.28)
    split = staff(400, 30, 240, 0.8, 20, shrinkage=0.2, unplanned_shrinkage=0.1)
    raw = int(split.raw_agents)
    # least m with m × 0.8 × 0.9 ≥ raw, in exact decimals
    productive = Fraction("0.8") * Fraction("0.9")
    assert int(split.agents) == math.ceil(Fraction(raw) / productive)


def test_broadcasting_and_shapes() -> None:
    s = staff(np.array([[10, 20], [30, 40]]), 15, np.array([180, 240]), 0.8, 20)
    assert s.raw_agents.shape == (2, 2) and s.agents.dtype == np.int64
    assert staff(5, 15, 180, 0.8, 20).raw_agents.shape == ()


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"volume": -1}, "volume"), ({"aht_seconds": 0}, "aht_seconds"),
    ({"target_service_level": 1.5}, "target_service_level"), ({"shrinkage": 1.0}, "shrinkage"),
    ({"max_occupancy": 0}, "max_occupancy"), ({"interval_minutes": 0}, "interval_minutes"),
    ({"patience_seconds": -5}, "patience_seconds"), ({"volume": float("nan")}, "volume"),
])
def test_invalid_input_names_the_argument(kwargs: dict[str, float], name: str) -> None:
    args: dict[str, float] = {"volume": 10, "interval_minutes": 15, "aht_seconds": 180,
                              "target_service_level": 0.8, "target_answer_seconds": 20}
    args.update(kwargs)
    with pytest.raises(ValueError, match=name):
        staff(**args)  # type: ignore[arg-type]


def test_fifty_thousand_erlangs_without_numeric_warnings() -> None:
    import warnings

    # 500,000 calls of 180 s in 30 minutes = 50,000 Erlangs (and a zero-volume interval).
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an overflow warning fails the test
        c = staff([0, 500_000], 30, 180, 0.8, 20, 0.3, 0.85)
        a = staff([500_000], 30, 180, 0.8, 20, 0.3, 0.85, patience_seconds=120)
    # The 85 % occupancy cap binds: ⌈50,000 / 0.85⌉ = 58,824 on the floor,
    # ⌈58,824 / 0.7⌉ = 84,035 scheduled.
    assert list(c.raw_agents) == [0, 58_824] and list(c.agents) == [0, 84_035]
    assert int(a.raw_agents[0]) == 58_824
