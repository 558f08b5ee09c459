"""SERVQUAL figures from the rollups, one grouped query per chart.

- ``overview(f)``: expectation, perception and gap (P − E) per dimension and per item with
  95 % intervals, the overall and importance-weighted gap, the importance shares, the
  number of respondents — the radar and the gap bars;
- ``zone(f)``: the zone of tolerance from the three-column form: desired, adequate and
  perceived per dimension and item, MSA (P − adequate) and MSS (P − desired);
- ``trend(f)``: the gap per dimension and overall, month by month;
- ``gaps_model(f)``: the customers' expectations against the managers' estimate of them
  (gap 1, from the management-perception survey) beside the customer gap (P − E), and the
  importance customers give against what managers believe they give.

A dimension's figures are the respondents' dimension means (``rollup_rules``); an item's
are its answers'. Intervals are t intervals from the rollup's count, sum and sum of squares.
"""

from __future__ import annotations

from django.db.models import Q

from kefu.surveys import rules
from kefu.surveys.models import Question

from ._common import SUMS, dimension_labels, dimension_order, instrument_id, mean
from .filters import DashboardFilter

C = rules.Column
WEIGHTS = list(range(C.WEIGHT_TANGIBLES, C.WEIGHT_EMPATHY + 1))
EP_COLUMNS = (C.EXPECTATION, C.PERCEPTION, C.GAP)
ZONE_COLUMNS = (C.DESIRED, C.ADEQUATE, C.PERCEPTION, C.MSA, C.MSS)
OVERALL_EXTRA = (C.WEIGHTED_GAP, C.WEIGHTED_PERCEPTION)


def _read(f: DashboardFilter, code: str, columns, *, items: bool = True):
    """One grouped query: (question, dimension, column) → sums, for the instrument ``code``."""
    wanted = [*columns, *OVERALL_EXTRA, *WEIGHTS, C.RESPONSES]
    qs = f.rollup_rows(agent=False).filter(instrument_id=instrument_id(code),
                                           column__in=wanted, option=0)
    if not items:  # dimension rows, and the importance points (rows of the weights question)
        qs = qs.filter(Q(question_id=0) | Q(column__in=WEIGHTS))
    return qs.values_list("question_id", "dimension", "column").annotate(**SUMS).order_by()


def _read_staff(f: DashboardFilter, code: str, columns):
    """The same for a staff survey: period, branch, team and scope only, and company-wide
    answers (no branch, no team) counted for everyone."""
    wanted = [*columns, *WEIGHTS, C.RESPONSES]
    qs = f.rollup_rows(staff=True).filter(Q(question_id=0) | Q(column__in=WEIGHTS),
                                          instrument_id=instrument_id(code),
                                          column__in=wanted, option=0)
    return qs.values_list("question_id", "dimension", "column").annotate(**SUMS).order_by()


def _shape(rows, columns) -> dict:
    names = {int(c): rules.COLUMN_NAMES[c] for c in columns}
    items: dict[int, dict] = {}
    dimensions: dict[str, dict] = {}
    overall: dict[str, dict] = {}
    weights: dict[str, list] = {}
    respondents = 0
    for question_id, dimension, column, n, total, squares in rows:
        if column == C.RESPONSES:
            respondents += n
        elif column in WEIGHTS:
            acc = weights.setdefault(dimension, [0, 0.0])
            acc[0] += n
            acc[1] += total
        elif question_id:
            if column in names:
                items.setdefault(question_id, {"dimension": dimension})[names[column]] = \
                    mean(n, total, squares)
        elif dimension == rules.OVERALL:
            overall[rules.COLUMN_NAMES[column]] = mean(n, total, squares)
        elif column in names:
            dimensions.setdefault(dimension, {})[names[column]] = mean(n, total, squares)
    return {"respondents": respondents, "items": items, "dimensions": dimensions,
            "overall": overall, "weights": weights}


