"""RFM scores, the customer's own rhythm and segments from editable rules, by hand."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kefu.proactive.predict import PredictError
from kefu.proactive.predict.rfm import (
    DEFAULT_RULES,
    rhythm_ratio,
    scores,
    segment,
    typical_gaps,
    validate_rules,
)

CUTS = {"r": [0.5, 1.0, 2.0, 4.0], "f": [1, 2, 5, 10], "m": [100, 200, 500, 1000]}


def test_recency_is_judged_against_the_customers_own_rhythm():
    # 30 days silent: overdue for a weekly buyer, early for a quarterly one.
    ratio = rhythm_ratio([30, 30, 30], [7, 90, np.nan], fallback_gap=60)
    assert ratio.tolist() == pytest.approx([30 / 7, 1 / 3, 0.5])


def test_typical_gap_is_the_median_of_distinct_purchase_days():
    # customer 0: days 0, 10, 10, 14, 40 → gaps 10, 4, 26 → 10; customer 1: 5, 9 → 4;
    # customer 2: one purchase → NaN. Rows out of order on purpose.
    c = [0, 1, 0, 0, 2, 0, 1, 0]
    d = [14, 9, 0, 10, 3, 40, 5, 10]
    gaps = typical_gaps(c, d, 3)
    assert gaps[:2].tolist() == [10, 4] and np.isnan(gaps[2])
    assert typical_gaps([0] * 5, [0, 2, 5, 11, 20], 1).tolist() == [4.5]  # gaps 2 3 6 9


def test_scores_with_fixed_cut_points_bins_closed_on_the_right():
    s = scores([0.2, 1.0, 3.0, 9.0], [1, 2, 6, 30], [100, 150, 999, 5000], cuts=CUTS)
    assert s.r.tolist() == [5, 4, 2, 1]  # lower ratio is better; 1.0 sits in (0.5, 1.0]
    assert s.f.tolist() == [1, 2, 4, 5]
    assert s.m.tolist() == [1, 2, 4, 5]


def test_default_cut_points_are_quintiles():
    f = np.arange(1, 101)
    s = scores(np.ones(100), f, f)
    assert s.cuts["f"] == pytest.approx([20.8, 40.6, 60.4, 80.2])
    assert np.bincount(s.f).tolist() == [0, 20, 20, 20, 20, 20]


def test_segments_first_matching_rule_wins():
    s = scores([0.2, 0.2, 0.2, 3.0, 3.0, 9.0, 1.5], [30, 1, 6, 30, 6, 1, 2],
               [5000, 50, 120, 5000, 120, 50, 300], cuts=CUTS)
    assert segment(s).tolist() == ["champions", "new", "loyal", "cant_lose", "at_risk",
                                   "lost", "potential"]
    rules = [{"segment": "vip", "m": [5, 5]}, {"segment": "regular"}]
    assert segment(s, rules).tolist() == ["vip", "regular", "regular", "vip", "regular",
                                          "regular", "regular"]
    assert segment(s, [{"segment": "overdue", "ratio": [2, 100]}]).tolist() == [
        "other", "other", "other", "overdue", "overdue", "overdue", "other"]


@pytest.mark.parametrize("rules, index", [
    ([{"segment": "a", "r": [4, 5]}, {"r": [1, 2]}], 1),
    ([{"segment": "a", "x": [1, 2]}], 0),
    ([{"segment": "a", "f": [5, 1]}], 0),
    ([{"segment": "a", "f": "5"}], 0),
])
def test_bad_rules_are_named(rules, index):
    with pytest.raises(PredictError) as err:
        validate_rules(rules)
    assert err.value.code == "bad_rule" and err.value.index == index


def test_default_rules_leave_no_score_combination_unnamed():
    r, f, m = (a.ravel() for a in np.meshgrid(*[np.arange(1, 6)] * 3))
    s = scores(6 - r - 0.5, f, m, cuts={"r": [0.5, 1.5, 2.5, 3.5], "f": [1, 2, 3, 4],
                                         "m": [1, 2, 3, 4]})
    assert (s.r == r).all() and (s.f == f).all()
    assert "other" not in set(segment(s, DEFAULT_RULES))


@given(st.lists(st.tuples(st.floats(0, 50), st.integers(1, 100), st.floats(0, 1e5)),
                min_size=1, max_size=60))
def test_scores_are_within_range_and_monotone(rows):
    ratio, f, m = (np.array(c, dtype=float) for c in zip(*rows, strict=True))
    s = scores(ratio, f, m)
    for v in (s.r, s.f, s.m):
        assert ((v >= 1) & (v <= 5)).all()
    order = np.argsort(f, kind="stable")
    assert (np.diff(s.f[order]) >= 0).all()
    order = np.argsort(ratio, kind="stable")
    assert (np.diff(s.r[order]) <= 0).all()
