"""When does a household run out? (The rice shop: measure the bin, know the family, bring
rice before it is empty.)

Observations are purchases or refills: a date and the quantity bought (None / NaN: "filled
the container", i.e. its capacity). Assumed: a household buys when it is nearly out, so
what it bought on one date is what it used until the next. Each interval between two
purchases gives one per-person daily rate, y = ln(quantity / days / household size).

The log-rates of a household are taken as Normal with unknown mean and spread. With a
population prior (Normal-Inverse-Gamma: the mean log-rate m₀ worth κ₀ intervals, the
spread s₀ worth ν₀ intervals) the posterior after n intervals with mean ȳ and sum of
squares S is

    κₙ = κ₀ + n     mₙ = (κ₀ m₀ + n ȳ) / κₙ     νₙ = ν₀ + n
    νₙ sₙ² = ν₀ s₀² + S + κ₀ n (ȳ − m₀)² / κₙ

and the next interval's log-rate is Student-t with νₙ degrees of freedom, centre mₙ and
scale sₙ √(1 + 1/κₙ). Without a prior it is the classical prediction interval (n ≥ 2):
t with n−1 degrees of freedom, centre ȳ, scale s √(1 + 1/n).

The stock (the last purchase, or ``level_now`` measured today) lasts stock / rate days:
the centre date uses the median rate, the band the t quantiles (a household eating
faster runs out earlier). The band narrows as history grows: from the population's
spread to the household's own, and the t quantile and 1/κₙ shrink with n.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from scipy import stats

from .errors import PredictError, first_bad
from .summary import as_dates

CONFIDENCE = 0.8  # the band: 80% of households like this one run out inside it
BASES = ("", "history", "history+population", "population")


@dataclass(frozen=True)
class RatePrior:
    """What is known before a household's own history: per-person daily log-rates."""

    mean_log: float  # m₀
    sd_log: float  # s₀: spread of one household's interval rates
    kappa: float = 1.0  # κ₀: m₀ is worth this many intervals
    nu: float = 4.0  # ν₀: s₀ is worth this many intervals

    @classmethod
    def from_rate(cls, per_person_per_day: float, *, cv: float = 0.3, kappa: float = 1.0,
                  nu: float = 4.0) -> RatePrior:
        """A prior centred on a known rate (e.g. 0.25 kg of rice per person per day) with a
        coefficient of variation ``cv`` between intervals."""
        if not per_person_per_day > 0 or not cv > 0:
            raise PredictError("bad_value", "the prior rate and its cv must be above 0")
        return cls(float(np.log(per_person_per_day)), float(np.sqrt(np.log1p(cv**2))),
                   kappa, nu)

    @classmethod
    def from_population(cls, n, mean_log, ss, *, nu: float = 4.0) -> RatePrior | None:
        """Method of moments over households with at least two intervals (arrays: their
        interval counts, mean log-rates and sums of squares): s₀² is the pooled
        within-household variance, κ₀ = s₀²/τ² with τ² the variance of households' means
        net of their sampling error. None with fewer than two such households."""
        n, mean_log, ss = (np.asarray(v, dtype=np.float64) for v in (n, mean_log, ss))
        k = n >= 2
        if k.sum() < 2:
            return None
        within = float(ss[k].sum() / (n[k] - 1).sum())
        means = mean_log[k]
        between = float(means.var(ddof=1) - np.mean(within / n[k]))
        between = max(between, within / 100)  # households never all identical
        sd = max(np.sqrt(within), 1e-3)
        return cls(float(means.mean()), float(sd), kappa=sd**2 / between, nu=nu)


@dataclass(frozen=True)
class RunOut:
    date: dt.date  # the centre: at the median rate
    low: dt.date  # earliest in the band (faster consumption)
    high: dt.date  # latest in the band
    rate_per_day: float  # household, median
    per_person_per_day: float
    basis: str  # "history", "history+population" or "population"
    intervals: int = 0


@dataclass(frozen=True)
class RunOutMany:
    customer_ids: np.ndarray
    date: np.ndarray  # datetime64[D]; NaT where nothing can be said
    low: np.ndarray
    high: np.ndarray
    rate_per_day: np.ndarray
    per_person_per_day: np.ndarray
    intervals: np.ndarray
    basis: np.ndarray  # as RunOut.basis, "" where nothing can be said
    prior: RatePrior | None