def _importance(weights: dict[str, list]) -> dict[str, float | None]:
    """Mean points per dimension (of 100) among those who shared them."""
    return {d: (round(t / n, 2) if n else None) for d, (n, t) in weights.items()}


def _items(raw: dict[int, dict], column_names: list[str]) -> list[dict]:
    """Items with their codes and labels (one query for the questions found), in the
    instrument's order; the same code across versions is one item."""
    if not raw:
        return []
    questions = {q.pk: q for q in Question.objects.filter(pk__in=list(raw)).only(
        "pk", "code", "order", "text", "text_en", "dimension")}
    merged: dict[str, dict] = {}
    order: dict[str, tuple] = {}
    for question_id, values in raw.items():
        q = questions.get(question_id)
        code = q.code if q else str(question_id)
        entry = merged.setdefault(code, {"item": code, "label": q.label if q else code,
                                         "dimension": values["dimension"],
                                         "_sums": {}})
        order.setdefault(code, (q.order if q else 0, code))
        for name in column_names:
            if values.get(name):
                entry["_sums"].setdefault(name, []).append(values[name])
    out = []
    for code in sorted(merged, key=lambda c: order[c]):
        entry = merged.pop(code)
        sums = entry.pop("_sums")
        for name in column_names:
            parts = sums.get(name) or []
            entry[name] = parts[0] if len(parts) == 1 else _pool(parts)
        out.append(entry)
    return out


def _pool(parts: list[dict]) -> dict | None:
    """Two versions' figures of one item, pooled by the counts (means only: the interval of
    a pooled mean needs the sums, which the caller did not keep — so none is given)."""
    if not parts:
        return None
    n = sum(p["n"] for p in parts)
    return {"mean": round(sum(p["mean"] * p["n"] for p in parts) / n, 4), "ci95": None, "n": n}


def overview(f: DashboardFilter, *, instrument: str = "servqual") -> dict:
    """The radar (expectation vs perception per dimension) and the gap bars (gap with its
    95 % interval per dimension and item)."""
    shaped = _shape(_read(f, instrument, EP_COLUMNS), EP_COLUMNS)
    labels = dimension_labels()
    importance = _importance(shaped["weights"])
    dims = shaped["dimensions"]
    return {
        "instrument": instrument,
        "period": {"start": f.start.isoformat(), "end": f.end.isoformat()},
        "respondents": shaped["respondents"],
        "dimensions": [{"dimension": d, "label": labels[d],
                        **{name: dims.get(d, {}).get(name) for name in
                           ("expectation", "perception", "gap")},
                        "importance": importance.get(d)} for d in dimension_order()],
        "items": _items(shaped["items"], ["expectation", "perception", "gap"]),
        "overall": {name: shaped["overall"].get(name) for name in
                    ("expectation", "perception", "gap", "weighted_gap",
                     "weighted_perception")},
        "weakest": _weakest(dims),
    }


def _weakest(dims: dict[str, dict]) -> str | None:
    gaps = {d: v["gap"]["mean"] for d, v in dims.items() if v.get("gap")}
    return min(gaps, key=gaps.get) if gaps else None


def zone(f: DashboardFilter, *, instrument: str = "servqual3") -> dict:
    """The zone of tolerance: adequate (lower bound) to desired (upper bound) with the
    perceived level, per dimension and item; MSA and MSS. ``position``: below / within /
    above the zone, from the means."""
    names = ["desired", "adequate", "perception", "msa", "mss"]
    shaped = _shape(_read(f, instrument, ZONE_COLUMNS), ZONE_COLUMNS)
    labels = dimension_labels()
    dims = shaped["dimensions"]
    rows = []
    for d in dimension_order():
        values = {name: dims.get(d, {}).get(name) for name in names}
        rows.append({"dimension": d, "label": labels[d], **values,
                     "position": _position(values)})
    items = _items(shaped["items"], names)
    for item in items:
        item["position"] = _position(item)
    return {"instrument": instrument,
            "period": {"start": f.start.isoformat(), "end": f.end.isoformat()},
            "respondents": shaped["respondents"], "dimensions": rows, "items": items,
            "overall": {name: shaped["overall"].get(name) for name in names}}


