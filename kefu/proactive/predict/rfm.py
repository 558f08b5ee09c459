"""RFM: recency, frequency and monetary scores, and named segments from editable rules.

Recency is judged against each customer's own rhythm: days since the last purchase
divided by their typical gap between purchases (the median; for a customer with a single
purchase, the population's median gap). 0.5 means "half-way to their next purchase",
3 means "three purchases overdue".

Scores run from 1 to ``bins`` (5 by default): four cut points split the values into five
bins closed on the right, (−∞, c₁], (c₁, c₂], … (c₄, ∞). By default the cut points are the
quintiles of the data; a business can fix its own (``cuts``). Frequency and monetary
score 1 in the lowest bin; recency (the rhythm ratio, lower is better) scores 5 there.

Segments: a list of rules, first match wins. A rule is a dict with a ``segment`` name and
optional inclusive ranges on the scores — ``{"segment": "champions", "r": [4, 5],
"f": [4, 5]}`` — and optionally on the raw rhythm ratio (``"ratio": [lo, hi]``); a
missing key matches anything. Customers no rule matches get ``"other"``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import PredictError, first_bad

BINS = 5
OTHER = "other"
KEYS = ("r", "f", "m", "ratio")

# Order matters: the first matching rule names the segment.
DEFAULT_RULES: list[dict] = [
    {"segment": "champions", "r": [4, 5], "f": [4, 5], "m": [4, 5]},
    {"segment": "cant_lose", "r": [1, 2], "f": [4, 5], "m": [4, 5]},
    {"segment": "at_risk", "r": [1, 2], "f": [3, 5]},
    {"segment": "loyal", "r": [3, 5], "f": [3, 5]},
    {"segment": "new", "r": [4, 5], "f": [1, 1]},
    {"segment": "potential", "r": [3, 5], "f": [1, 2]},
    {"segment": "hibernating", "r": [2, 2], "f": [1, 2]},
    {"segment": "lost", "r": [1, 1], "f": [1, 2]},
]


@dataclass(frozen=True)
class RfmScores:
    r: np.ndarray  # 1 … bins
    f: np.ndarray
    m: np.ndarray
    ratio: np.ndarray  # days since the last purchase ÷ the customer's typical gap
    cuts: dict  # {"r": [...], "f": [...], "m": [...]} as used


def rhythm_ratio(days_since_last, typical_gap, *, fallback_gap: float | None = None
                 ) -> np.ndarray:
    """Days since the last purchase ÷ the typical gap; a missing or zero gap (one purchase
    so far) is replaced by ``fallback_gap`` (default: the median of the known gaps)."""
    days = np.asarray(days_since_last, dtype=np.float64).ravel()
    gap = np.asarray(typical_gap, dtype=np.float64).ravel()
    if days.size != gap.size:
        raise PredictError("bad_value", "days_since_last and typical_gap differ in length")
    if (i := first_bad(~np.isfinite(days) | (days < 0))) is not None:
        raise PredictError("bad_value", "days since the last purchase must be ≥ 0", index=i,
                           column="days_since_last")
    known = np.isfinite(gap) & (gap > 0)
    if fallback_gap is None:
        fallback_gap = float(np.median(gap[known])) if known.any() else 1.0
    return days / np.where(known, gap, fallback_gap)


def typical_gaps(customer_index, day_numbers, n_customers: int) -> np.ndarray:
    """Median gap in days between a customer's distinct purchase days (NaN with fewer than
    two). ``customer_index`` 0 … n−1 and integer day numbers, sorted by customer then day."""
    c = np.asarray(customer_index, dtype=np.int64).ravel()
    d = np.asarray(day_numbers, dtype=np.int64).ravel()
    if c.size > 1 and not np.all((c[1:] > c[:-1]) | ((c[1:] == c[:-1]) & (d[1:] >= d[:-1]))):
        order = np.lexsort((d, c))
        c, d = c[order], d[order]
    same = (c[1:] == c[:-1]) & (d[1:] != d[:-1])
    gc, gaps = c[:-1][same], (d[1:] - d[:-1])[same].astype(np.float64)
    out = np.full(n_customers, np.nan)
    if not gaps.size:
        return out
    # Median per customer: sort one (customer, gap) key by value (no argsort needed).
    width = np.int64(gaps.max()) + 1
    key = np.sort(gc * width + gaps.astype(np.int64))
    gc, gaps = key // width, (key % width).astype(np.float64)
    count = np.bincount(gc, minlength=n_customers)
    first = np.concatenate([[0], np.cumsum(count)[:-1]])
    has = count > 0
    lo = first[has] + (count[has] - 1) // 2
    hi = first[has] + count[has] // 2
    out[has] = (gaps[lo] + gaps[hi]) / 2
    return out


def quantile_cuts(values, bins: int = BINS) -> list[float]:
    """The ``bins − 1`` cut points that split ``values`` into equal shares."""
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    if not v.size:
        raise PredictError("too_few_customers", "no values to cut into bins")
    return [float(c) for c in np.quantile(v, np.arange(1, bins) / bins)]


def _bin(values, cuts) -> np.ndarray:
    cuts = np.asarray(cuts, dtype=np.float64)
    if cuts.ndim != 1 or np.any(np.diff(cuts) < 0):
        raise PredictError("bad_value", "cut points must be a non-decreasing list")
    return np.searchsorted(cuts, values, side="left")  # 0 … len(cuts), bins closed right


def scores(ratio, frequency, monetary, *, cuts: dict | None = None,
           bins: int = BINS) -> RfmScores:
    """RFM scores 1 … ``bins``. ``cuts`` may fix any of ``"r"`` (on the rhythm ratio),
    ``"f"``, ``"m"`` (each ``bins − 1`` numbers); the others are the data's quantiles."""
    ratio, f, m = (np.asarray(v, dtype=np.float64).ravel() for v in (ratio, frequency, monetary))
    if not ratio.size == f.size == m.size:
        raise PredictError("bad_value", "ratio, frequency and monetary differ in length")
    used = {}
    for name, v in (("r", ratio), ("f", f), ("m", m)):
        given = (cuts or {}).get(name)
        if given is not None and len(given) != bins - 1:
            raise PredictError("bad_value", f"{name} needs {bins - 1} cut points, "
                                            f"not {len(given)}")
        used[name] = list(given) if given is not None else quantile_cuts(v, bins)
    return RfmScores(r=bins - _bin(ratio, used["r"]), f=1 + _bin(f, used["f"]),
                     m=1 + _bin(m, used["m"]), ratio=ratio, cuts=used)


