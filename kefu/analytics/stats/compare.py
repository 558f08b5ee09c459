"""Comparisons across groups — branches, teams, agents, tiers, periods — with tests.

Each ``compare_*`` returns a :class:`Comparison`: one :class:`GroupResult` per group, in the
order given (periods stay chronological), and the tests that fit. A group with fewer than
``min_n`` answers is flagged ``insufficient_data``: its estimate is shown but it gets no
rank and takes no part in the tests — a team with three answers is not "the best team".

Tests (two-sided):

- means: two groups → Welch's t (unequal variances)::

      t = (x̄₁ − x̄₂) / √(s₁²/n₁ + s₂²/n₂)
      df = (s₁²/n₁ + s₂²/n₂)² / ((s₁²/n₁)²/(n₁−1) + (s₂²/n₂)²/(n₂−1))

  more groups → one-way ANOVA ``F = (SSB/(g−1)) / (SSW/(N−g))`` and Kruskal–Wallis
  ``H = [12/(N(N+1)) Σ Rᵢ²/nᵢ − 3(N+1)] / (1 − Σ(t³−t)/(N³−N))`` (average ranks for
  ties, χ² with g−1 df), the second for ordinal scales and skewed data;
- shares (CSAT): two groups → the pooled two-proportion z test
  ``z = (p₁ − p₂) / √(p(1−p)(1/n₁ + 1/n₂))``; more groups → χ² test of homogeneity;
- NPS: two groups → ``z = (NPS₁ − NPS₂) / √(Var₁ + Var₂)`` with each NPS's trinomial
  variance (see ``scores``); more groups → χ² on promoters / passives / detractors.

When no group varies the tests are undefined: ``tests`` is empty and ``note`` says why.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats as _st

from . import scores
from .base import CONFIDENCE, StatsError, finite

DEFAULT_MIN_N = 30
OK = "ok"
INSUFFICIENT = "insufficient_data"


@dataclass(frozen=True)
class TestResult:
    test: str  # welch_t, anova, kruskal_wallis, two_proportion_z, chi_square, nps_z
    statistic: float
    df: float | tuple[float, float] | None  # (between, within) for ANOVA; None for z
    p_value: float


@dataclass(frozen=True)
class GroupResult:
    group: str
    n: int
    estimate: float | None  # None when the group has no answer
    ci95: tuple[float, float] | None
    status: str  # "ok" or "insufficient_data"
    rank: int | None  # 1 = best among the groups with enough data; ties share a rank


@dataclass(frozen=True)
class Comparison:
    measure: str  # "mean", "csat", "nps"
    min_n: int
    groups: list[GroupResult]
    tests: list[TestResult]
    note: str | None = None  # why there is no test


# ------------------------------------------------------------------------------------ tests

def welch_t_test(a, b) -> TestResult:
    x, y = finite(a), finite(b)
    if x.size < 2 or y.size < 2:
        raise StatsError("too_few_respondents", "Welch's t needs two answers in each group")
    vx, vy = x.var(ddof=1) / x.size, y.var(ddof=1) / y.size
    se2 = vx + vy
    if se2 == 0:
        raise StatsError("zero_variance", "neither group varies: the t test is undefined")
    t = float((x.mean() - y.mean()) / math.sqrt(se2))
    df = float(se2 * se2 / (vx * vx / (x.size - 1) + vy * vy / (y.size - 1)))
    return TestResult("welch_t", t, df, float(2 * _st.t.sf(abs(t), df)))


def one_way_anova(groups: Sequence) -> TestResult:
    arrays = [finite(g) for g in groups]
    if len(arrays) < 2 or any(a.size == 0 for a in arrays):
        raise StatsError("too_few_groups", "ANOVA needs at least two non-empty groups")
    n_total = sum(a.size for a in arrays)
    if n_total <= len(arrays):
        raise StatsError("too_few_respondents", "ANOVA needs more answers than groups")
    grand = np.concatenate(arrays).mean()
    ssb = sum(a.size * (a.mean() - grand) ** 2 for a in arrays)
    ssw = sum(((a - a.mean()) ** 2).sum() for a in arrays)
    if ssw == 0:
        raise StatsError("zero_variance", "no group varies: the F test is undefined")
    df1, df2 = len(arrays) - 1, n_total - len(arrays)
    f = float((ssb / df1) / (ssw / df2))
    return TestResult("anova", f, (float(df1), float(df2)), float(_st.f.sf(f, df1, df2)))


def kruskal_wallis(groups: Sequence) -> TestResult:
    arrays = [finite(g) for g in groups]
    if len(arrays) < 2 or any(a.size == 0 for a in arrays):
        raise StatsError("too_few_groups", "Kruskal–Wallis needs at least two non-empty groups")
    pooled = np.concatenate(arrays)
    n = pooled.size
    ranks = _st.rankdata(pooled)  # average ranks for ties
    _, ties = np.unique(pooled, return_counts=True)
    correction = 1 - float((ties ** 3 - ties).sum()) / (n ** 3 - n)
    if correction <= 0:
        raise StatsError("zero_variance", "every answer is the same: the test is undefined")
    bounds = np.cumsum([0] + [a.size for a in arrays])
    h = 12 / (n * (n + 1)) * sum(ranks[lo:hi].sum() ** 2 / (hi - lo)
                                 for lo, hi in zip(bounds[:-1], bounds[1:], strict=True))
    h = float((h - 3 * (n + 1)) / correction)
    df = len(arrays) - 1
    return TestResult("kruskal_wallis", h, float(df), float(_st.chi2.sf(h, df)))


def two_proportion_z_test(x1: int, n1: int, x2: int, n2: int) -> TestResult:
    """Pooled z test of p₁ = x₁/n₁ against p₂ = x₂/n₂. Both 0% or both 100%: z = 0, p = 1."""
    if n1 < 1 or n2 < 1 or not (0 <= x1 <= n1 and 0 <= x2 <= n2):
        raise StatsError("bad_value", "successes must lie between 0 and a positive n")
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return TestResult("two_proportion_z", 0.0, None, 1.0)
    z = (x1 / n1 - x2 / n2) / se
    return TestResult("two_proportion_z", z, None, float(2 * _st.norm.sf(abs(z))))


def chi_square_homogeneity(table) -> TestResult:
    """χ² test that the rows (groups) share one distribution over the columns (outcomes).
    Columns no group used are left out; with fewer than two left there is nothing to test."""
    obs = np.asarray(table, dtype=np.float64)
    obs = obs[:, obs.sum(axis=0) > 0]
    if obs.shape[0] < 2 or (obs.sum(axis=1) == 0).any():
        raise StatsError("too_few_groups", "χ² needs at least two non-empty groups")
    if obs.shape[1] < 2:
        return TestResult("chi_square", 0.0, 0.0, 1.0)
    expected = obs.sum(axis=1, keepdims=True) * obs.sum(axis=0, keepdims=True) / obs.sum()
    stat = float(((obs - expected) ** 2 / expected).sum())
    df = (obs.shape[0] - 1) * (obs.shape[1] - 1)
    return TestResult("chi_square", stat, float(df), float(_st.chi2.sf(stat, df)))


def nps_difference_test(a: scores.NpsScore, b: scores.NpsScore) -> TestResult:
    """z for NPS₁ − NPS₂ with each score's own trinomial variance (independent samples)."""
    def parts(s: scores.NpsScore) -> tuple[float, float]:
        pp, pd = s.promoters / s.n, s.detractors / s.n
        return pp - pd, (pp + pd - (pp - pd) ** 2) / s.n

    (d1, v1), (d2, v2) = parts(a), parts(b)
    se = math.sqrt(v1 + v2)
    if se == 0:
        if d1 == d2:
            return TestResult("nps_z", 0.0, None, 1.0)
        raise StatsError("zero_variance", "neither group varies: the z test is undefined")
    z = (d1 - d2) / se
    return TestResult("nps_z", z, None, float(2 * _st.norm.sf(abs(z))))


