"""Comparisons across groups against values worked out by hand.

p-values are checked through closed forms: χ² with 2 df has survival exp(−x/2), with 1 df
erfc(√(x/2)); a normal two-sided p is erfc(|z|/√2).
"""

from __future__ import annotations

import math

import pytest

from kefu.analytics.stats import StatsError
from kefu.analytics.stats.compare import (
    INSUFFICIENT,
    OK,
    chi_square_homogeneity,
    compare_csat,
    compare_means,
    compare_nps,
    compare_proportions,
    kruskal_wallis,
    nps_difference_test,
    one_way_anova,
    two_proportion_z_test,
    welch_t_test,
)
from kefu.analytics.stats.scores import nps


def test_welch_t_by_hand():
    # a 1..4: mean 2.5, var 5/3 → /4 = 5/12; b 2,4,6,8,10: mean 6, var 40/4 = 10 → /5 = 2
    se2 = 5 / 12 + 2
    t = (2.5 - 6) / math.sqrt(se2)
    df = se2**2 / ((5 / 12) ** 2 / 3 + 2**2 / 4)
    result = welch_t_test([1, 2, 3, 4], [2, 4, 6, 8, 10])
    assert result.test == "welch_t"
    assert result.statistic == pytest.approx(t) == pytest.approx(-2.251436, rel=1e-6)
    assert result.df == pytest.approx(df) == pytest.approx(5.520787, rel=1e-6)
    assert 0.05 < result.p_value < 0.1  # t.975(5) = 2.571, t.95(6) = 1.943


