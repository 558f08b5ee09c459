"""The Gamma-Gamma model of spend per purchase (Colombo & Jiang 1999; Fader, Hardie & Lee
2005, "RFM and CLV").

Each purchase of a customer is worth z ~ Gamma(p, ν) (shape p, rate ν); across customers
ν ~ Gamma(q, v). The mean m of a customer's x repeat purchases then has x·m ~ Gamma(px, ν),
and integrating ν out:

    ℓ = lnΓ(px+q) − lnΓ(px) − lnΓ(q) + q ln v + (px−1) ln m + px ln x − (px+q) ln(v + x m)

The expected spend of a customer's next purchase is the posterior mean of p/ν:

    E[z | x, m] = p (v + x m) / (px + q − 1)

a weighted average of the population mean p·v/(q−1) and the customer's own mean m (needs
q > 1). Only customers with a repeat purchase (x > 0) inform the fit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize, special

from . import newton
from .errors import PredictError, first_bad

LOG_BOUND = 15.0
SAMPLE = 20_000  # customers for the starting points


@dataclass(frozen=True)
class GammaGammaParams:
    p: float
    q: float
    v: float
    loglik: float = float("nan")
    n: int = 0  # customers fitted (those with a repeat purchase)

    def as_dict(self) -> dict:
        return {"p": self.p, "q": self.q, "v": self.v}

    @property
    def population_mean(self) -> float:
        """Mean spend per purchase across customers (infinite when q ≤ 1)."""
        return self.p * self.v / (self.q - 1) if self.q > 1 else float("inf")


def _check(frequency, monetary_value):
    x = np.asarray(frequency, dtype=np.float64).ravel()
    m = np.asarray(monetary_value, dtype=np.float64).ravel()
    if x.size != m.size:
        raise PredictError("bad_value", f"frequency and monetary_value have different "
                                        f"lengths ({x.size}, {m.size})")
    if (i := first_bad(~np.isfinite(x) | (x < 0))) is not None:
        raise PredictError("bad_value", f"frequency must be a number ≥ 0, not {x[i]:g}",
                           index=i, column="frequency")
    if (i := first_bad(~np.isfinite(m) | (m < 0))) is not None:
        raise PredictError("bad_value", f"monetary_value must be a number ≥ 0, not {m[i]:g}",
                           index=i, column="monetary_value")
    return x, m


def _check_positive(x, m) -> None:
    """The model has no purchases worth nothing: a repeat buyer's mean must be above 0 to
    fit (predictions accept 0)."""
    if (i := first_bad((x > 0) & (m == 0))) is not None:
        raise PredictError("bad_value", "a customer with repeat purchases needs a monetary "
                                        "value above 0", index=i, column="monetary_value")


def loglik(params: GammaGammaParams, frequency, monetary_value) -> np.ndarray:
    """Each customer's log-density of their mean spend (NaN for x = 0: nothing observed)."""
    x, m = _check(frequency, monetary_value)
    _check_positive(x, m)
    out = np.full(x.size, np.nan)
    k = x > 0
    out[k] = _ll(params.p, params.q, params.v, x[k], m[k])
    return out


def _ll(p, q, v, x, m):
    px = p * x
    return (special.gammaln(px + q) - special.gammaln(px) - special.gammaln(q) + q * np.log(v)
            + (px - 1) * np.log(m) + px * np.log(x) - (px + q) * np.log(v + x * m))


class _Data:
    """The sums the likelihood needs: special functions run once per distinct frequency,
    one logarithm per customer per evaluation."""

    def __init__(self, x, m):
        self.x = x
        self.xm = x * m
        self.ux, ix = np.unique(x, return_inverse=True)
        self.count = np.bincount(ix, minlength=self.ux.size).astype(np.float64)
        self.n = float(x.size)
        log_m = np.log(m)
        self.sum_log_m = float(log_m.sum())
        self.sum_x_log_m = _dot(x, log_m)
        self.sum_x_log_x = _dot(self.count, self.ux * np.log(self.ux))


def _dot(u, v) -> float:
    return float(np.einsum("i,i->", u, v))  # no BLAS: threaded BLAS crawls on a busy machine