# ------------------------------------------------------------------------------ comparisons

def compare_means(groups: Mapping[str, Sequence[float]], *, min_n: int = DEFAULT_MIN_N,
                  higher_is_better: bool = True, confidence: float = CONFIDENCE
                  ) -> Comparison:
    """Mean per group with its t interval (e.g. SERVQUAL gap, CES: ``higher_is_better=False``
    for effort); Welch's t for two groups with enough data, ANOVA and Kruskal–Wallis for more."""
    _check_min_n(min_n)
    values = {name: finite(v) for name, v in groups.items()}
    summaries = {name: (scores.mean_ci(v, confidence=confidence) if v.size else None)
                 for name, v in values.items()}
    results = _rank({name: (v.size, s.mean if s else None, s.ci95 if s else None)
                     for (name, v), s in zip(values.items(), summaries.values(), strict=True)},
                    min_n, higher_is_better)
    ok = [values[g.group] for g in results if g.status == OK]
    tests: list[Callable] = ([lambda: welch_t_test(*ok)] if len(ok) == 2 else
                             [lambda: one_way_anova(ok), lambda: kruskal_wallis(ok)])
    return _with_tests("mean", min_n, results, ok, tests)


def compare_proportions(groups: Mapping[str, tuple[int, int]], *, min_n: int = DEFAULT_MIN_N,
                        measure: str = "csat", confidence: float = CONFIDENCE) -> Comparison:
    """Share of successes per group, ``{group: (successes, n)}``, in % with Wilson intervals;
    the two-proportion z test for two groups with enough data, χ² for more."""
    _check_min_n(min_n)
    results = _rank({name: (n, *_share(x, n, confidence)) for name, (x, n) in groups.items()},
                    min_n, True)
    ok = [groups[g.group] for g in results if g.status == OK]
    tests: list[Callable] = (
        [lambda: two_proportion_z_test(*ok[0], *ok[1])] if len(ok) == 2 else
        [lambda: chi_square_homogeneity([[x, n - x] for x, n in ok])])
    return _with_tests(measure, min_n, results, ok, tests)


