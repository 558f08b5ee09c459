"""The BG/NBD model (Fader, Hardie & Lee 2005, "Counting your customers the easy way").

While a customer is active they buy at a Poisson rate λ; right after each *repeat*
purchase they drop out for good with probability p. Across customers λ ~ Gamma(r, α)
(shape r, rate α) and p ~ Beta(a, b). A customer is summarised by x (repeat purchases),
t_x (age at the last purchase) and T (age today), all in the same period (day, week …).

Integrating λ and p out of the individual likelihood
``(1-p)^x λ^x e^{-λT} + [x>0] p (1-p)^{x-1} λ^x e^{-λ t_x}`` gives, in logs,

    ℓ = lnΓ(r+x) − lnΓ(r) + r ln α − ln B(a,b) + ln B(a,b+x)
        + ln( (α+T)^{-(r+x)} + [x>0] a/(b+x−1) · (α+t_x)^{-(r+x)} )

computed with ``logaddexp`` so that large x and T never overflow. Derivations of every
formula here: docs/proactive-models.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import integrate, optimize, special

from . import newton
from .errors import PredictError, first_bad

LOG_BOUND = 15.0  # parameters are fitted as logs within ±15 (3e-7 … 3e6)
A_NEAR_ONE = 1e-5  # the closed form of E[Y(t)] divides by a−1: interpolated across a = 1
SAMPLE = 20_000  # customers for the starting points
C_MIN = 0.05  # … and needs a+b+x−1 > 0: quadrature below this
#: How closely the two evaluations of ₂F₁ must agree to be trusted (else: quadrature).
HYP_AGREEMENT = 1e-7


@dataclass(frozen=True)
class BgNbdParams:
    r: float
    alpha: float
    a: float
    b: float
    loglik: float = float("nan")  # total log-likelihood at the fit
    n: int = 0  # customers fitted

    def as_dict(self) -> dict:
        return {"r": self.r, "alpha": self.alpha, "a": self.a, "b": self.b}


def check_summary(frequency, recency, T) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Float arrays of equal length with 0 ≤ recency ≤ T, integer frequency ≥ 0 and
    recency 0 when there is no repeat purchase, or :class:`PredictError`."""
    x, tx, T = (np.asarray(v, dtype=np.float64).ravel() for v in (frequency, recency, T))
    if not x.size == tx.size == T.size:
        raise PredictError("bad_value", f"frequency, recency and T have different lengths "
                                        f"({x.size}, {tx.size}, {T.size})")
    for name, v in (("frequency", x), ("recency", tx), ("T", T)):
        if (i := first_bad(~np.isfinite(v) | (v < 0))) is not None:
            raise PredictError("bad_value", f"{name} must be a number ≥ 0, not {v[i]:g}",
                               index=i, column=name)
    if (i := first_bad(x != np.round(x))) is not None:
        raise PredictError("bad_value", f"frequency must be a whole number, not {x[i]:g}",
                           index=i, column="frequency")
    if (i := first_bad(tx > T * (1 + 1e-12))) is not None:
        raise PredictError("bad_value", f"recency {tx[i]:g} is after T {T[i]:g}",
                           index=i, column="recency")
    if (i := first_bad((x == 0) & (tx != 0))) is not None:
        raise PredictError("bad_value", f"recency must be 0 without repeat purchases, "
                                        f"not {tx[i]:g}", index=i, column="recency")
    return x, np.minimum(tx, T), T


def _terms(r, alpha, a, b, x, tx, T):
    """(common part, v1, v2) of the log-likelihood: ℓ = common + logaddexp(v1, v2)."""
    common = (special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
              - special.betaln(a, b) + special.betaln(a, b + x))
    v1 = -(r + x) * np.log(alpha + T)
    with np.errstate(divide="ignore", invalid="ignore"):
        v2 = np.where(x > 0, np.log(a) - np.log(b + x - 1) - (r + x) * np.log(alpha + tx),
                      -np.inf)
    return common, v1, v2


