"""Refit the models on the business's own purchase history and re-score every customer:
BG/NBD (probability alive, expected purchases), Gamma-Gamma and CLV, RFM segments, and the
run-out date of each product a household uses. The maths is ``predict/`` (pure, vectorised);
this module only reads the database into arrays and writes the results back."""

from __future__ import annotations

import logging
from datetime import date, timedelta

import numpy as np
from django.db import transaction
from django.utils import timezone

from kefu.customers.models import Customer

from .models import (
    Consumption,
    Container,
    CustomerScore,
    Product,
    Purchase,
    RunOutForecast,
    SegmentRule,
)

log = logging.getLogger("kefu.proactive")

#: Expected purchases are over this many days; CLV over CLV_DAYS at ANNUAL_DISCOUNT.
HORIZON_DAYS = 30
CLV_DAYS = 365
ANNUAL_DISCOUNT = 0.10
BATCH = 2000


def segment_rules() -> list[dict]:
    """The business's rules (admin-editable), else the models' defaults."""
    from .predict import rfm

    rows = list(SegmentRule.objects.filter(active=True).order_by("order", "code"))
    if not rows:
        return list(rfm.DEFAULT_RULES)
    return [{**r.rule, "segment": r.code} for r in rows]


def _purchase_arrays(today: date):
    rows = list(Purchase.objects.filter(date__lte=today).order_by()
                .values_list("customer_id", "date", "amount"))
    if not rows:
        return None
    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    dates = np.array([r[1] for r in rows], dtype="datetime64[D]")
    amounts = np.fromiter((float(r[2]) for r in rows), dtype=np.float64, count=len(rows))
    return ids, dates, amounts


def score_customers(today: date | None = None) -> dict:
    """Refit and re-score; returns counts (and the fitted parameters, when a fit worked)."""
    from .predict import PredictError, bgnbd, gamma_gamma, summary, value

    today = today or timezone.localdate()
    now = timezone.now()
    arrays = _purchase_arrays(today)
    out: dict = {"customers": 0, "forecasts": 0, "bgnbd": None, "gamma_gamma": None}
    if arrays is not None:
        ids, dates, amounts = arrays
        s = summary.from_transactions(ids, dates, amounts, period="day", today=today)
        n = len(s.customer_ids)
        prob = np.full(n, np.nan)
        expected = np.full(n, np.nan)
        clv = np.full(n, np.nan)
        try:
            params = bgnbd.fit(s.frequency, s.recency, s.T)
            prob = bgnbd.prob_alive(params, s.frequency, s.recency, s.T)
            expected = bgnbd.expected_purchases(params, HORIZON_DAYS, s.frequency, s.recency, s.T)
            out["bgnbd"] = {"r": params.r, "alpha": params.alpha, "a": params.a, "b": params.b}
            repeat = (s.frequency > 0) & (s.monetary_value > 0)
            try:
                gg = gamma_gamma.fit(s.frequency[repeat], s.monetary_value[repeat])
                clv = value.clv(params, gg, s.frequency, s.recency, s.T, s.monetary_value,
                                horizon=CLV_DAYS, discount_rate_per_period=ANNUAL_DISCOUNT / 365)
                out["gamma_gamma"] = {"p": gg.p, "q": gg.q, "v": gg.v}
            except PredictError as exc:
                log.info("gamma-gamma not fitted: %s", exc.message)
        except PredictError as exc:
            log.info("BG/NBD not fitted: %s", exc.message)
        codes, segments = _rfm(s, ids, dates, today)
        last = _last_purchases(today)
        rows = []
        for i, cid in enumerate(s.customer_ids.tolist()):
            rows.append(CustomerScore(
                customer_id=cid, frequency=int(s.frequency[i]), recency=float(s.recency[i]),
                age=float(s.T[i]), monetary=float(s.monetary_value[i]),
                prob_alive=_num(prob[i]), expected_purchases=_num(expected[i]), clv=_num(clv[i]),
                rfm=codes[i], segment=segments[i], last_purchase=last.get(cid), computed_at=now))
        with transaction.atomic():
            CustomerScore.objects.bulk_create(
                rows, batch_size=BATCH, update_conflicts=True, unique_fields=["customer"],
                update_fields=["frequency", "recency", "age", "monetary", "prob_alive",
                               "expected_purchases", "clv", "rfm", "segment", "last_purchase",
                               "computed_at"])
        out["customers"] = len(rows)
    out["forecasts"] = forecast_run_outs(today, now=now)
    return out


def _num(x) -> float | None:
    x = float(x)
    return None if not np.isfinite(x) else round(x, 6)


def _last_purchases(today: date) -> dict[int, date]:
    from django.db.models import Max

    return dict(Purchase.objects.filter(date__lte=today).values("customer_id").annotate(last=Max("date"))
                .values_list("customer_id", "last"))