def compare_csat(groups: Mapping[str, Sequence[int]], *, min_n: int = DEFAULT_MIN_N,
                 confidence: float = CONFIDENCE) -> Comparison:
    """CSAT (% satisfied, 4–5 of 1–5) per group from the raw answers."""
    counts = {}
    for name, answers in groups.items():
        arr = finite(answers)
        counts[name] = ((scores.csat(arr).satisfied, int(arr.size)) if arr.size else (0, 0))
    return compare_proportions(counts, min_n=min_n, measure="csat", confidence=confidence)


def compare_nps(groups: Mapping[str, Sequence[int]], *, min_n: int = DEFAULT_MIN_N,
                confidence: float = CONFIDENCE) -> Comparison:
    """NPS per group from 0–10 answers; the NPS z test for two groups, χ² for more."""
    _check_min_n(min_n)
    found = {name: (scores.nps(a, confidence=confidence) if finite(a).size else None)
             for name, a in groups.items()}
    results = _rank({name: ((s.n, s.nps, s.ci95) if s else (0, None, None))
                     for name, s in found.items()}, min_n, True)
    ok = [found[g.group] for g in results if g.status == OK]
    tests: list[Callable] = (
        [lambda: nps_difference_test(ok[0], ok[1])] if len(ok) == 2 else
        [lambda: chi_square_homogeneity([[s.promoters, s.passives, s.detractors]
                                         for s in ok])])
    return _with_tests("nps", min_n, results, ok, tests)


def _share(x: int, n: int, confidence: float) -> tuple[float | None, tuple | None]:
    if n == 0:
        return None, None
    lo, hi = scores.wilson_interval(x, n, confidence)
    return 100 * x / n, (100 * lo, 100 * hi)


def _check_min_n(min_n: int) -> None:
    if min_n < 2:
        raise StatsError("bad_value", "min_n must be at least 2 (a test needs a spread)")


def _rank(found: dict[str, tuple[int, float | None, tuple | None]], min_n: int,
          higher_is_better: bool) -> list[GroupResult]:
    """Competition ranks (1, 2, 2, 4) over the groups with at least ``min_n`` answers."""
    ok = [est for n, est, _ in found.values() if n >= min_n and est is not None]
    results = []
    for name, (n, est, ci) in found.items():
        if n >= min_n and est is not None:
            better = sum(1 for e in ok if (e > est if higher_is_better else e < est))
            results.append(GroupResult(name, n, est, ci, OK, better + 1))
        else:
            results.append(GroupResult(name, n, est, ci, INSUFFICIENT, None))
    return results


def _with_tests(measure: str, min_n: int, results: list[GroupResult], ok: list,
                tests: list[Callable]) -> Comparison:
    if len(ok) < 2:
        return Comparison(measure, min_n, results, [],
                          note=f"fewer than two groups with at least {min_n} answers")
    try:
        done = [test() for test in tests]
    except StatsError as exc:
        return Comparison(measure, min_n, results, [], note=exc.code)
    return Comparison(measure, min_n, results, done)