def loglik(params: BgNbdParams, frequency, recency, T) -> np.ndarray:
    """Each customer's log-likelihood under ``params``."""
    x, tx, T = check_summary(frequency, recency, T)
    common, v1, v2 = _terms(params.r, params.alpha, params.a, params.b, x, tx, T)
    return common + np.logaddexp(v1, v2)


class _Data:
    """Distinct (x, t_x, T) rows with their counts, and the distinct values of each column:
    special functions are evaluated once per distinct value, not once per customer."""

    def __init__(self, x, tx, T, counts=None):
        ux, ix = np.unique(x, return_inverse=True)
        utx, itx = np.unique(tx, return_inverse=True)
        uT, iT = np.unique(T, return_inverse=True)
        if float(ux.size) * utx.size * uT.size < 2.0**62:  # one int64 key per row
            key = (ix.astype(np.int64) * utx.size + itx) * uT.size + iT
            keys, inverse = np.unique(key, return_inverse=True)
            rows = np.stack([keys // (utx.size * uT.size), keys // uT.size % utx.size,
                             keys % uT.size], axis=1)
        else:  # millions of distinct continuous ages: compare the rows themselves
            rows, inverse = np.unique(np.stack([ix, itx, iT], axis=1), axis=0,
                                      return_inverse=True)
        w = np.bincount(inverse.ravel(), weights=counts, minlength=rows.shape[0])
        if counts is not None:
            rows, w = rows[w > 0], w[w > 0]
        self.w = w
        self.n = int(round(w.sum()))
        self.x, self.tx, self.T = ux, utx, uT
        self.ix, self.itx, self.iT = rows[:, 0], rows[:, 1], rows[:, 2]
        self.xr = ux[self.ix]  # per distinct row
        self.per_x = np.bincount(self.ix, weights=self.w, minlength=ux.size)
        self.repeat = self.xr > 0

    def subsample(self, size: int, rng: np.random.Generator) -> _Data:
        """About ``size`` customers drawn from these (for cheap starting points)."""
        keep = rng.binomial(self.w.astype(np.int64), min(1.0, size / self.n))
        return _Data(self.xr, self.tx[self.itx], self.T[self.iT], counts=keep.astype(float))


def _neg_loglik_and_grad(theta, d: _Data):
    """Mean negative log-likelihood over customers and its gradient in log-parameters."""
    r, alpha, a, b = np.exp(theta)
    x, xr = d.x, d.xr
    with np.errstate(divide="ignore", invalid="ignore"):
        common = (special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
                  - special.betaln(a, b) + special.betaln(a, b + x))
        log_ratio = np.where(x > 0, np.log(a) - np.log(b + x - 1), -np.inf)
        inv_b = np.where(x > 0, 1 / (b + x - 1), 0.0)
    lat, ltx = np.log(alpha + d.T)[d.iT], np.log(alpha + d.tx)[d.itx]
    rx = r + xr
    v1 = -rx * lat
    v2 = log_ratio[d.ix] - rx * ltx
    ll = _dot(d.per_x, common) + _dot(d.w, np.logaddexp(v1, v2))
    ww2 = d.w * special.expit(v2 - v1)  # weight of "dropped out after the last purchase"
    ww1 = d.w - ww2
    d_r = (_dot(d.per_x, special.digamma(r + x) - special.digamma(r)) + d.n * np.log(alpha)
           - _dot(ww1, lat) - _dot(ww2, ltx))
    d_alpha = (d.n * r / alpha - _dot(ww1 * rx, (1 / (alpha + d.T))[d.iT])
               - _dot(ww2 * rx, (1 / (alpha + d.tx))[d.itx]))
    ww2_x = np.bincount(d.ix, weights=ww2, minlength=x.size)
    d_a = _dot(d.per_x, special.digamma(a + b) - special.digamma(a + b + x)) + ww2_x.sum() / a
    d_b = (_dot(d.per_x, special.digamma(a + b) - special.digamma(b) + special.digamma(b + x)
                 - special.digamma(a + b + x)) - _dot(ww2_x, inv_b))
    value = -ll / d.n
    if not np.isfinite(value):
        return 1e300, np.zeros(4)
    grad = np.array([d_r * r, d_alpha * alpha, d_a * a, d_b * b])
    return value, -grad / d.n


