"""Single scores with their intervals: means (t), NPS, CSAT (Wilson), CES.

- **mean** ``x̄ ± t(1 − γ/2; n − 1) · s/√n`` with ``s`` the sample standard deviation.
- **NPS** (Reichheld 2003) on 0–10: % promoters (9–10) − % detractors (0–6), −100…100. Each
  answer scores +1, 0 or −1, so NPS/100 is the mean of a trinomial variable whose variance
  is ``p_P + p_D − (p_P − p_D)²``; the interval is the normal approximation
  ``NPS ± z · 100 · √((p_P + p_D − (p_P − p_D)²) / n)``, clipped to −100…100. It is
  degenerate (zero width) when every answer falls in one group: report n beside it.
- **CSAT** on 1–5: % satisfied (4 or 5), with the Wilson (1927) score interval, which stays
  inside 0–100 and behaves at small n and at 0% or 100%::

      centre = (p + z²/2n) / (1 + z²/n)
      half   = z / (1 + z²/n) · √(p(1 − p)/n + z²/4n²)

- **CES** (customer effort score): the mean effort on its scale (1–7 by default), with the
  mean's t interval.

The ``*_from_counts`` / ``mean_from_sums`` forms serve rollups that keep counts and sums.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats as _st

from .base import CONFIDENCE, StatsError, check_confidence, finite, t_interval, z_value


@dataclass(frozen=True)
class MeanScore:
    mean: float
    ci95: tuple[float, float] | None  # None below two answers
    n: int
    sd: float | None


@dataclass(frozen=True)
class NpsScore:
    nps: float  # −100 … 100
    ci95: tuple[float, float]
    n: int
    promoters: int
    passives: int
    detractors: int


@dataclass(frozen=True)
class CsatScore:
    csat: float  # % satisfied, 0 … 100
    ci95: tuple[float, float]  # Wilson, in %
    n: int
    satisfied: int


def mean_ci(values, *, confidence: float = CONFIDENCE) -> MeanScore:
    """The mean of ``values`` (NaN ignored) with its t interval."""
    check_confidence(confidence)
    arr = finite(values)
    if arr.size == 0:
        raise StatsError("no_data", "a mean needs at least one value")
    mean = float(arr.mean())
    sd = float(arr.std(ddof=1)) if arr.size >= 2 else None
    return MeanScore(mean=mean, ci95=t_interval(mean, arr, confidence), n=int(arr.size), sd=sd)


def mean_from_sums(n: int, total: float, total_squares: float, *,
                   confidence: float = CONFIDENCE) -> MeanScore:
    """The same from ``n``, ``Σx`` and ``Σx²`` (what a rollup keeps)."""
    check_confidence(confidence)
    if n < 1:
        raise StatsError("no_data", "a mean needs at least one value")
    mean = total / n
    if n < 2:
        return MeanScore(mean=mean, ci95=None, n=n, sd=None)
    sd = math.sqrt(max(0.0, (total_squares - total * total / n) / (n - 1)))
    half = float(_st.t.ppf(0.5 + confidence / 2, n - 1)) * sd / math.sqrt(n)
    return MeanScore(mean=mean, ci95=(mean - half, mean + half), n=n, sd=sd)


def nps_from_counts(promoters: int, passives: int, detractors: int, *,
                    confidence: float = CONFIDENCE) -> NpsScore:
    check_confidence(confidence)
    if min(promoters, passives, detractors) < 0:
        raise StatsError("bad_value", "counts cannot be negative")
    n = promoters + passives + detractors
    if n == 0:
        raise StatsError("no_data", "NPS needs at least one answer")
    p_p, p_d = promoters / n, detractors / n
    diff = p_p - p_d
    half = z_value(confidence) * math.sqrt(max(0.0, p_p + p_d - diff * diff) / n)
    return NpsScore(nps=100 * diff,
                    ci95=(100 * max(-1.0, diff - half), 100 * min(1.0, diff + half)),
                    n=n, promoters=promoters, passives=passives, detractors=detractors)


def nps(scores, *, confidence: float = CONFIDENCE) -> NpsScore:
    """NPS of 0–10 answers (NaN ignored; anything else off the scale is refused)."""
    arr = _whole_numbers(scores, 0, 10, "NPS")
    return nps_from_counts(int((arr >= 9).sum()), int(((arr >= 7) & (arr <= 8)).sum()),
                           int((arr <= 6).sum()), confidence=confidence)


def wilson_interval(successes: int, n: int, confidence: float = CONFIDENCE
                    ) -> tuple[float, float]:
    """Wilson's score interval for a proportion, as proportions (0…1)."""
    check_confidence(confidence)
    if n < 1:
        raise StatsError("no_data", "a proportion needs at least one answer")
    if not 0 <= successes <= n:
        raise StatsError("bad_value", f"{successes} successes out of {n}")
    z = z_value(confidence)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (max(0.0, centre - half), min(1.0, centre + half))


def csat_from_counts(satisfied: int, n: int, *, confidence: float = CONFIDENCE) -> CsatScore:
    lo, hi = wilson_interval(satisfied, n, confidence)
    return CsatScore(csat=100 * satisfied / n, ci95=(100 * lo, 100 * hi), n=n,
                     satisfied=satisfied)


def csat(scores, *, scale: tuple[int, int] = (1, 5), satisfied_from: int = 4,
         confidence: float = CONFIDENCE) -> CsatScore:
    """% of answers at ``satisfied_from`` or above (4–5 of 1–5), NaN ignored."""
    arr = _whole_numbers(scores, scale[0], scale[1], "CSAT")
    return csat_from_counts(int((arr >= satisfied_from).sum()), int(arr.size),
                            confidence=confidence)


def ces(scores, *, scale: tuple[int, int] = (1, 7), confidence: float = CONFIDENCE
        ) -> MeanScore:
    """The mean customer effort score with its t interval, NaN ignored."""
    return mean_ci(_whole_numbers(scores, scale[0], scale[1], "CES"), confidence=confidence)


def _whole_numbers(scores, lo: int, hi: int, what: str) -> np.ndarray:
    arr = finite(scores)
    bad = (arr < lo) | (arr > hi) | (arr != np.round(arr))
    if bad.any():
        value = float(arr[bad][0])
        raise StatsError("bad_value", f"{what} answers are whole numbers {lo}–{hi}, "
                         f"not {value:g}", details={"value": value})
    if arr.size == 0:
        raise StatsError("no_data", f"{what} needs at least one answer")
    return arr
