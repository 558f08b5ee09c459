"""Means, NPS, CSAT and CES against values worked out by hand.

Table values: t.975(3) = 3.182446, t.975(2) = 4.302653, z.975 = 1.959964.
"""

from __future__ import annotations

import math

import pytest

from kefu.analytics.stats import StatsError
from kefu.analytics.stats.scores import (
    ces,
    csat,
    csat_from_counts,
    mean_ci,
    mean_from_sums,
    nps,
    nps_from_counts,
    wilson_interval,
)

T975_3 = 3.182446
T975_2 = 4.302653
Z = 1.959964


def test_mean_with_its_t_interval():
    # 2, 4, 4, 6: mean 4, SS 4 + 0 + 0 + 4 = 8 → var 8/3, se √(8/3)/2
    half = T975_3 * math.sqrt(8 / 3) / 2
    result = mean_ci([2, 4, 4, 6, math.nan])  # NaN is a missing answer
    assert (result.mean, result.n) == (4, 4)
    assert result.sd == pytest.approx(math.sqrt(8 / 3))
    assert result.ci95 == pytest.approx((4 - half, 4 + half), rel=1e-6)


def test_mean_from_sums_matches_the_raw_values():
    # n 4, Σx 16, Σx² 4 + 16 + 16 + 36 = 72 → var (72 − 16²/4)/3 = 8/3
    result = mean_from_sums(4, 16, 72)
    assert result.mean == 4 and result.sd == pytest.approx(math.sqrt(8 / 3))
    assert result.ci95 == pytest.approx(mean_ci([2, 4, 4, 6]).ci95)


def test_one_value_has_a_mean_but_no_interval():
    assert mean_ci([5]).ci95 is None and mean_from_sums(1, 5, 25).ci95 is None


def test_nps_and_its_trinomial_interval():
    # promoters 10, 9, 10, 9, 10 (5); passives 8, 7 (2); detractors 6, 3, 0 (3); n 10
    # NPS 50 − 30 = 20; Var = (.5 + .3 − .2²)/10 = .076 (scores +1/0/−1: E[x²] .8 − .2²)
    half = 100 * Z * math.sqrt(0.076)
    result = nps([10, 9, 8, 7, 6, 3, 10, 0, 9, 10])
    assert result.nps == pytest.approx(20)
    assert (result.promoters, result.passives, result.detractors, result.n) == (5, 2, 3, 10)
    assert result.ci95 == pytest.approx((20 - half, 20 + half), rel=1e-6)


def test_nps_interval_is_clipped_to_the_scale():
    # 4 promoters, 1 detractor: d .6, Var (1 − .36)/5 = .128 → upper .6 + 1.96 × .358 > 1
    result = nps_from_counts(4, 0, 1)
    assert result.nps == pytest.approx(60)
    assert result.ci95 == pytest.approx((100 * (0.6 - Z * math.sqrt(0.128)), 100), rel=1e-6)


def test_csat_is_the_share_of_fours_and_fives_with_wilson():
    # 3 of 5 satisfied; z² = 3.841459; centre (.6 + z²/10)/(1 + z²/5),
    # half z/(1 + z²/5) × √(.6 × .4/5 + z²/100)
    z2 = Z * Z
    centre = (0.6 + z2 / 10) / (1 + z2 / 5)
    half = Z / (1 + z2 / 5) * math.sqrt(0.6 * 0.4 / 5 + z2 / 100)
    result = csat([5, 4, 3, 5, 2])
    assert (result.csat, result.n, result.satisfied) == (60, 5, 3)
    assert result.ci95 == pytest.approx((100 * (centre - half), 100 * (centre + half)), rel=1e-6)
    assert result.ci95 == pytest.approx((23.07, 88.24), abs=0.01)  # the published 3/5 interval


def test_wilson_at_the_edges():
    # 0 of 10: lower 0, upper (z²/n)/(1 + z²/n) = .38415/1.38415
    assert wilson_interval(0, 10) == pytest.approx((0, (Z * Z / 10) / (1 + Z * Z / 10)))
    lo, hi = wilson_interval(10, 10)
    assert hi == pytest.approx(1) and lo == pytest.approx(1 - (Z * Z / 10) / (1 + Z * Z / 10))
    assert csat_from_counts(0, 10).csat == 0


def test_ces_mean():
    # 2, 3, 4: mean 3, sd 1, se 1/√3
    result = ces([2, 3, 4])
    half = T975_2 / math.sqrt(3)
    assert result.mean == 3 and result.ci95 == pytest.approx((3 - half, 3 + half), rel=1e-6)


@pytest.mark.parametrize(("call", "code"), [
    (lambda: nps([10, 11]), "bad_value"),
    (lambda: nps([7.5]), "bad_value"),
    (lambda: nps([]), "no_data"),
    (lambda: csat([0, 5]), "bad_value"),
    (lambda: csat([math.nan]), "no_data"),
    (lambda: ces([8]), "bad_value"),
    (lambda: mean_ci([]), "no_data"),
    (lambda: mean_from_sums(0, 0, 0), "no_data"),
    (lambda: wilson_interval(6, 5), "bad_value"),
    (lambda: nps_from_counts(-1, 2, 3), "bad_value"),
    (lambda: mean_ci([1, 2], confidence=1.5), "bad_confidence"),
])
def test_bad_input_is_refused(call, code):
    with pytest.raises(StatsError) as exc:
        call()
    assert exc.value.code == code
