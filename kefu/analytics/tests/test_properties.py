"""Properties that hold for any data: alpha ≤ 1, intervals contain their estimate, equal
expectation and perception give no gap, the order of respondents and items is irrelevant."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from kefu.analytics.stats import StatsError
from kefu.analytics.stats.compare import INSUFFICIENT, compare_means
from kefu.analytics.stats.reliability import cronbach_alpha
from kefu.analytics.stats.scores import mean_ci, nps_from_counts, wilson_interval
from kefu.analytics.stats.servqual import DIMENSIONS, ServqualData, analyze

likert = st.integers(min_value=1, max_value=7)


@st.composite
def matrices(draw, max_n=8, max_k=6):
    n = draw(st.integers(2, max_n))
    k = draw(st.integers(2, max_k))
    return np.array(draw(st.lists(st.lists(likert, min_size=k, max_size=k),
                                  min_size=n, max_size=n)), dtype=float)


def alpha_or_none(x, **kw):
    try:
        return cronbach_alpha(x, **kw)
    except StatsError as exc:
        assert exc.code == "zero_variance"
        return None


@given(matrices())
def test_alpha_is_at_most_one_and_inside_its_interval(x):
    result = alpha_or_none(x)
    assume(result is not None)
    assert result.alpha <= 1 + 1e-9
    lo, hi = result.ci95
    assert lo <= result.alpha + 1e-9 and result.alpha <= hi + 1e-9 and hi <= 1 + 1e-9


@given(matrices(), st.randoms(use_true_random=False))
def test_alpha_ignores_the_order_of_respondents_and_items(x, rnd):
    result = alpha_or_none(x)
    assume(result is not None)
    rows, cols = list(range(x.shape[0])), list(range(x.shape[1]))
    rnd.shuffle(rows)
    rnd.shuffle(cols)
    shuffled = cronbach_alpha(x[rows][:, cols])
    assert shuffled.alpha == pytest.approx(result.alpha, abs=1e-9)
    assert shuffled.ci95 == pytest.approx(result.ci95, abs=1e-9)


@given(matrices())
def test_pairwise_equals_listwise_without_missing_answers(x):
    listwise = alpha_or_none(x)
    assume(listwise is not None)
    pairwise = cronbach_alpha(x, missing="pairwise")
    assert pairwise.alpha == pytest.approx(listwise.alpha, abs=1e-9)
    assert pairwise.ci95 == pytest.approx(listwise.ci95, abs=1e-9)


@st.composite
def servqual_records(draw, same=False):
    """Complete answers: every respondent answers every item of 1–5 dimensions."""
    n_resp = draw(st.integers(1, 6))
    dims = draw(st.lists(st.sampled_from(DIMENSIONS), min_size=1, max_size=5, unique=True))
    items = [(f"{d}-{j}", d) for d in dims for j in range(draw(st.integers(1, 3)))]
    recs = []
    for r in range(n_resp):
        points = {d: draw(st.integers(0, 100)) for d in dims}
        for item, dim in items:
            p = draw(likert)
            recs.append({"respondent": f"r{r}", "item": item, "dimension": dim,
                         "expectation": p if same else draw(likert), "perception": p,
                         "importance": points[dim]})
    return recs


@given(servqual_records(same=True))
def test_identical_expectation_and_perception_give_no_gap(recs):
    result = analyze(ServqualData.from_records(recs))
    assert all(i.gap == 0 for i in result.items)
    assert all(d.gap == pytest.approx(0, abs=1e-12) for d in result.dimensions)
    assert result.overall.gap == pytest.approx(0, abs=1e-12)
    assert result.overall.gap_weighted in (None, pytest.approx(0, abs=1e-12))


@given(servqual_records(), st.randoms(use_true_random=False))
@settings(max_examples=50)
def test_servqual_ignores_the_order_of_rows(recs, rnd):
    first = analyze(ServqualData.from_records(recs))
    shuffled = list(recs)
    rnd.shuffle(shuffled)
    second = analyze(ServqualData.from_records(shuffled))
    left = {i.item: (i.gap, i.perception, i.n) for i in first.items}
    right = {i.item: (i.gap, i.perception, i.n) for i in second.items}
    assert left.keys() == right.keys()
    for key, value in left.items():
        assert value == pytest.approx(right[key])
    for a, b in zip(first.dimensions, second.dimensions, strict=True):
        assert (a.dimension, a.gap, a.perception) == (b.dimension, pytest.approx(b.gap),
                                                     pytest.approx(b.perception))
    assert first.overall.gap == pytest.approx(second.overall.gap)
    assert first.overall.gap_weighted == pytest.approx(second.overall.gap_weighted)


@given(servqual_records())
@settings(max_examples=50)
def test_servqual_intervals_contain_their_estimates(recs):
    result = analyze(ServqualData.from_records(recs))
    for level in (*result.items, *result.dimensions, result.overall):
        if level.gap_ci95 is not None:
            assert level.gap_ci95[0] <= level.gap + 1e-9 <= level.gap_ci95[1] + 2e-9


@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=30))
def test_a_mean_lies_in_its_interval(values):
    result = mean_ci(values)
    if result.ci95 is not None:
        slack = 1e-9 * max(1.0, abs(result.mean))
        assert result.ci95[0] - slack <= result.mean <= result.ci95[1] + slack


@given(st.integers(0, 50), st.integers(0, 50), st.integers(0, 50))
def test_nps_lies_in_its_interval_within_the_scale(promoters, passives, detractors):
    assume(promoters + passives + detractors > 0)
    result = nps_from_counts(promoters, passives, detractors)
    lo, hi = result.ci95
    assert -100 <= lo <= result.nps + 1e-9 and result.nps - 1e-9 <= hi <= 100


@given(st.integers(1, 500), st.data())
def test_wilson_contains_the_share(n, data):
    x = data.draw(st.integers(0, n))
    lo, hi = wilson_interval(x, n)
    assert 0 <= lo <= x / n + 1e-12 and x / n - 1e-12 <= hi <= 1


@given(st.dictionaries(st.text(min_size=1, max_size=3),
                       st.lists(likert, max_size=8), min_size=1, max_size=5),
       st.integers(2, 6))
def test_groups_below_min_n_are_never_ranked(groups, min_n):
    result = compare_means(groups, min_n=min_n)
    for g in result.groups:
        assert (g.rank is None) == (g.status == INSUFFICIENT)
        assert (g.n < min_n) <= (g.status == INSUFFICIENT)
    ranked = [g.rank for g in result.groups if g.rank is not None]
    assert all(1 <= r <= len(ranked) for r in ranked)
    assert not any(math.isnan(t.statistic) for t in result.tests)
