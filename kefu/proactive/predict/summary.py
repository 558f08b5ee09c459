"""Purchases → one row per customer: what BG/NBD, Gamma-Gamma and RFM read.

Time is counted in whole periods (days, or weeks starting on Monday) from the customer's
first purchase; several purchases in the same period count as one (their amounts are
added). For each customer:

- ``frequency`` — repeat purchases: periods with a purchase, minus the first;
- ``recency`` — age at the last purchase (0 without a repeat purchase);
- ``T`` — age today;
- ``monetary_value`` — mean amount per repeat period (the first purchase is left out, as
  the Gamma-Gamma model expects), 0 without a repeat purchase; None when no amounts are
  given.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from .errors import PredictError, first_bad

PERIOD_DAYS = {"day": 1, "week": 7}
MONDAY = np.datetime64("1970-01-05")  # weeks start on Monday (ISO 8601)


@dataclass(frozen=True)
class Summary:
    customer_ids: np.ndarray  # distinct, sorted
    frequency: np.ndarray
    recency: np.ndarray
    T: np.ndarray
    monetary_value: np.ndarray | None
    first: np.ndarray  # datetime64[D]: first and last purchase
    last: np.ndarray
    purchases: np.ndarray  # purchase rows per customer (before merging periods)
    total: np.ndarray | None  # all amounts, the first purchase included
    period: str = "day"

    def __len__(self) -> int:
        return int(self.customer_ids.size)


def as_dates(values, column: str = "date") -> np.ndarray:
    """``datetime64[D]`` from dates, datetimes, ISO strings or datetime64 values."""
    try:
        arr = np.asarray(values)
        if arr.dtype.kind == "M":
            return arr.astype("datetime64[D]")
        if arr.dtype == object and arr.size and isinstance(arr.flat[0], dt.datetime):
            return np.array([v.date() for v in arr.ravel()], dtype="datetime64[D]")
        return arr.astype("datetime64[D]")
    except (ValueError, TypeError):
        for i, v in enumerate(np.asarray(values, dtype=object).ravel()):
            try:
                np.datetime64(v, "D")
            except (ValueError, TypeError):
                raise PredictError("bad_value", f"{v!r} is not a date", index=i,
                                   column=column) from None
        raise


def from_transactions(customer_ids, dates, amounts=None, *, period: str = "day",
                      today) -> Summary:
    """Summarise purchase rows (one per purchase: customer, date[, amount]).

    Raises :class:`PredictError` (``index`` = the row's position) for a date after
    ``today``, a negative or non-numeric amount, or arrays of different lengths.
    """
    if period not in PERIOD_DAYS:
        raise PredictError("bad_value", f"period must be day or week, not {period!r}")
    ids = np.asarray(customer_ids).ravel()
    days = as_dates(dates).ravel()
    if ids.size != days.size:
        raise PredictError("bad_value", f"{ids.size} customers but {days.size} dates")
    if ids.size == 0:
        raise PredictError("too_few_customers", "no purchases")
    today_d = np.datetime64(today, "D")
    if (i := first_bad(np.isnat(days))) is not None:
        raise PredictError("bad_value", "missing date", index=i, column="date")
    if (i := first_bad(days > today_d)) is not None:
        raise PredictError("future_date", f"date {days[i]} is after today ({today_d})",
                           index=i, column="date")
    money = None
    if amounts is not None:
        money = np.asarray(amounts, dtype=np.float64).ravel()
        if money.size != ids.size:
            raise PredictError("bad_value", f"{ids.size} customers but {money.size} amounts")
        if (i := first_bad(~np.isfinite(money) | (money < 0))) is not None:
            raise PredictError("bad_value", f"amount must be a number ≥ 0, not {money[i]:g}",
                               index=i, column="amount")

    step = PERIOD_DAYS[period]
    origin = MONDAY if step == 7 else np.datetime64("1970-01-01")
    pidx = (days - origin).astype(np.int64) // step  # period number of each purchase
    today_p = int((today_d - origin).astype(np.int64) // step)
    uniq, cust = customer_index(ids)
    n = uniq.size

    first_p = np.full(n, np.iinfo(np.int64).max)
    last_p = np.full(n, np.iinfo(np.int64).min)
    np.minimum.at(first_p, cust, pidx)
    np.maximum.at(last_p, cust, pidx)
    # Distinct (customer, period) pairs: a sort of one int64 key, no argsort.
    offset = int(pidx.min())
    span = int(pidx.max()) - offset + 1
    keys = sorted_unique(cust.astype(np.int64) * span + (pidx - offset))
    periods = np.bincount(keys // span, minlength=n)

    frequency = (periods - 1).astype(np.float64)
    recency = (last_p - first_p).astype(np.float64)
    T = (today_p - first_p).astype(np.float64)

    monetary = total = None
    if money is not None:
        total = np.bincount(cust, weights=money, minlength=n)
        in_first = pidx == first_p[cust]
        first_amount = np.bincount(cust[in_first], weights=money[in_first], minlength=n)
        monetary = np.where(frequency > 0, (total - first_amount) / np.maximum(frequency, 1),
                            0.0)

    day_number = days.astype(np.int64)
    first_day = np.full(n, np.iinfo(np.int64).max)
    last_day = np.full(n, np.iinfo(np.int64).min)
    np.minimum.at(first_day, cust, day_number)
    np.maximum.at(last_day, cust, day_number)
    return Summary(customer_ids=uniq, frequency=frequency, recency=recency, T=T,
                   monetary_value=monetary, first=first_day.astype("datetime64[D]"),
                   last=last_day.astype("datetime64[D]"),
                   purchases=np.bincount(cust, minlength=n), total=total, period=period)


def customer_index(ids) -> tuple[np.ndarray, np.ndarray]:
    """(distinct ids sorted, each row's position among them). Whole numbers ≥ 0 below 2^26
    go through a presence table (linear time); anything else through ``np.unique``."""
    ids = np.asarray(ids).ravel()
    if ids.dtype.kind in "iu" and ids.size and ids.min() >= 0 and ids.max() < 2**26:
        present = np.zeros(int(ids.max()) + 1, dtype=bool)
        present[ids] = True
        position = np.cumsum(present) - 1
        return np.flatnonzero(present).astype(ids.dtype), position[ids]
    uniq, inverse = np.unique(ids, return_inverse=True)
    return uniq, inverse.ravel()


def sorted_unique(values) -> np.ndarray:
    """The distinct values, sorted: a plain sort and a comparison (numpy 2.4's hash-based
    ``np.unique`` takes tens of seconds on ten million int64)."""
    s = np.sort(np.asarray(values).ravel())
    if s.size == 0:
        return s
    keep = np.empty(s.size, dtype=bool)
    keep[0] = True
    np.not_equal(s[1:], s[:-1], out=keep[1:])
    return s[keep]
