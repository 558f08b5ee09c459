"""Cronbach's alpha and Feldt's interval against values worked out by hand.

F quantiles come from a printed F table (F.975(3, 6) = 6.5988, F.975(6, 3) = 14.735), so
the interval is checked without asking scipy what it computes.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from kefu.analytics.stats import StatsError
from kefu.analytics.stats.reliability import (
    alpha_from_covariance,
    cronbach_alpha,
    feldt_interval,
    pairwise_covariance,
)

NaN = math.nan
# 4 respondents × 3 items
SCORES = [[1, 2, 2],
          [2, 3, 3],
          [3, 3, 4],
          [4, 5, 4]]
F975_3_6 = 6.5988  # F table, upper 2.5% point, df (3, 6)
F025_3_6 = 1 / 14.735  # the lower 2.5% point is 1 / F.975(6, 3)


def test_alpha_of_a_small_matrix_by_hand():
    # given item variances (ddof 1): item 1: 1,2,3,4 → SS 5 → 5/3; item 2: 2,3,3,5 → SS 4.75
    # → 4.75/3; item 3: 2,3,4,4 → SS 2.75 → 2.75/3; sum 12.5/3. Totals 5, 8, 10, 13 (mean 9)
    # → SS 16 + 1 + 1 + 16 = 34 → 34/3.
    expected = 3 / 2 * (1 - (12.5 / 3) / (34 / 3))  # = 129/136
    # when
    result = cronbach_alpha(SCORES)
    # then
    assert result.alpha == pytest.approx(expected) == pytest.approx(129 / 136)
    assert (result.n, result.k, result.missing, result.n_ci) == (4, 3, "listwise", 4)


def test_alpha_equals_one_minus_mse_over_ms_respondents():
    # the two-way ANOVA route: grand mean 3; SS total 14; SS rows 3 × (16+1+1+16)/9 = 34/3;
    # SS columns 4 × (0.25 + 0.0625 + 0.0625) = 1.5; SS error 14 − 34/3 − 1.5 = 7/6.
    ms_rows = (34 / 3) / 3
    ms_error = (7 / 6) / 6
    assert cronbach_alpha(SCORES).alpha == pytest.approx(1 - ms_error / ms_rows)


def test_feldt_interval_by_hand_and_its_orientation():
    # given 1 − α = 7/136, n = 4, k = 3 → df (3, 6)
    result = cronbach_alpha(SCORES)
    lower = 1 - (7 / 136) * F975_3_6  # the upper F point gives the lower bound
    upper = 1 - (7 / 136) * F025_3_6
    # then
    assert result.ci95 == pytest.approx((lower, upper), rel=1e-4)
    assert result.ci95[0] < result.alpha < result.ci95[1]
    assert result.ci95 == pytest.approx((0.6604, 0.9965), abs=1e-4)


def test_a_wider_confidence_gives_a_wider_interval():
    narrow = feldt_interval(0.8, 30, 5, confidence=0.90)
    wide = feldt_interval(0.8, 30, 5, confidence=0.99)
    assert wide[0] < narrow[0] < 0.8 < narrow[1] < wide[1]


def test_listwise_drops_the_respondent_with_a_missing_answer():
    with_gap = [*SCORES, [5, NaN, 5]]
    result = cronbach_alpha(with_gap, missing="listwise")
    assert result.alpha == pytest.approx(129 / 136) and result.n == 4


def test_pairwise_uses_every_answer_by_hand():
    # given r5 = (5, –, 5). Variances: item 1 over 5 answers 1..5 → 10/4 = 2.5; item 2 over
    # r1–r4 → 4.75/3; item 3 over 5: 2,3,4,4,5 (mean 3.6) → 5.2/4 = 1.3.
    # cov(1,2) over r1–r4: (−1.5)(−1.25) + (−.5)(−.25) + (.5)(−.25) + (1.5)(1.75) = 4.5 → 1.5
    # cov(2,3) over r1–r4: 1.5625 + .0625 − .1875 + 1.3125 = 2.75 → 2.75/3
    # cov(1,3) over r1–r5: (−2)(−1.6) + (−1)(−.6) + 0 + (1)(.4) + (2)(1.4) = 7 → 7/4
    trace = 2.5 + 4.75 / 3 + 1.3  # 323/60
    total = trace + 2 * (1.5 + 2.75 / 3 + 7 / 4)  # 823/60
    expected = 3 / 2 * (1 - trace / total)  # 750/823
    # when
    result = cronbach_alpha([*SCORES, [5, NaN, 5]], missing="pairwise")
    # then
    assert result.alpha == pytest.approx(expected) == pytest.approx(750 / 823)
    assert (result.n, result.n_ci) == (5, 4)  # the interval uses the smallest pair count
    assert result.ci95[0] == pytest.approx(1 - (73 / 823) * F975_3_6, rel=1e-4)


def test_pairwise_covariance_counts_and_values():
    cov, counts = pairwise_covariance([*SCORES, [5, NaN, 5]])
    assert counts.tolist() == [[5, 4, 5], [4, 4, 4], [5, 4, 5]]
    assert cov[0, 2] == pytest.approx(7 / 4) and cov[1, 1] == pytest.approx(4.75 / 3)


def test_pairwise_equals_listwise_on_complete_data():
    assert (cronbach_alpha(SCORES, missing="pairwise").alpha
            == pytest.approx(cronbach_alpha(SCORES).alpha))


def test_perfectly_parallel_items_give_alpha_one():
    result = cronbach_alpha([[1, 1], [2, 2], [4, 4]])
    assert result.alpha == pytest.approx(1.0) and result.ci95 == pytest.approx((1.0, 1.0))


def test_a_constant_item_is_allowed_and_lowers_alpha():
    # items 1, 2 parallel (var 1 each, cov 1), item 3 constant: trace 2, total 4
    result = cronbach_alpha([[1, 1, 3], [2, 2, 3], [3, 3, 3]])
    assert result.alpha == pytest.approx(3 / 2 * (1 - 2 / 4))


def test_alpha_from_a_covariance_matrix():
    assert alpha_from_covariance([[2, 1], [1, 2]]) == pytest.approx(2 * (1 - 4 / 6))


@pytest.mark.parametrize(("scores", "missing", "code"), [
    ([[1], [2], [3]], "listwise", "too_few_items"),
    ([[1, 2, 3]], "listwise", "too_few_respondents"),
    ([[1, 2], [NaN, 3], [4, NaN]], "listwise", "too_few_respondents"),
    ([[1, NaN], [2, NaN], [NaN, 3], [NaN, 4]], "pairwise", "too_few_respondents"),
    ([[3, 3, 3], [3, 3, 3], [3, 3, 3]], "listwise", "zero_variance"),
    ([[1, 3], [2, 2], [3, 1]], "listwise", "zero_variance"),  # the total is always 4
])
def test_clear_errors(scores, missing, code):
    with pytest.raises(StatsError) as exc:
        cronbach_alpha(scores, missing=missing)
    assert exc.value.code == code


def test_pairwise_error_names_the_items():
    with pytest.raises(StatsError) as exc:
        cronbach_alpha([[1, NaN], [2, NaN], [NaN, 3]], missing="pairwise", items=["q1", "q2"])
    assert "q1" in exc.value.message and "q2" in exc.value.message
    assert exc.value.details == {"items": ["q1", "q2"], "n": 0}


def test_unknown_missing_mode_is_refused():
    with pytest.raises(StatsError):
        cronbach_alpha(SCORES, missing="mean")
    with pytest.raises(StatsError):
        cronbach_alpha(np.array([1, 2, 3]))