def test_one_way_anova_by_hand():
    # means 2, 5, 8 (grand 5): SSB 3 × (9 + 0 + 9) = 54, SSW 2 + 2 + 2 = 6
    result = one_way_anova([[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    assert result.statistic == pytest.approx((54 / 2) / (6 / 6))
    assert result.df == (2, 6)
    assert result.p_value < 0.01  # F.99(2, 6) = 10.92


def test_kruskal_wallis_by_hand():
    # ranks 1..9, rank sums 6, 15, 24: H = 12/90 × (36 + 225 + 576)/3 − 30 = 7.2
    result = kruskal_wallis([[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    assert result.statistic == pytest.approx(7.2)
    assert result.p_value == pytest.approx(math.exp(-7.2 / 2))


def test_kruskal_wallis_corrects_for_ties():
    # pooled 1, 2, 2, 2, 3, 3 → ranks 1, 3, 3, 3, 5.5, 5.5; sums 1+3+3 = 7 and 3+5.5+5.5 = 14
    # H = 12/42 × (49 + 196)/3 − 21 = 7/3; ties: 3³ − 3 + 2³ − 2 = 30 → C = 1 − 30/210
    h = (12 / 42 * (49 + 196) / 3 - 21) / (1 - 30 / 210)
    result = kruskal_wallis([[1, 2, 2], [2, 3, 3]])
    assert result.statistic == pytest.approx(h) and result.df == 1
    assert result.p_value == pytest.approx(math.erfc(math.sqrt(h / 2)))


def test_two_proportion_z_by_hand():
    # 45/50 = .9 vs 35/50 = .7; pooled .8; se √(.8 × .2 × (1/50 + 1/50)) = .08; z = 2.5
    result = two_proportion_z_test(45, 50, 35, 50)
    assert result.statistic == pytest.approx(2.5)
    assert result.p_value == pytest.approx(math.erfc(2.5 / math.sqrt(2)))


def test_two_proportions_both_at_100_percent_do_not_differ():
    result = two_proportion_z_test(10, 10, 20, 20)
    assert (result.statistic, result.p_value) == (0, 1)


def test_chi_square_by_hand():
    # 2 × 2: expected 40/10 in each row; (25/40 + 25/10) × 2 = 6.25 = z² of the z test above
    assert chi_square_homogeneity([[45, 5], [35, 15]]).statistic == pytest.approx(6.25)
    # 3 × 2: expected 5 everywhere; (9 + 9 + 0 + 0 + 9 + 9)/5 = 7.2, df 2
    result = chi_square_homogeneity([[8, 2], [5, 5], [2, 8]])
    assert result.statistic == pytest.approx(7.2) and result.df == 2
    assert result.p_value == pytest.approx(math.exp(-3.6))


def test_nps_difference_by_hand():
    # A: 3 promoters, 1 passive, 1 detractor → .4, Var (.8 − .16)/5 = .128
    # B: 1, 2, 2 → −.2, Var (.6 − .04)/5 = .112; z = .6/√.24
    result = nps_difference_test(nps([10, 10, 9, 8, 0]), nps([10, 6, 5, 8, 7]))
    assert result.statistic == pytest.approx(0.6 / math.sqrt(0.24))
    assert result.p_value == pytest.approx(math.erfc(0.6 / math.sqrt(0.24) / math.sqrt(2)))


def test_small_groups_are_flagged_not_ranked():
    # given north has 2 answers, fewer than min_n = 5
    groups = {"east": [5, 6, 6, 7, 7, 6], "west": [3, 4, 4, 5, 3, 4], "north": [7, 7]}
    # when
    result = compare_means(groups, min_n=5)
    # then
    by = {g.group: g for g in result.groups}
    assert [g.group for g in result.groups] == ["east", "west", "north"]  # order kept
    assert by["north"].status == INSUFFICIENT and by["north"].rank is None
    assert by["north"].estimate == 7  # shown, but not "the best"
    assert (by["east"].status, by["east"].rank, by["west"].rank) == (OK, 1, 2)
    assert [t.test for t in result.tests] == ["welch_t"]
    assert result.tests[0].statistic == pytest.approx(
        welch_t_test(groups["east"], groups["west"]).statistic)


def test_many_groups_get_anova_and_kruskal_wallis():
    groups = {"a": [1, 2, 3], "b": [4, 5, 6], "c": [7, 8, 9]}
    result = compare_means(groups, min_n=3)
    assert [t.test for t in result.tests] == ["anova", "kruskal_wallis"]
    assert [g.rank for g in result.groups] == [3, 2, 1]


def test_lower_is_better_for_effort_and_ties_share_a_rank():
    result = compare_means({"a": [2, 3], "b": [5, 5], "c": [2, 3]}, min_n=2,
                           higher_is_better=False)
    assert [g.rank for g in result.groups] == [1, 3, 1]


def test_no_test_with_fewer_than_two_sufficient_groups():
    result = compare_means({"a": [1, 2, 3], "b": [1]}, min_n=3)
    assert result.tests == [] and "fewer than two groups" in result.note


def test_no_test_when_nothing_varies():
    result = compare_means({"a": [4, 4], "b": [5, 5]}, min_n=2)
    assert result.tests == [] and result.note == "zero_variance"


def test_csat_by_team():
    # east 4 of 5 satisfied, west 2 of 5 → z test on 80% vs 40%
    result = compare_csat({"east": [5, 4, 4, 5, 2], "west": [1, 2, 4, 5, 3]}, min_n=5)
    assert [g.estimate for g in result.groups] == [80, 40]
    assert result.tests[0].test == "two_proportion_z"
    # pooled .6: se √(.6 × .4 × 2/5), z = .4 / se
    assert result.tests[0].statistic == pytest.approx(0.4 / math.sqrt(0.24 * 0.4))


def test_proportions_of_many_groups_use_chi_square():
    result = compare_proportions({"a": (8, 10), "b": (5, 10), "c": (2, 10)}, min_n=10)
    assert result.tests[0].test == "chi_square"
    assert result.tests[0].statistic == pytest.approx(7.2)
    assert [g.rank for g in result.groups] == [1, 2, 3]


def test_nps_by_branch():
    result = compare_nps({"east": [10, 10, 9, 8, 0], "west": [10, 6, 5, 8, 7], "new": []},
                         min_n=5)
    by = {g.group: g for g in result.groups}
    assert (by["east"].estimate, by["west"].estimate) == pytest.approx((40, -20))
    assert by["new"].status == INSUFFICIENT and by["new"].estimate is None
    assert result.tests[0].test == "nps_z"


def test_min_n_below_two_is_refused():
    with pytest.raises(StatsError):
        compare_means({"a": [1, 2]}, min_n=1)


@pytest.mark.parametrize("call", [
    lambda: welch_t_test([1], [1, 2]),
    lambda: welch_t_test([3, 3], [3, 3]),
    lambda: one_way_anova([[1, 2]]),
    lambda: kruskal_wallis([[2, 2], [2, 2]]),
    lambda: two_proportion_z_test(3, 0, 1, 2),
])
def test_undefined_tests_raise(call):
    with pytest.raises(StatsError):
        call()
