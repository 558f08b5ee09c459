"""``analyze``: gaps, MSA/MSS, zone of tolerance, weighted scores and alpha per dimension.

Formulas in the package docstring and docs/servqual.md.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats as _st

from ..base import CONFIDENCE, StatsError, check_confidence, t_interval
from ..reliability import MISSING, Alpha, cronbach_alpha
from .data import (
    DIMENSIONS,
    N_DIMENSIONS,
    VALUE_COLUMNS,
    ServqualData,
    first_duplicate,
    first_importance_conflict,
    zone_position,
)
from .results import DimensionResult, ItemResult, OverallResult, ServqualResult, Zone


def analyze(data: ServqualData, *, missing: str = "listwise",
            confidence: float = CONFIDENCE) -> ServqualResult:
    """Every SERVQUAL figure the data allows; the formulas are in the package docstring.

    ``missing`` is how Cronbach's alpha treats respondents who skipped an item of the
    dimension (``listwise`` or ``pairwise``, see ``reliability``).
    """
    check_confidence(confidence)
    if missing not in MISSING:
        raise StatsError("bad_value", f"missing must be one of {', '.join(MISSING)}")
    _validate(data)
    dim_of_item = data.dimension_index()
    ctx = _Context(resp=data.respondent, item=data.item, dim_of_item=dim_of_item,
                   n_resp=len(data.respondent_names), n_items=len(data.item_names),
                   confidence=confidence)
    p = data.perception
    e = data.expectation
    levels = {"perception": _levels(p, ctx)}
    if e is not None:
        levels["expectation"] = _levels(e, ctx)
        levels["gap"] = _levels(p - e, ctx)
    for col, name in (("adequate", "msa"), ("desired", "mss")):
        ref = getattr(data, col)
        if ref is not None:
            has = ~np.isnan(ref)
            levels[col] = _levels(ref, ctx)
            levels[name] = _levels(np.where(has, p - ref, np.nan), ctx)
    zone = None
    if data.adequate is not None and data.desired is not None:
        zone = _ZoneCounts(data.adequate, data.desired, p, ctx)

    items = [_item_result(i, data, levels, zone) for i in range(ctx.n_items)
             if levels["perception"].item_n[i] > 0]
    weights = _Weights(data, ctx, levels) if data.importance is not None else None
    dims = [_dimension_result(d, data, ctx, levels, zone, weights, missing)
            for d in range(N_DIMENSIONS) if not math.isnan(levels["perception"].dim_mean[d])]
    overall = _overall_result(data, ctx, levels, zone, weights, len(dims))
    present = frozenset(c for c in VALUE_COLUMNS if getattr(data, c) is not None)
    return ServqualResult(items=items, dimensions=dims, overall=overall, columns=present)


def _validate(data: ServqualData) -> None:
    n = len(data.respondent)
    if n == 0:
        raise StatsError("no_data", "no answers to analyse")
    for col in VALUE_COLUMNS:
        arr = getattr(data, col)
        if arr is not None and len(arr) != n:
            raise StatsError("bad_value", f"{col} has {len(arr)} values for {n} rows")
    if len(data.item) != n:
        raise StatsError("bad_value", f"item has {len(data.item)} values for {n} rows")
    for col in ("perception", "expectation"):
        arr = getattr(data, col)
        if arr is not None and np.isnan(arr).any():
            row = int(np.flatnonzero(np.isnan(arr))[0])
            raise StatsError("missing_value", f"row {row}: {col} is missing "
                             "(leave out the row of an unanswered item)", details={"row": row})
    for name in data.item_dimensions:
        if name not in DIMENSIONS:
            raise StatsError("unknown_dimension", f"unknown dimension {name!r}")
    dup = first_duplicate(data.respondent, data.item)
    if dup is not None:
        raise StatsError("duplicate", f"rows {dup[0]} and {dup[1]} answer the same item for "
                         "the same respondent", details={"rows": list(dup)})
    if data.importance is not None:
        if (data.importance < 0).any():
            raise StatsError("bad_value", "importance points cannot be negative")
        clash = first_importance_conflict(data.respondent,
                                          data.dimension_index()[data.item], data.importance)
        if clash is not None:
            raise StatsError("importance_conflict",
                             f"rows {clash[0]} and {clash[1]} give the same respondent's "
                             "dimension different importance", details={"rows": list(clash)})


@dataclass
class _Context:
    resp: np.ndarray
    item: np.ndarray
    dim_of_item: np.ndarray
    n_resp: int
    n_items: int
    confidence: float

    def __post_init__(self):
        self.row_dim = self.dim_of_item[self.item]  # each row's dimension


@dataclass
class _Levels:
    """One measure (perception, gap, …) at the three levels."""

    item_mean: np.ndarray  # per item, NaN where no row
    item_n: np.ndarray
    item_ci: list  # per item, (lo, hi) or None
    by_resp_dim: np.ndarray  # n_resp × 5: each respondent's mean over the dimension's items
    dim_mean: np.ndarray  # per dimension: mean of its items' means
    dim_ci: list
    overall: float
    overall_ci: tuple[float, float] | None


def _levels(values: np.ndarray, ctx: _Context) -> _Levels:
    ok = ~np.isnan(values)
    v, it = values[ok], ctx.item[ok]
    count = np.bincount(it, minlength=ctx.n_items)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(it, weights=v, minlength=ctx.n_items) / count
        dev = v - mean[it]
        sd = np.sqrt(np.bincount(it, weights=dev * dev, minlength=ctx.n_items) / (count - 1))
    tq = _st.t.ppf(0.5 + ctx.confidence / 2, np.maximum(count - 1, 1))
    half = tq * sd / np.sqrt(np.maximum(count, 1))
    item_ci = [(float(m - h), float(m + h)) if c >= 2 else None
               for m, h, c in zip(mean, half, count, strict=True)]

    key = ctx.resp[ok] * N_DIMENSIONS + ctx.row_dim[ok]
    rd_count = np.bincount(key, minlength=ctx.n_resp * N_DIMENSIONS)
    with np.errstate(invalid="ignore", divide="ignore"):
        by_resp_dim = (np.bincount(key, weights=v, minlength=ctx.n_resp * N_DIMENSIONS)
                       / rd_count).reshape(ctx.n_resp, N_DIMENSIONS)
    dim_mean = np.full(N_DIMENSIONS, np.nan)
    dim_ci: list = [None] * N_DIMENSIONS
    for d in range(N_DIMENSIONS):
        means = mean[(ctx.dim_of_item == d) & (count > 0)]
        if means.size:
            dim_mean[d] = float(means.mean())
            dim_ci[d] = t_interval(float(dim_mean[d]), by_resp_dim[:, d], ctx.confidence)
    present = ~np.isnan(dim_mean)
    overall = float(dim_mean[present].mean()) if present.any() else math.nan
    sub = by_resp_dim[:, present]
    answered = ~np.isnan(sub)
    with np.errstate(invalid="ignore", divide="ignore"):
        resp_overall = np.where(answered, sub, 0.0).sum(axis=1) / answered.sum(axis=1)
    overall_ci = t_interval(overall, resp_overall, ctx.confidence) if present.any() else None
    return _Levels(item_mean=mean, item_n=count, item_ci=item_ci, by_resp_dim=by_resp_dim,
                   dim_mean=dim_mean, dim_ci=dim_ci, overall=overall, overall_ci=overall_ci)


class _ZoneCounts:
    """Rows below / within / above the zone, per item and per dimension."""

    def __init__(self, adequate, desired, perception, ctx: _Context):
        ok = ~(np.isnan(adequate) | np.isnan(desired))
        below = ok & (perception < adequate)
        above = ok & ~below & (perception > desired)
        self.n_item = np.bincount(ctx.item[ok], minlength=ctx.n_items)
        self.below_item = np.bincount(ctx.item[below], minlength=ctx.n_items)
        self.above_item = np.bincount(ctx.item[above], minlength=ctx.n_items)
        self.n_dim = np.bincount(ctx.row_dim[ok], minlength=N_DIMENSIONS)
        self.below_dim = np.bincount(ctx.row_dim[below], minlength=N_DIMENSIONS)
        self.above_dim = np.bincount(ctx.row_dim[above], minlength=N_DIMENSIONS)

    @staticmethod
    def zone(adequate, desired, perception, n, below, above) -> Zone | None:
        adequate, desired, perception = float(adequate), float(desired), float(perception)
        if n == 0 or math.isnan(adequate) or math.isnan(desired):
            return None
        return Zone(adequate=adequate, desired=desired, perception=perception,
                    width=desired - adequate,
                    position=zone_position(adequate, desired, perception),
                    below=below / n, within=(n - below - above) / n, above=above / n, n=n)


class _Weights:
    """Per-respondent importance weights (normalised per respondent) and weighted scores."""

    def __init__(self, data: ServqualData, ctx: _Context, levels: dict[str, _Levels]):
        imp = data.importance
        ok = ~np.isnan(imp)
        self.points = np.full((ctx.n_resp, N_DIMENSIONS), np.nan)
        self.points[ctx.resp[ok], ctx.row_dim[ok]] = imp[ok]
        total = np.nansum(self.points, axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            self.share = np.where(total > 0, self.points / total, np.nan)
        self.scores = {name: self.weighted(levels[name].by_resp_dim)
                       for name in ("perception", "gap") if name in levels}

    def weighted(self, by_resp_dim: np.ndarray) -> np.ndarray:
        """Each respondent's Σ w_d · score_d / Σ w_d over the dimensions with both."""
        use = ~np.isnan(self.points) & ~np.isnan(by_resp_dim)
        w = np.where(use, self.points, 0.0)
        den = w.sum(axis=1)
        num = (w * np.where(use, by_resp_dim, 0.0)).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(den > 0, num / den, np.nan)

    def importance(self, d: int) -> float | None:
        col = self.share[:, d]
        col = col[~np.isnan(col)]
        return float(col.mean() * 100) if col.size else None


