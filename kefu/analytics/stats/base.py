"""What the statistics modules share: the error type and the t interval."""

from __future__ import annotations

import math

import numpy as np
from scipy import stats as _st

from kefu.core.errors import ApplicationError

CONFIDENCE = 0.95


class StatsError(ApplicationError):
    """Input a statistic cannot answer (too few respondents, no variance, …).

    ``code`` is stable (``too_few_items``, ``too_few_respondents``, ``zero_variance``,
    ``bad_value``, ``duplicate``, …); ``details`` names the items or values concerned.
    """


def finite(values) -> np.ndarray:
    """A 1-D float array of ``values`` without NaN (missing answers)."""
    arr = np.asarray(values, dtype=np.float64).ravel()
    return arr[~np.isnan(arr)]


def t_interval(center: float, units, confidence: float = CONFIDENCE
               ) -> tuple[float, float] | None:
    """``center ± t(1−γ/2; n−1) · s/√n`` from the unit scores ``units`` (NaN ignored).

    ``center`` is usually the mean of ``units``; SERVQUAL dimension scores pass the mean
    of item means instead, which equals it when every respondent answered every item.
    None when fewer than two units: no spread, no interval.
    """
    arr = finite(units)
    n = arr.size
    if n < 2:
        return None
    sd = float(arr.std(ddof=1))
    half = float(_st.t.ppf(0.5 + confidence / 2, n - 1)) * sd / math.sqrt(n)
    return (center - half, center + half)


def z_value(confidence: float = CONFIDENCE) -> float:
    """The two-sided normal quantile: 1.959964… for 95%."""
    return float(_st.norm.ppf(0.5 + confidence / 2))


def check_confidence(confidence: float) -> None:
    if not 0 < confidence < 1:
        raise StatsError("bad_confidence", f"confidence must be between 0 and 1, not {confidence}")
