"""The selectors' fast forms of the interval formulas give the same numbers as
``kefu.analytics.stats.scores`` (which is tested against hand-computed values)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kefu.analytics.selectors._common import mean, mean_ci, nps_ci, wilson
from kefu.analytics.stats import scores


@given(st.lists(st.integers(-6, 7), min_size=1, max_size=200))
def test_mean_ci_equals_stats(values):
    n, total, squares = len(values), float(sum(values)), float(sum(v * v for v in values))
    m, ci = mean_ci(n, total, squares)
    ref = scores.mean_from_sums(n, total, squares)
    assert m == pytest.approx(ref.mean)
    if ref.ci95 is None:
        assert ci is None
    else:
        assert ci == pytest.approx(ref.ci95, abs=1e-9)


@given(st.integers(1, 5000), st.data())
def test_wilson_equals_stats(n, data):
    x = data.draw(st.integers(0, n))
    assert wilson(x, n) == pytest.approx(scores.wilson_interval(x, n), abs=1e-12)


@given(st.integers(0, 300), st.integers(0, 300), st.integers(0, 300))
def test_nps_equals_stats(p, q, d):
    if p + q + d == 0:
        return
    value, ci = nps_ci(p, q, d)
    ref = scores.nps_from_counts(p, q, d)
    assert value == pytest.approx(ref.nps)
    assert ci == pytest.approx(ref.ci95, abs=1e-9)


def test_hand_computed_mean():
    # 2, 4, 6: mean 4, sd 2, t(0.975; 2) = 4.302653 → 4 ± 4.302653 · 2/√3 = ±4.9683
    got = mean(3, 12.0, 56.0)
    assert got["mean"] == 4.0 and got["n"] == 3
    assert got["ci95"] == pytest.approx([4 - 4.9683, 4 + 4.9683], abs=1e-4)
    assert mean(0, 0, 0) is None and mean(1, 5.0, 25.0)["ci95"] is None