def _dot(u, v) -> float:
    """Σ u·v without BLAS: a threaded BLAS dot product crawls on a busy machine."""
    return float(np.einsum("i,i->", u, v))


def _starts(d: _Data):
    mean_x = max(_dot(d.w, d.xr) / d.n, 0.05)
    mean_T = max(_dot(d.w, d.T[d.iT]) / d.n, 1e-3)
    starts = []
    for r in (0.5, 2.0):
        alpha = r * mean_T / mean_x
        for a, b in ((0.5, 2.0), (1.5, 10.0), (0.1, 0.5)):
            starts.append(np.log([r, alpha, a, b]))
    return starts


def _minimise(d: _Data, start, method: str):
    bounds = [(-LOG_BOUND, LOG_BOUND)] * 4
    if method == "TNC":
        return optimize.minimize(_neg_loglik_and_grad, start, args=(d,), jac=True,
                                 method="TNC", bounds=bounds,
                                 options={"maxfun": 3000, "ftol": 1e-14, "gtol": 1e-9,
                                          "xtol": 1e-10})
    if method == "L-BFGS-B":
        return optimize.minimize(_neg_loglik_and_grad, start, args=(d,), jac=True,
                                 method="L-BFGS-B", bounds=bounds,
                                 options={"maxiter": 2000, "ftol": 1e-13, "gtol": 1e-8})
    if method == "Nelder-Mead":
        return optimize.minimize(lambda th: _neg_loglik_and_grad(th, d)[0], start,
                                 method="Nelder-Mead", bounds=bounds,
                                 options={"maxiter": 8000, "maxfev": 8000, "xatol": 1e-8,
                                          "fatol": 1e-12, "adaptive": True})
    raise PredictError("bad_value", f"unknown optimiser {method!r}")


def fit(frequency, recency, T, *, method: str = "TNC") -> BgNbdParams:
    """Maximum-likelihood (r, α, a, b) for customers summarised by (x, t_x, T).

    The parameters are fitted as logs. Six starting points are tried (on a random sample
    of 20,000 customers when there are more), and the best optimum polished on all
    customers. ``method`` is ``"TNC"`` (truncated Newton with the analytic gradient; the
    default), ``"L-BFGS-B"`` (also with the gradient; its Fortran core crawls on a busy
    machine) or ``"Nelder-Mead"`` (no gradient; used to cross-check). Raises
    :class:`PredictError` ``too_few_customers`` without at least two customers and one
    repeat purchase, ``no_convergence`` when no start converges.
    """
    x, tx, T = check_summary(frequency, recency, T)
    n = x.size
    if n < 2 or not (x > 0).any():
        raise PredictError("too_few_customers", "BG/NBD needs at least two customers and "
                                                "one repeat purchase")
    if not (T > 0).any():
        raise PredictError("too_few_customers", "every customer was first seen today (T = 0)")
    data = _Data(x, tx, T)
    sample = data if n <= 2 * SAMPLE else data.subsample(SAMPLE, np.random.default_rng(n))
    if not sample.repeat.any():
        sample = data
    best = None
    for start in _starts(sample):
        res = _minimise(sample, start, method)
        if np.isfinite(res.fun) and res.fun < 1e299 and (best is None or res.fun < best.fun):
            best = res
    if best is None:
        raise PredictError("no_convergence", "the BG/NBD likelihood could not be maximised")
    theta = best.x
    if sample is not data:
        theta, done = newton.polish(lambda th: _neg_loglik_and_grad(th, data), theta,
                                    newton.hessian(lambda th: _neg_loglik_and_grad(th, sample),
                                                   theta), bound=LOG_BOUND)
        if not done:
            theta = _minimise(data, theta, "TNC").x
    value, grad = _neg_loglik_and_grad(theta, data)
    at_bound = np.abs(theta) >= LOG_BOUND - 1e-6
    if value >= 1e299 or np.max(np.abs(grad[~at_bound]), initial=0.0) > 1e-4:
        raise PredictError("no_convergence", "the BG/NBD fit did not converge "
                                             f"(gradient {np.max(np.abs(grad)):.2g})")
    r, alpha, a, b = (float(v) for v in np.exp(theta))
    return BgNbdParams(r, alpha, a, b, loglik=-float(value) * n, n=n)


