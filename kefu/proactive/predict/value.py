"""Customer lifetime value over a horizon: expected purchases (BG/NBD) × expected spend
per purchase (Gamma-Gamma), discounted.

The horizon is cut into ``steps`` equal slices; the purchases expected in a slice,
E[Y(t_k)] − E[Y(t_{k−1})], are valued at the expected spend and discounted to today at
the end of their slice, (1 + d)^(−t_k) with d the discount rate per period:

    CLV = E[z] · Σ_k (E[Y(t_k)] − E[Y(t_{k−1})]) / (1 + d)^{t_k}

The end-of-slice discount slightly undervalues purchases early in a slice; with one slice
per period it is the usual discrete formula.
"""

from __future__ import annotations

import numpy as np

from . import bgnbd, gamma_gamma
from .errors import PredictError

MAX_STEPS = 12


def clv(bgnbd_params: bgnbd.BgNbdParams, gg_params: gamma_gamma.GammaGammaParams,
        frequency, recency, T, monetary_value, *, horizon: float,
        discount_rate_per_period: float = 0.0, steps: int | None = None) -> np.ndarray:
    """Expected discounted value of each customer's purchases in the next ``horizon``
    periods. ``steps`` slices (default: one per period, at most 12)."""
    if not horizon > 0:
        raise PredictError("bad_value", f"the horizon must be above 0, not {horizon}")
    if not discount_rate_per_period >= 0:
        raise PredictError("bad_value", "the discount rate must be ≥ 0")
    steps = steps or int(min(MAX_STEPS, max(1, np.ceil(horizon))))
    spend = gamma_gamma.expected_spend(gg_params, frequency, monetary_value)
    ends = horizon * np.arange(1, steps + 1) / steps
    total = np.zeros(spend.size)
    before = np.zeros(spend.size)
    for t in ends:
        now = bgnbd.expected_purchases(bgnbd_params, t, frequency, recency, T)
        total += (now - before) / (1 + discount_rate_per_period) ** t
        before = now
    return spend * total
