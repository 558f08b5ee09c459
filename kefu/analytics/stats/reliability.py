"""Cronbach's alpha (1951) with its confidence interval by Feldt's F method.

For ``k`` items with covariance matrix ``C`` (item variances on the diagonal)::

    alpha = k / (k − 1) · (1 − trace(C) / sum(C))

``sum(C)`` is the variance of the total score. Feldt, Woodruff & Salih (1987): the statistic
``W = (1 − ρ) / (1 − α̂)`` follows ``F(n − 1, (n − 1)(k − 1))``. From
``P(F(γ/2) ≤ W ≤ F(1 − γ/2)) = 1 − γ`` and solving each side for ρ::

    lower = 1 − (1 − α̂) · F(1 − γ/2; n − 1, (n − 1)(k − 1))
    upper = 1 − (1 − α̂) · F(γ/2;     n − 1, (n − 1)(k − 1))

(the upper F quantile gives the lower bound). The same bounds are McGraw & Wong's (1996)
interval for ICC(3,k), which alpha equals.

Missing answers (NaN):

- ``listwise`` (the default) drops every respondent with a missing answer; ``n`` is the
  respondents left.
- ``pairwise`` takes each covariance over the respondents who answered both items (each
  variance over everyone who answered the item). ``n`` counts respondents with at least one
  answer; the interval uses the smallest pairwise count (``n_ci``), the conservative choice.
  A pairwise matrix need not be positive semi-definite, so alpha can exceed its listwise
  bounds on badly incomplete data: prefer listwise when few answers are missing at random.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats as _st

from .base import CONFIDENCE, StatsError, check_confidence

MISSING = ("listwise", "pairwise")


@dataclass(frozen=True)
class Alpha:
    alpha: float
    ci95: tuple[float, float]
    n: int  # respondents used
    k: int  # items
    missing: str  # "listwise" or "pairwise"
    n_ci: int  # the n behind the interval's degrees of freedom (== n when listwise)


def feldt_interval(alpha: float, n: int, k: int, confidence: float = CONFIDENCE
                   ) -> tuple[float, float]:
    """Feldt's interval for alpha from ``n`` respondents and ``k`` items (see the module)."""
    check_confidence(confidence)
    if k < 2:
        raise StatsError("too_few_items", f"alpha needs at least 2 items, not {k}")
    if n < 2:
        raise StatsError("too_few_respondents", f"alpha needs at least 2 respondents, not {n}")
    gamma = 1 - confidence
    df1, df2 = n - 1, (n - 1) * (k - 1)
    lower = 1 - (1 - alpha) * float(_st.f.ppf(1 - gamma / 2, df1, df2))
    upper = 1 - (1 - alpha) * float(_st.f.ppf(gamma / 2, df1, df2))
    return (lower, upper)


def alpha_from_covariance(cov) -> float:
    """Alpha from a k × k covariance matrix."""
    c = np.asarray(cov, dtype=np.float64)
    k = c.shape[0]
    if c.ndim != 2 or c.shape != (k, k):
        raise StatsError("bad_value", "the covariance matrix must be square")
    if k < 2:
        raise StatsError("too_few_items", f"alpha needs at least 2 items, not {k}")
    item_variance = float(np.trace(c))
    total_variance = float(c.sum())
    # The total score's variance; rounding leaves ~1e-16 where it is really zero.
    if not total_variance > 1e-12 * max(item_variance, 1e-300):
        raise StatsError("zero_variance", "the total score does not vary: alpha is undefined")
    return k / (k - 1) * (1 - item_variance / total_variance)


def cronbach_alpha(scores, *, missing: str = "listwise", items: Sequence[str] | None = None,
                   confidence: float = CONFIDENCE) -> Alpha:
    """Alpha of an n × k matrix (respondents × items, NaN for a missing answer).

    ``items`` names the columns in error messages.
    """
    x = np.asarray(scores, dtype=np.float64)
    if x.ndim != 2:
        raise StatsError("bad_value", "scores must be a respondents × items matrix")
    if missing not in MISSING:
        raise StatsError("bad_value", f"missing must be one of {', '.join(MISSING)}")
    k = x.shape[1]
    if k < 2:
        raise StatsError("too_few_items", f"alpha needs at least 2 items, not {k}")
    if missing == "listwise":
        complete = x[~np.isnan(x).any(axis=1)]
        n = complete.shape[0]
        if n < 2:
            raise StatsError("too_few_respondents",
                             f"alpha needs at least 2 complete respondents, not {n}",
                             details={"n": n})
        cov = np.cov(complete, rowvar=False, ddof=1)
        n_ci = n
    else:
        cov, counts = pairwise_covariance(x, items=items)
        n = int((~np.isnan(x)).any(axis=1).sum())
        n_ci = int(counts[np.triu_indices(k, 1)].min())
    alpha = alpha_from_covariance(cov)
    return Alpha(alpha=alpha, ci95=feldt_interval(alpha, n_ci, k, confidence), n=n, k=k,
                 missing=missing, n_ci=n_ci)


def pairwise_covariance(x, *, items: Sequence[str] | None = None
                        ) -> tuple[np.ndarray, np.ndarray]:
    """Covariances over pairwise-complete respondents (ddof 1) and the pairwise counts.

    Each pair's covariance uses only the respondents who answered both items, centred on
    that subset's own means.
    """
    x = np.asarray(x, dtype=np.float64)
    present = ~np.isnan(x)
    m = present.astype(np.float64)
    counts = (m.T @ m).astype(np.int64)  # n_ij: respondents who answered i and j
    k = x.shape[1]
    low = np.argwhere(counts < 2)
    if low.size:
        i, j = (int(v) for v in low[0])
        names = list(items) if items is not None else [str(c + 1) for c in range(k)]
        raise StatsError(
            "too_few_respondents",
            f"items {names[i]} and {names[j]} have {counts[i, j]} respondents in common; "
            "a covariance needs at least 2",
            details={"items": [names[i], names[j]], "n": int(counts[i, j])})
    # Centre on the item means first: the sums below then stay small (no cancellation).
    z = np.where(present, x - np.nanmean(x, axis=0), 0.0)
    sxy = z.T @ z  # Σ z_i z_j over respondents with both
    sx = z.T @ m  # [i, j]: Σ z_i over respondents with both
    cov = (sxy - sx * sx.T / counts) / (counts - 1)
    return cov, counts