def validate_rules(rules) -> list[dict]:
    """The rules, checked: a list of dicts with a non-empty ``segment`` and [lo, hi] ranges
    (lo ≤ hi) on r, f, m, ratio only. PredictError ``bad_rule`` names the rule (0-based)."""
    if not isinstance(rules, list | tuple):
        raise PredictError("bad_rule", "rules must be a list")
    for i, rule in enumerate(rules):
        if not isinstance(rule, dict) or not str(rule.get("segment") or "").strip():
            raise PredictError("bad_rule", f"rule {i + 1} has no segment name", index=i)
        for key, value in rule.items():
            if key == "segment":
                continue
            if key not in KEYS:
                raise PredictError("bad_rule", f"rule {i + 1}: unknown key {key!r} "
                                               f"(known: {', '.join(KEYS)})", index=i)
            ok = (isinstance(value, list | tuple) and len(value) == 2
                  and all(isinstance(b, int | float) and not isinstance(b, bool)
                          for b in value) and value[0] <= value[1])
            if not ok:
                raise PredictError("bad_rule", f"rule {i + 1}: {key} must be [low, high] "
                                               f"with low ≤ high, not {value!r}", index=i)
    return list(rules)


def segment(rfm: RfmScores, rules=None) -> np.ndarray:
    """Each customer's segment name: the first rule that matches (``DEFAULT_RULES`` when
    none given), ``"other"`` when none does."""
    rules = validate_rules(DEFAULT_RULES if rules is None else rules)
    values = {"r": rfm.r, "f": rfm.f, "m": rfm.m, "ratio": rfm.ratio}
    choice = np.full(rfm.r.size, len(rules), dtype=np.int64)
    for i in range(len(rules) - 1, -1, -1):  # last to first: earlier rules overwrite
        match = np.ones(rfm.r.size, dtype=bool)
        for key in KEYS:
            if key in rules[i]:
                lo, hi = rules[i][key]
                match &= (values[key] >= lo) & (values[key] <= hi)
        choice[match] = i
    names = np.array([str(r["segment"]) for r in rules] + [OTHER], dtype=object)
    return names[choice]