def _neg(theta, d: _Data):
    """Mean negative log-likelihood and its gradient in log-parameters."""
    p, q, v = np.exp(theta)
    px = p * d.ux
    log_vxm = np.log(v + d.xm)
    sum_l, sum_xl = float(log_vxm.sum()), _dot(d.x, log_vxm)
    ll = (_dot(d.count, special.gammaln(px + q) - special.gammaln(px))
          + d.n * (q * np.log(v) - special.gammaln(q)) + p * d.sum_x_log_x
          + p * d.sum_x_log_m - d.sum_log_m - p * sum_xl - q * sum_l)
    if not np.isfinite(ll):
        return 1e300, np.zeros(3)
    psi = special.digamma(px + q)
    d_p = (_dot(d.count * d.ux, psi - special.digamma(px)) + d.sum_x_log_x + d.sum_x_log_m
           - sum_xl)
    d_q = _dot(d.count, psi) - d.n * special.digamma(q) + d.n * np.log(v) - sum_l
    inv = 1 / (v + d.xm)
    d_v = d.n * q / v - p * _dot(d.x, inv) - q * float(inv.sum())
    grad = np.array([d_p * p, d_q * q, d_v * v])
    return -ll / d.n, -grad / d.n


def fit(frequency, monetary_value, *, method: str = "TNC") -> GammaGammaParams:
    """Maximum-likelihood (p, q, v) from customers with a repeat purchase (log-parameters,
    three starting points; ``method`` ``"TNC"`` (the default), ``"L-BFGS-B"`` or
    ``"Nelder-Mead"``, as for BG/NBD)."""
    x, m = _check(frequency, monetary_value)
    _check_positive(x, m)
    k = x > 0
    if k.sum() < 2:
        raise PredictError("too_few_customers", "Gamma-Gamma needs at least two customers "
                                                "with a repeat purchase")
    xs, ms = x[k], m[k]
    d = _Data(xs, ms)
    # Starting points on a sample of 20,000 when there are many more; the best one is then
    # finished on everyone (a few evaluations from so close).
    sample = d
    if d.n > 2 * SAMPLE:
        pick = np.random.default_rng(xs.size).choice(xs.size, SAMPLE, replace=False)
        sample = _Data(xs[pick], ms[pick])
    mean = float(ms.mean())
    best = None
    for p0, q0 in ((1.0, 2.0), (5.0, 5.0), (0.5, 10.0)):
        res = _minimise(sample, np.log([p0, q0, mean * (q0 - 1) / p0]), method)
        if res.fun < 1e299 and (best is None or res.fun < best.fun):
            best = res
    if best is None or not best.fun < 1e299:
        raise PredictError("no_convergence", "the Gamma-Gamma likelihood could not be "
                                             "maximised")
    theta, value = best.x, best.fun
    if sample is not d:
        theta, done = newton.polish(lambda th: _neg(th, d), theta,
                                    newton.hessian(lambda th: _neg(th, sample), theta),
                                    bound=LOG_BOUND)
        if not done:
            theta = _minimise(d, theta, method).x
        value = _neg(theta, d)[0]
    p, q, v = (float(t) for t in np.exp(theta))
    return GammaGammaParams(p, q, v, loglik=-float(value) * d.n, n=int(d.n))


def expected_spend(params: GammaGammaParams, frequency, monetary_value) -> np.ndarray:
    """Expected value of each customer's next purchase: ``p(v + x m)/(px + q − 1)``; for
    x = 0 the population mean ``p v/(q − 1)``."""
    x, m = _check(frequency, monetary_value)
    if params.q <= 1:
        raise PredictError("bad_value", f"q = {params.q:.3g} ≤ 1: the population mean spend "
                                        "is infinite")
    return params.p * (params.v + x * m) / (params.p * x + params.q - 1)


def _minimise(d: _Data, start, method: str):
    bounds = [(-LOG_BOUND, LOG_BOUND)] * 3
    if method in ("TNC", "L-BFGS-B"):
        options = ({"maxfun": 3000, "ftol": 1e-14, "gtol": 1e-9, "xtol": 1e-10}
                   if method == "TNC" else {"maxiter": 2000, "ftol": 1e-14, "gtol": 1e-9})
        return optimize.minimize(_neg, start, args=(d,), jac=True, method=method,
                                 bounds=bounds, options=options)
    if method == "Nelder-Mead":
        return optimize.minimize(lambda th: _neg(th, d)[0], start, method="Nelder-Mead",
                                 bounds=bounds,
                                 options={"maxiter": 5000, "maxfev": 5000, "xatol": 1e-8,
                                          "fatol": 1e-12, "adaptive": True})
    raise PredictError("bad_value", f"unknown optimiser {method!r}")