def _f(x) -> float | None:
    x = float(x)
    return None if math.isnan(x) else x


def _item_result(i: int, data: ServqualData, levels, zone) -> ItemResult:
    lv = levels["perception"]
    extra: dict = {}
    if "gap" in levels:
        extra.update(expectation=_f(levels["expectation"].item_mean[i]),
                     gap=_f(levels["gap"].item_mean[i]), gap_ci95=levels["gap"].item_ci[i])
    for col, name in (("adequate", "msa"), ("desired", "mss")):
        if col in levels:
            extra.update({col: _f(levels[col].item_mean[i]),
                          name: _f(levels[name].item_mean[i]),
                          f"{name}_ci95": levels[name].item_ci[i]})
    if zone is not None:
        extra["zone"] = zone.zone(levels["adequate"].item_mean[i],
                                  levels["desired"].item_mean[i], float(lv.item_mean[i]),
                                  int(zone.n_item[i]), int(zone.below_item[i]),
                                  int(zone.above_item[i]))
    return ItemResult(item=data.item_names[i], dimension=data.item_dimensions[i],
                      n=int(lv.item_n[i]), perception=float(lv.item_mean[i]),
                      perception_ci95=lv.item_ci[i], **extra)


def _dimension_result(d: int, data: ServqualData, ctx: _Context, levels, zone, weights,
                      missing: str) -> DimensionResult:
    lv = levels["perception"]
    extra: dict = {}
    if "gap" in levels:
        extra.update(expectation=_f(levels["expectation"].dim_mean[d]),
                     gap=_f(levels["gap"].dim_mean[d]), gap_ci95=levels["gap"].dim_ci[d],
                     alpha_expectation=_dimension_alpha(data.expectation, d, data, ctx,
                                                        missing))
    for col, name in (("adequate", "msa"), ("desired", "mss")):
        if col in levels:
            extra.update({col: _f(levels[col].dim_mean[d]), name: _f(levels[name].dim_mean[d]),
                          f"{name}_ci95": levels[name].dim_ci[d]})
    if zone is not None:
        extra["zone"] = zone.zone(levels["adequate"].dim_mean[d], levels["desired"].dim_mean[d],
                                  float(lv.dim_mean[d]), int(zone.n_dim[d]),
                                  int(zone.below_dim[d]), int(zone.above_dim[d]))
    if weights is not None:
        extra["importance"] = weights.importance(d)
    return DimensionResult(
        dimension=DIMENSIONS[d], items=int(((ctx.dim_of_item == d) & (lv.item_n > 0)).sum()),
        n=int((~np.isnan(lv.by_resp_dim[:, d])).sum()), perception=float(lv.dim_mean[d]),
        perception_ci95=lv.dim_ci[d],
        alpha_perception=_dimension_alpha(data.perception, d, data, ctx, missing), **extra)