def _position(values: dict) -> str | None:
    try:
        p, lo, hi = (values[k]["mean"] for k in ("perception", "adequate", "desired"))
    except (KeyError, TypeError):
        return None
    return "below" if p < lo else "above" if p > hi else "within"


def trend(f: DashboardFilter, *, instrument: str = "servqual") -> dict:
    """The gap per dimension and overall, month by month (months without answers are
    left out of a series, not zero)."""
    qs = f.rollup_rows(agent=False).filter(instrument_id=instrument_id(instrument),
                                           question_id=0, column=C.GAP, option=0)
    rows = (qs.values_list("period", "dimension").annotate(**SUMS)
            .order_by("period", "dimension"))
    labels = dimension_labels()
    series: dict[str, list] = {d: [] for d in [*dimension_order(), rules.OVERALL]}
    for period, dimension, n, total, squares in rows:
        point = mean(n, total, squares)
        if point and dimension in series:
            series[dimension].append({"month": period.isoformat()[:7], **point})
    return {"instrument": instrument,
            "months": [m.isoformat()[:7] for m in f.months],
            "series": series, "labels": {**labels, rules.OVERALL: _overall_label()}}


def _overall_label() -> str:
    from django.utils.translation import gettext as _

    return _("Overall")


def gaps_model(f: DashboardFilter, *, customer: str = "servqual",
               management: str = "management", overview_of: dict | None = None) -> dict:
    """Gap 1 (the listening gap): what customers expect minus what managers believe they
    expect, per dimension; the customer gap (P − E) beside it; importance (points of 100)
    as customers give it and as managers believe they give it.

    The managers' answers are filtered by period, branch and team only (tier and channel
    describe customers); company-wide answers (no branch, no team) count for everyone.
    ``overview_of``: ``overview(f)`` already read for the same filter and instrument (the
    dashboard page has it): its customer figures are used instead of reading them again."""
    if overview_of is None:
        overview_of = _customer_side(f, customer)
    managers = _shape(_read_staff(f, management, (C.EXPECTATION,)), (C.EXPECTATION,))
    labels = dimension_labels()
    mgmt_imp = _importance(managers["weights"])
    customers = {d["dimension"]: d for d in overview_of["dimensions"]}
    rows = []
    for d in dimension_order():
        ce = customers.get(d, {}).get("expectation")
        me = managers["dimensions"].get(d, {}).get("expectation")
        gap1 = round(ce["mean"] - me["mean"], 4) if ce and me else None
        rows.append({"dimension": d, "label": labels[d], "customer_expectation": ce,
                     "management_expectation": me, "gap1": gap1,
                     "customer_gap": customers.get(d, {}).get("gap"),
                     "customer_importance": customers.get(d, {}).get("importance"),
                     "management_importance": mgmt_imp.get(d)})
    return {"period": {"start": f.start.isoformat(), "end": f.end.isoformat()},
            "customer_respondents": overview_of["respondents"],
            "management_respondents": managers["respondents"], "dimensions": rows,
            "overall_customer_gap": overview_of["overall"].get("gap")}


def _customer_side(f: DashboardFilter, code: str) -> dict:
    """The dimension part of ``overview`` (no items): one query."""
    shaped = _shape(_read(f, code, EP_COLUMNS, items=False), EP_COLUMNS)
    importance = _importance(shaped["weights"])
    return {"respondents": shaped["respondents"],
            "dimensions": [{"dimension": d, **shaped["dimensions"].get(d, {}),
                            "importance": importance.get(d)} for d in dimension_order()],
            "overall": shaped["overall"]}