def prob_alive(params: BgNbdParams, frequency, recency, T) -> np.ndarray:
    """P(still active today | x, t_x, T): 1 without repeat purchases (nobody drops out
    before buying again), else ``1 / (1 + a/(b+x−1) · ((α+T)/(α+t_x))^{r+x})``."""
    x, tx, T = check_summary(frequency, recency, T)
    _, v1, v2 = _terms(params.r, params.alpha, params.a, params.b, x, tx, T)
    return special.expit(v1 - v2)


def expected_purchases(params: BgNbdParams, t, frequency, recency, T) -> np.ndarray:
    """E[purchases in the next ``t`` periods | x, t_x, T] (``t`` a number or an array that
    broadcasts against the customers).

    Given active today, λ | data ~ Gamma(r+x, α+T) and p | data ~ Beta(a, b+x), and the
    future is a fresh BG/NBD customer with those parameters:

        E[Y(t)] = P(alive) · (a+b+x−1)/(a−1) · [1 − ₂F₁(r+x, a−1; a+b+x−1; −t/(α+T))]

    (the Pfaff form of the paper's equation 10: its ₂F₁ stays within [0, 1] where the
    paper's grows without bound for large x). Across a = 1 (a removable singularity) the
    closed form is interpolated linearly in a; where a+b+x−1 is not safely positive or
    ₂F₁ fails, the same expectation is integrated numerically over p
    (:func:`expected_by_quadrature`).
    """
    x, tx, T = check_summary(frequency, recency, T)
    t = np.asarray(t, dtype=np.float64)
    if (t < 0).any() or not np.isfinite(t).all():
        raise PredictError("bad_value", "the horizon t must be a number ≥ 0")
    x, tx, T, t = np.broadcast_arrays(x, tx, T, t)
    alive = prob_alive(params, x.ravel(), tx.ravel(), T.ravel()).reshape(x.shape)
    return alive * _expected_if_alive(params, t, x, T)


def _expected_if_alive(params, t, x, T):
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    shape = np.broadcast(t, x, T).shape
    t, x, T = (np.broadcast_to(v, shape).ravel().astype(np.float64) for v in (t, x, T))
    if abs(a - 1) < A_NEAR_ONE:  # linear in a across the removable singularity at a = 1
        lo, hi = 1 - A_NEAR_ONE, 1 + A_NEAR_ONE
        share = (a - lo) / (hi - lo)
        out = ((1 - share) * _closed_form(r, alpha, lo, b, t, x, T)
               + share * _closed_form(r, alpha, hi, b, t, x, T))
    else:
        out = _closed_form(r, alpha, a, b, t, x, T)
    bad = ~np.isfinite(out)
    if bad.any():
        out[bad] = expected_by_quadrature(r + x[bad], alpha + T[bad], a, b + x[bad], t[bad])
    return out.reshape(shape)


def _closed_form(r, alpha, a, b, t, x, T):
    """The Pfaff-form expectation; NaN where it cannot be trusted (a+b+x−1 near or below 0,
    or ₂F₁ failing for extreme arguments).

    ₂F₁ is evaluated twice — at z = −t/(α+T) and, by Pfaff's transformation, as
    (1−z)^−(a−1) · ₂F₁(c−r−x, a−1; c; z/(z−1)) with its argument in [0, 1) — and trusted
    only where the two agree: scipy's ₂F₁ can be far off for z < −1 with an integer
    parameter (₂F₁(23.5, 3; 42; −2.23) came out 0.0128 instead of 0.0912)."""
    c = a + b + x - 1
    out = np.full(t.size, np.nan)
    ok = c >= C_MIN
    with np.errstate(all="ignore"):
        z = -t[ok] / (alpha + T[ok])
        hyp = special.hyp2f1(r + x[ok], a - 1, c[ok], z)
        pfaff = (1 - z) ** (1 - a) * special.hyp2f1(c[ok] - r - x[ok], a - 1, c[ok], z / (z - 1))
        agree = np.abs(hyp - pfaff) <= HYP_AGREEMENT * np.maximum(1.0, np.abs(hyp))
        out[ok] = np.where(agree, c[ok] / (a - 1) * (1 - hyp), np.nan)
    out[out < 0] = np.nan
    return out