def run_out(*, capacity: float | None, household_size: float, observations, today,
            level_now: float | None = None, prior: RatePrior | None = None,
            confidence: float = CONFIDENCE) -> RunOut:
    """Run-out date of one household. ``observations``: (date, quantity) pairs, quantity
    None for "filled to capacity". Without a ``prior`` at least three purchases (two
    intervals) are needed; with one, none."""
    obs = list(observations)
    dates = [o[0] for o in obs]
    qty = [np.nan if o[1] is None else o[1] for o in obs]
    many = run_out_many(customers=np.array([0]), household_size=[household_size],
                        capacity=[np.nan if capacity is None else capacity],
                        purchase_customer=np.zeros(len(obs), dtype=np.int64),
                        purchase_date=np.array(dates, dtype="datetime64[D]"),
                        purchase_quantity=np.array(qty, dtype=np.float64), today=today,
                        level_now=None if level_now is None else [level_now],
                        prior=prior or _NO_PRIOR, confidence=confidence)
    if np.isnat(many.date[0]):
        if not obs:
            raise PredictError("too_little_history", "no purchase recorded")
        raise PredictError("too_little_history", "two intervals between purchases are needed "
                                                 "without a population prior")
    return RunOut(date=many.date[0].item(), low=many.low[0].item(), high=many.high[0].item(),
                  rate_per_day=float(many.rate_per_day[0]),
                  per_person_per_day=float(many.per_person_per_day[0]),
                  basis=str(many.basis[0]), intervals=int(many.intervals[0]))


_NO_PRIOR = RatePrior(0.0, 1.0, kappa=0.0, nu=0.0)  # marker: the classical interval


def run_out_many(*, customers, household_size, capacity, purchase_customer, purchase_date,
                 purchase_quantity, today, level_now=None, prior: RatePrior | None = None,
                 confidence: float = CONFIDENCE) -> RunOutMany:
    """Run-out dates of many households at once (arrays).

    ``customers`` with ``household_size`` and ``capacity`` (NaN: unknown) aligned to it;
    the purchases name their customer by the same ids (fastest when sorted by customer,
    then date). ``level_now`` (aligned to ``customers``, NaN: not measured). Without a
    ``prior`` one is estimated from these households (:meth:`RatePrior.from_population`).
    """
    cust_ids = np.asarray(customers).ravel()
    h = np.asarray(household_size, dtype=np.float64).ravel()
    cap = np.asarray(capacity, dtype=np.float64).ravel()
    n_c = cust_ids.size
    if not h.size == cap.size == n_c:
        raise PredictError("bad_value", "customers, household_size and capacity differ in length")
    if (i := first_bad(~(h > 0))) is not None:
        raise PredictError("bad_value", f"household size must be above 0, not {h[i]:g}",
                           index=i, column="household_size")
    if (i := first_bad(cap <= 0)) is not None:
        raise PredictError("bad_value", "capacity must be above 0", index=i, column="capacity")
    today_d = np.datetime64(today, "D")
    level = (np.full(n_c, np.nan) if level_now is None
             else np.asarray(level_now, dtype=np.float64).ravel())
    if (i := first_bad(level < 0)) is not None:
        raise PredictError("bad_value", "level_now must be ≥ 0", index=i, column="level_now")

    pc = _positions(cust_ids, np.asarray(purchase_customer).ravel())
    days = as_dates(purchase_date).ravel()
    qty = np.asarray(purchase_quantity, dtype=np.float64).ravel()
    if not pc.size == days.size == qty.size:
        raise PredictError("bad_value", "purchase arrays differ in length")
    if (i := first_bad(np.isnat(days))) is not None:
        raise PredictError("bad_value", "missing date", index=i, column="date")
    if (i := first_bad(days > today_d)) is not None:
        raise PredictError("future_date", f"date {days[i]} is after today ({today_d})",
                           index=i, column="date")
    if (i := first_bad(qty < 0)) is not None:
        raise PredictError("bad_value", f"quantity must be ≥ 0, not {qty[i]:g}", index=i,
                           column="quantity")
    qty = np.where(np.isnan(qty), cap[pc], qty)  # "filled it": the capacity (NaN if unknown)

    # Sort by (customer, day) unless already so, and merge purchases on the same day.
    day_n = days.astype(np.int64)
    span = int(day_n.max() - day_n.min() + 1) if day_n.size else 1
    key = pc.astype(np.int64) * span + (day_n - (day_n.min() if day_n.size else 0))
    if key.size > 1 and not np.all(key[1:] >= key[:-1]):
        order = np.argsort(key, kind="stable")
        key, pc, day_n, qty = key[order], pc[order], day_n[order], qty[order]
    starts = np.flatnonzero(np.concatenate([[True], key[1:] != key[:-1]])) if key.size else key
    if key.size:
        qty = np.add.reduceat(qty, starts)
        pc, day_n = pc[starts], day_n[starts]

    # Intervals: consecutive purchases of one customer.
    same = pc[1:] == pc[:-1]
    gap = (day_n[1:] - day_n[:-1])[same].astype(np.float64)
    used = qty[:-1][same]
    ic = pc[:-1][same]
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.log(used / gap / h[ic])
    ok = np.isfinite(y)  # a zero or unknown quantity says nothing about the rate
    y, ic = y[ok], ic[ok]
    n = np.bincount(ic, minlength=n_c).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        ybar = np.bincount(ic, weights=y, minlength=n_c) / n
    ss = np.bincount(ic, weights=(y - ybar[ic]) ** 2, minlength=n_c)

    if prior is None:
        prior = RatePrior.from_population(n, ybar, ss)
    centre, scale, df, basis = _predictive(n, ybar, ss, None if prior is _NO_PRIOR else prior)
    df = np.where(np.isfinite(df), df, 1.0)
    levels, which = np.unique(df, return_inverse=True)  # few distinct interval counts
    q = stats.t.ppf(0.5 + confidence / 2, levels)[which]

    # The stock and when it was measured: level_now today, else the last purchase.
    last = np.full(n_c, -1, dtype=np.int64)
    if pc.size:
        ends = np.flatnonzero(np.concatenate([pc[1:] != pc[:-1], [True]]))
        last[pc[ends]] = ends
    has = last >= 0
    stock = np.where(has, qty[np.maximum(last, 0)], np.nan)
    start = np.where(has, day_n[np.maximum(last, 0)], 0).astype(np.float64)
    measured = ~np.isnan(level)
    stock = np.where(measured, level, stock)
    start = np.where(measured, today_d.astype(np.int64), start)
    start = np.where(has | measured, start, np.nan)

    rate = h * np.exp(centre)
    with np.errstate(invalid="ignore", over="ignore"):
        mid = start + stock / rate
        early = start + stock / (h * np.exp(centre + q * scale))
        late = start + stock / (h * np.exp(centre - q * scale))
    basis = np.array(BASES)[np.where(np.isfinite(mid), basis, 0)]
    return RunOutMany(customer_ids=cust_ids, date=_to_dates(mid), low=_to_dates(early),
                      high=_to_dates(late), rate_per_day=rate, per_person_per_day=np.exp(centre),
                      intervals=n.astype(np.int64), basis=basis,
                      prior=None if prior is _NO_PRIOR else prior)