def _overall_result(data: ServqualData, ctx: _Context, levels, zone, weights,
                    n_dims: int) -> OverallResult:
    lv = levels["perception"]
    extra: dict = {}
    if "gap" in levels:
        extra.update(expectation=levels["expectation"].overall, gap=levels["gap"].overall,
                     gap_ci95=levels["gap"].overall_ci)
    for col, name in (("adequate", "msa"), ("desired", "mss")):
        if col in levels:
            extra.update({col: _f(levels[col].overall), name: _f(levels[name].overall),
                          f"{name}_ci95": levels[name].overall_ci})
    if zone is not None:
        n = int(zone.n_dim.sum())
        extra["zone"] = zone.zone(levels["adequate"].overall, levels["desired"].overall,
                                  lv.overall, n, int(zone.below_dim.sum()),
                                  int(zone.above_dim.sum()))
    if weights is not None:
        for name, scores in weights.scores.items():
            valid = scores[~np.isnan(scores)]
            mean = float(valid.mean()) if valid.size else None
            extra[f"{name}_weighted"] = mean
            extra[f"{name}_weighted_ci95"] = (t_interval(mean, valid, ctx.confidence)
                                              if mean is not None else None)
            extra["n_weighted"] = int(valid.size)
    return OverallResult(respondents=int(np.unique(data.respondent).size),
                         items=int((lv.item_n > 0).sum()), rows=len(data.respondent),
                         dimensions=n_dims, perception=lv.overall,
                         perception_ci95=lv.overall_ci, **extra)


def _dimension_alpha(values: np.ndarray, d: int, data: ServqualData, ctx: _Context,
                     missing: str) -> Alpha | None:
    """Alpha of the dimension's items (respondents × items); None where it is undefined
    (one item, fewer than two complete respondents, no variance)."""
    rows = ctx.row_dim == d
    items = np.unique(ctx.item[rows])  # the dimension's items that have answers
    if items.size < 2:
        return None
    resp_local, resp_index = np.unique(ctx.resp[rows], return_inverse=True)
    local = np.full(ctx.n_items, -1)
    local[items] = np.arange(items.size)
    matrix = np.full((resp_local.size, items.size), np.nan)
    matrix[resp_index, local[ctx.item[rows]]] = values[rows]
    try:
        return cronbach_alpha(matrix, missing=missing, confidence=ctx.confidence,
                              items=[data.item_names[i] for i in items])
    except StatsError:
        return None