def expected_by_quadrature(r, alpha, a, b, t) -> np.ndarray:
    """E[purchases in (0, t]] of a customer active at 0 with λ ~ Gamma(r, α), p ~ Beta(a, b):
    ``∫ (1 − (α/(α+pt))^r)/p · Beta(p; a, b) dp``, integrated numerically (adaptive, all rows
    at once) over ln p below ½ and over ln(1−p) above, in logs. Slower than the closed form;
    used where the closed form cannot be trusted. ``a`` a number, the rest arrays."""
    r, alpha, b, t = (np.asarray(v, dtype=np.float64).ravel()
                      for v in np.broadcast_arrays(r, alpha, b, t))
    out = np.empty(r.size)
    for start in range(0, r.size, 4096):
        sl = slice(start, start + 4096)
        out[sl] = _quadrature_chunk(r[sl], alpha[sl], a, b[sl], t[sl])
    return out


def _quadrature_chunk(r, alpha, a, b, t):
    log_norm = -special.betaln(a, b)

    def log_h(p_log):  # ln h(p) = ln(1 − (1 + pt/α)^−r) − ln p
        return np.log(-np.expm1(-r * np.log1p(np.exp(p_log) * t / alpha))) - p_log

    def low(u):  # p = e^u, dp = p du
        return log_h(u) + a * u + (b - 1) * np.log1p(-np.exp(u)) + log_norm

    def high(v):  # 1 − p = e^v, dp = (1 − p) dv
        p_log = np.log1p(-np.exp(v))
        return log_h(p_log) + (a - 1) * p_log + b * v + log_norm

    # Scale each row by its largest integrand on a coarse grid, so that one relative
    # tolerance holds for every row, and integrate only where some row's integrand is
    # within e^-60 of its peak (the rest adds less than 1e-20 of the total).
    grid = np.linspace(-700, np.log(0.5), 2001)
    with np.errstate(all="ignore"):
        on_low = np.array([low(u) for u in grid])
        on_high = np.array([high(v) for v in grid])
        peak = np.maximum(on_low.max(axis=0), on_high.max(axis=0))
    parts = []
    step = grid[1] - grid[0]
    for f, values in ((low, on_low), (high, on_high)):
        near = np.flatnonzero((values > peak - 60).any(axis=1))
        if not near.size:
            continue
        lo, hi = grid[near[0]] - step, min(grid[near[-1]] + step, grid[-1])
        with np.errstate(all="ignore"):
            parts.append(integrate.quad_vec(lambda z, f=f: np.exp(f(z) - peak), lo, hi,
                                            epsabs=0, epsrel=1e-10, norm="max")[0])
    lo_part, hi_part = sum(parts), 0.0
    return (lo_part + hi_part) * np.exp(peak)


def simulate(params: BgNbdParams, T, rng: np.random.Generator
             ) -> tuple[np.ndarray, np.ndarray]:
    """(frequency, recency) of customers drawn from the model, observed for ``T`` periods
    each: for tests and benchmarks.

    Repeat purchases while active are Poisson(λT); the J-th repeat purchase is the last
    (J ~ Geometric(p)); so x = min(N, J), and t_x is the x-th of N uniform times on (0, T).
    """
    T = np.asarray(T, dtype=np.float64)
    lam = rng.gamma(params.r, 1.0 / params.alpha, T.shape)
    p = rng.beta(params.a, params.b, T.shape)
    n = rng.poisson(lam * T)
    j = rng.geometric(np.clip(p, 1e-12, 1.0))
    x = np.minimum(n, j)
    tx = np.zeros(T.shape)
    has = x > 0
    tx[has] = T[has] * rng.beta(x[has], n[has] - x[has] + 1)
    return x.astype(np.float64), tx