def _predictive(n, ybar, ss, prior: RatePrior | None):
    """(centre, scale, degrees of freedom, basis) of the next interval's log-rate."""
    if prior is None:
        with np.errstate(invalid="ignore", divide="ignore"):
            ok = n >= 2
            s2 = np.where(ok, ss / np.maximum(n - 1, 1), np.nan)
            scale = np.sqrt(s2 * (1 + 1 / np.maximum(n, 1)))
            return (np.where(ok, ybar, np.nan), scale, np.where(ok, n - 1, np.nan),
                    np.where(ok, 1, 0))
    k0, m0, v0, s0 = prior.kappa, prior.mean_log, prior.nu, prior.sd_log
    kn = k0 + n
    mean = np.where(n > 0, ybar, 0.0)
    mn = (k0 * m0 + n * mean) / kn
    vn = v0 + n
    with np.errstate(invalid="ignore", divide="ignore"):
        sn2 = (v0 * s0**2 + ss + k0 * n * (mean - m0) ** 2 / kn) / vn
        scale = np.sqrt(sn2 * (1 + 1 / kn))
    return mn, scale, vn, np.where(n > 0, 2, 3)


def _positions(ids: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Each of ``wanted``'s position in ``ids``; PredictError naming the first unknown."""
    if (ids.dtype.kind in "iu" and wanted.dtype.kind in "iu" and ids.size
            and ids[0] == 0 and ids[-1] == ids.size - 1 and np.all(np.diff(ids) == 1)):
        if (i := first_bad((wanted < 0) | (wanted >= ids.size))) is not None:
            raise PredictError("unknown_customer", f"unknown customer {wanted[i]!r}",
                               index=i, column="customer")
        return wanted.astype(np.int64)  # ids 0 … n−1: positions already
    order = np.argsort(ids, kind="stable")
    pos = np.searchsorted(ids[order], wanted)
    pos = np.minimum(pos, ids.size - 1)
    found = ids[order][pos] == wanted if ids.size else np.zeros(wanted.size, bool)
    if (i := first_bad(~found)) is not None:
        raise PredictError("unknown_customer", f"unknown customer {wanted[i]!r}", index=i,
                           column="customer")
    return order[pos]


def _to_dates(day_numbers) -> np.ndarray:
    out = np.full(np.shape(day_numbers), np.datetime64("NaT"), dtype="datetime64[D]")
    ok = np.isfinite(day_numbers) & (np.abs(day_numbers) < 1e7)
    out[ok] = np.floor(day_numbers[ok]).astype(np.int64).astype("datetime64[D]")
    return out