def _rfm(s, ids, dates, today: date) -> tuple[list[str], list[str]]:
    """RFM codes ("545") and segment names per customer of the summary. Recency is the
    days since the last purchase against the customer's own median gap (``predict.rfm``);
    monetary the total spent."""
    from .predict import PredictError, rfm

    n = len(s.customer_ids)
    try:
        position = np.searchsorted(s.customer_ids, ids)
        days = dates.astype(np.int64)
        gaps = rfm.typical_gaps(position, days, n)
        since = (np.datetime64(today, "D") - s.last).astype(np.int64)
        ratio = rfm.rhythm_ratio(since, gaps)
        spent = s.total if s.total is not None else s.monetary_value
        scores = rfm.scores(ratio, s.frequency, spent)
        names = rfm.segment(scores, segment_rules())
    except PredictError as exc:
        log.info("RFM not scored: %s", exc.message)
        return [""] * n, [""] * n
    codes = [f"{int(r)}{int(f)}{int(m)}" for r, f, m in zip(scores.r, scores.f, scores.m, strict=True)]
    return codes, [str(x or "") for x in names]


#: Forecasts further out than this are not kept (a household that barely uses a product).
MAX_FORECAST_DAYS = 3650


def forecast_run_outs(today: date, *, now=None) -> int:
    """One forecast per (customer, product) bought in the last year, from the household's
    purchase intervals (``predict.depletion``, a population prior estimated per product from
    all households), its size, and the latest level reading when it is newer than the last
    purchase. Purchases after ``today`` are ignored (a run "as of" an earlier day)."""
    now = now or timezone.now()
    since = np.datetime64(today - timedelta(days=365), "D")
    households = {cid: (hid, size) for cid, hid, size in Customer.objects.filter(
        household__isnull=False).values_list("pk", "household_id", "household__size")}
    capacities = {(h, p): float(c) for h, p, c in
                  Container.objects.values_list("household_id", "product_id", "capacity")}
    levels: dict[tuple[int, int], tuple[date, float]] = {}
    for cid, pid, day, qty in (Consumption.objects.filter(kind=Consumption.Kind.LEVEL, date__lte=today)
                               .order_by("date", "pk")
                               .values_list("customer_id", "product_id", "date", "quantity")):
        levels[(cid, pid)] = (day, float(qty))
    rows = []
    for product in Product.objects.filter(active=True):
        rows += _forecast_product(product.pk, today, since, households, capacities, levels, now)
    with transaction.atomic():
        RunOutForecast.objects.filter(computed_at__lt=now).delete()
        RunOutForecast.objects.bulk_create(
            rows, batch_size=BATCH, update_conflicts=True, unique_fields=["customer", "product"],
            update_fields=["date", "low", "high", "rate_per_day", "basis", "last_purchase",
                           "computed_at"])
    return len(rows)


def _forecast_product(pid, today, since, households, capacities, levels, now) -> list:
    from .predict import PredictError, depletion

    data = list(Purchase.objects.filter(product_id=pid, date__lte=today)
                .order_by("customer_id", "date", "pk").values_list("customer_id", "date", "quantity"))
    if not data:
        return []
    pc = np.fromiter((r[0] for r in data), dtype=np.int64, count=len(data))
    pd = np.array([r[1] for r in data], dtype="datetime64[D]")
    pq = np.fromiter((float(r[2]) for r in data), dtype=np.float64, count=len(data))
    ends = np.flatnonzero(np.concatenate([pc[1:] != pc[:-1], [True]]))
    customers, last = pc[ends], pd[ends]
    recent = last >= since
    customers, last = customers[recent], last[recent]
    if not customers.size:
        return []
    keep = np.isin(pc, customers)
    pc, pd, pq = pc[keep], pd[keep], pq[keep]
    ids = customers.tolist()
    size = np.array([float(households.get(cid, (None, 1))[1] or 1) for cid in ids])
    capacity = np.array([capacities.get((households.get(cid, (None,))[0], pid), np.nan) for cid in ids])
    # a level reading on or after the last purchase replaces the bag as the stock; the
    # model measures from today, so a reading made earlier shifts the dates back
    level = np.full(len(ids), np.nan)
    shift = np.zeros(len(ids), dtype=np.int64)
    for i, cid in enumerate(ids):
        reading = levels.get((cid, pid))
        if reading and np.datetime64(reading[0], "D") >= last[i]:
            level[i] = reading[1]
            shift[i] = (today - reading[0]).days
    try:
        result = depletion.run_out_many(
            customers=customers, household_size=size, capacity=capacity, purchase_customer=pc,
            purchase_date=pd, purchase_quantity=pq, today=today, level_now=level)
    except PredictError as exc:
        log.info("run-out not forecast for product %s: %s", pid, exc.message)
        return []
    horizon = np.datetime64(today, "D") + MAX_FORECAST_DAYS
    out = []
    for i, cid in enumerate(ids):
        mid, low, high = result.date[i], result.low[i], result.high[i]
        if np.isnat(mid) or np.isnat(low) or np.isnat(high) or mid > horizon:
            continue
        back = np.timedelta64(int(shift[i]), "D")
        basis = str(result.basis[i]) + ("+level" if not np.isnan(level[i]) else "")
        out.append(RunOutForecast(
            customer_id=cid, product_id=pid, date=(mid - back).item(), low=(low - back).item(),
            high=(min(high, horizon) - back).item(),
            rate_per_day=float(result.rate_per_day[i]), basis=basis[:40],
            last_purchase=last[i].item(), computed_at=now))
    return out
