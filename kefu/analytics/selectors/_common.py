"""Shared pieces of the selectors: the rollup sums turned into figures, labels, instrument
ids in a subquery (no extra round trip).

The figures are ``kefu.analytics.stats.scores``'s formulas (a t interval for means, Wilson
for shares, the trinomial normal interval for NPS), computed here with the quantile
functions of ``scipy.special`` (``stdtrit``, a constant z) instead of ``scipy.stats``'s
distribution objects: the same numbers (tested against ``stats.scores``) at a fifteenth of
the cost — a dashboard computes a few hundred of them per page."""

from __future__ import annotations

import math

from django.db.models import Subquery, Sum
from scipy.special import ndtri, stdtrit

from kefu.surveys import rules
from kefu.surveys.models import Instrument
from kefu.surveys.models.instruments import DIMENSIONS as DIMENSION_CHOICES

SUMS = {"n": Sum("count"), "t": Sum("total"), "s": Sum("total_sq")}


def instrument_id(code: str) -> Subquery:
    """The id of the instrument ``code`` as a subquery, so that the rollup query needs no
    look-up before it."""
    return Subquery(Instrument.objects.filter(code=code).values("pk")[:1])


#: The two-sided 95 % normal quantile (1.959964…).
Z95 = float(ndtri(0.975))


def mean_ci(n: int, total: float, squares: float) -> tuple[float, tuple[float, float] | None]:
    """Mean and 95 % t interval from n, Σx, Σx² (``stats.scores.mean_from_sums``)."""
    m = total / n
    if n < 2:
        return m, None
    sd = math.sqrt(max(0.0, (squares - total * total / n) / (n - 1)))
    half = float(stdtrit(n - 1, 0.975)) * sd / math.sqrt(n)
    return m, (m - half, m + half)


def mean(n, total, squares, digits: int = 4) -> dict | None:
    """{"mean", "ci95", "n"} from a rollup's count, sum and sum of squares."""
    if not n:
        return None
    m, ci = mean_ci(int(n), float(total), float(squares))
    return {"mean": round(m, digits),
            "ci95": [round(x, digits) for x in ci] if ci else None, "n": int(n)}


def wilson(x: int, n: int) -> tuple[float, float]:
    """Wilson's 95 % interval for x of n, as proportions (``stats.scores.wilson_interval``)."""
    z = Z95
    p = x / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def nps_ci(promoters: int, passives: int, detractors: int) -> tuple[float, tuple[float, float]]:
    """NPS and its 95 % interval (``stats.scores.nps_from_counts``)."""
    n = promoters + passives + detractors
    p_p, p_d = promoters / n, detractors / n
    diff = p_p - p_d
    half = Z95 * math.sqrt(max(0.0, p_p + p_d - diff * diff) / n)
    return 100 * diff, (100 * max(-1.0, diff - half), 100 * min(1.0, diff + half))


def dimension_labels() -> dict[str, str]:
    return {code: str(label) for code, label in DIMENSION_CHOICES}


def dimension_order() -> list[str]:
    return [d.value for d in rules.DIMENSIONS]
