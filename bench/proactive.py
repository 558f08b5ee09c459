"""``python -m bench.proactive [--customers N] [--purchases M]``: refit and re-score the
proactive models on generated data — 1,000,000 customers and about 10,000,000 purchases by
default; target ≤ 60 s in all on 2 cores. No database: the pure models in
kefu/proactive/predict, timed stage by stage, with the peak memory of the process.

The data is generated, vectorised and seeded, from the models themselves (BG/NBD
purchase times, Gamma-Gamma amounts, households eating rice at their own rate), so the
fitted parameters can be compared with the true ones.
"""

from __future__ import annotations

import argparse
import os
import resource
import time

import numpy as np

TARGET_S = 60.0
TODAY = np.datetime64("2026-12-01")
HISTORY_DAYS = 1095  # customers joined over the last three years


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.proactive",
                                description=__doc__.split("\n\n")[0])
    p.add_argument("--customers", type=int, default=1_000_000)
    p.add_argument("--purchases", type=int, default=10_000_000,
                   help="about this many purchases in all (default 10,000,000)")
    p.add_argument("--horizon", type=int, default=90, help="days ahead (default 90)")
    p.add_argument("--seed", type=int, default=20261207)
    args = p.parse_args(argv)
    if args.customers < 1000 or args.purchases < 2 * args.customers:
        p.error("--customers at least 1000 and --purchases at least twice as many")

    from kefu.proactive.predict import bgnbd, depletion, gamma_gamma, rfm, value
    from kefu.proactive.predict.summary import from_transactions

    load_before = os.getloadavg()
    print(f"bench.proactive: {args.customers:,} customers, about {args.purchases:,} purchases; "
          f"load average before {load_before[0]:.2f} on {os.cpu_count()} CPUs", flush=True)
    times: dict[str, float] = {}
    cpu: dict[str, float] = {}
    print(f"  {'stage':<28} {'wall':>8} {'CPU':>8}")

    def stage(name):
        class Timer:
            def __enter__(self):
                self.t, self.c = time.perf_counter(), time.process_time()

            def __exit__(self, *exc):
                times[name] = time.perf_counter() - self.t
                cpu[name] = time.process_time() - self.c
                print(f"  {name:<28} {times[name]:6.2f} s {cpu[name]:6.2f} s", flush=True)
        return Timer()

    with stage("generate (not counted)"):
        data = generate(args.customers, args.purchases, np.random.default_rng(args.seed))
    print(f"  {data['cust'].size:,} purchases generated", flush=True)

    with stage("summary"):
        s = from_transactions(data["cust"], data["day"], data["amount"], today=TODAY)
    with stage("fit BG/NBD"):
        bg = bgnbd.fit(s.frequency, s.recency, s.T)
    with stage("fit Gamma-Gamma"):
        gg = gamma_gamma.fit(s.frequency, s.monetary_value)
    with stage("prob alive"):
        alive = bgnbd.prob_alive(bg, s.frequency, s.recency, s.T)
    with stage(f"expected purchases {args.horizon} d"):
        expected = bgnbd.expected_purchases(bg, args.horizon, s.frequency, s.recency, s.T)
    with stage(f"CLV {args.horizon} d (3 slices)"):
        worth = value.clv(bg, gg, s.frequency, s.recency, s.T, s.monetary_value,
                          horizon=args.horizon, discount_rate_per_period=0.0003, steps=3)
    with stage("RFM segments"):
        day_n = (data["day"] - np.datetime64("1970-01-01")).astype(np.int64)
        gaps = rfm.typical_gaps(data["cust"], day_n, len(s))
        since = (TODAY - s.last).astype(np.float64)
        scores = rfm.scores(rfm.rhythm_ratio(since, gaps), s.frequency + 1, s.total)
        segments = rfm.segment(scores)
    with stage("run-out dates"):
        run = depletion.run_out_many(
            customers=np.arange(args.customers), household_size=data["household"],
            capacity=data["capacity"], purchase_customer=data["cust"],
            purchase_date=data["day"], purchase_quantity=data["quantity"], today=TODAY)

    total = sum(v for k, v in times.items() if not k.startswith("generate"))
    total_cpu = sum(v for k, v in cpu.items() if not k.startswith("generate"))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    load_after = os.getloadavg()
    truth = data["truth"]
    print(f"\n  BG/NBD fitted r={bg.r:.4f} alpha={bg.alpha:.3f} a={bg.a:.4f} b={bg.b:.4f} "
          f"(true {truth.r}, {truth.alpha}, {truth.a}, {truth.b}); loglik {bg.loglik:,.1f}")
    print(f"  Gamma-Gamma fitted p={gg.p:.4f} q={gg.q:.4f} v={gg.v:.3f} (true "
          f"{GG_TRUE[0]}, {GG_TRUE[1]}, {GG_TRUE[2]}), n={gg.n:,}")
    print(f"  mean P(alive) {alive.mean():.3f}; mean E[purchases {args.horizon} d] "
          f"{expected.mean():.3f}; mean CLV {np.nanmean(worth):.2f}")
    names, counts = np.unique(segments.astype(str), return_counts=True)
    print("  segments: " + ", ".join(f"{n} {c:,}" for n, c in zip(names, counts, strict=True)))
    due = (run.date >= TODAY) & (run.date < TODAY + np.timedelta64(7, "D"))
    print(f"  run-out: {np.count_nonzero(~np.isnat(run.date)):,} dated, {due.sum():,} due "
          f"within 7 days; prior per person {np.exp(run.prior.mean_log):.3f} kg/day "
          f"(sd log {run.prior.sd_log:.3f}, kappa {run.prior.kappa:.3f})")
    print(f"\n  total (summary → run-out) {total:.1f} s wall, {total_cpu:.1f} s CPU — target "
          f"≤ {TARGET_S:.0f} s: {'ok' if total <= TARGET_S else 'MISSED'}; peak memory "
          f"{peak_mb:,.0f} MB (generated data included); load average after "
          f"{load_after[0]:.2f}")
    return 0


BG_TRUE = (2.0, 60.0, 0.5, 6.0)
GG_TRUE = (6.0, 4.0, 15.0)


def generate(n: int, purchases: int, rng: np.random.Generator) -> dict:
    """Customers, purchases (sorted by customer, then day) and households."""
    from kefu.proactive.predict import bgnbd

    T = rng.integers(1, HISTORY_DAYS, n).astype(np.float64)
    # Scale the purchase rate so that the total comes near the asked number.
    r, alpha, a, b = BG_TRUE
    scale = (purchases / n - 1) / 11.3  # ~11.3 repeat purchases each at the true parameters
    truth = bgnbd.BgNbdParams(r, alpha / scale, a, b)
    x, tx = bgnbd.simulate(truth, T, rng)
    x = x.astype(np.int64)
    first = (TODAY - T.astype(np.int64).astype("timedelta64[D]")).astype(np.int64)

    # Purchase days: the first (age 0), the last repeat at t_x, the others uniform before.
    count = 1 + x
    cust = np.repeat(np.arange(n), count)
    idx = np.arange(cust.size) - np.repeat(np.cumsum(count) - count, count)  # 0 … x per customer
    age = rng.random(cust.size) * np.repeat(tx, count)
    age[idx == 0] = 0.0
    last = idx == np.repeat(x, count)
    age[last & (idx > 0)] = np.repeat(tx, count)[last & (idx > 0)]
    day = np.repeat(first, count) + np.floor(age).astype(np.int64)
    key = np.sort(cust * (HISTORY_DAYS + 10) + (day - first.min()))  # by customer, then day
    cust = key // (HISTORY_DAYS + 10)
    day = key % (HISTORY_DAYS + 10) + first.min()

    p, q, v = GG_TRUE
    nu = rng.gamma(q, 1 / v, n)
    amount = np.round(rng.gamma(p, 1 / nu[cust]), 2)

    household = rng.integers(1, 7, n).astype(np.float64)
    per_person = np.exp(rng.normal(np.log(0.25), 0.25, n))  # kg of rice a day
    capacity = rng.choice([10.0, 15.0, 25.0, 50.0], n)
    gap = np.empty(cust.size)
    same = cust[1:] == cust[:-1]
    gap[:-1] = np.where(same, np.diff(day), 30)
    gap[-1] = 30
    gap = np.maximum(gap, 1)
    quantity = np.round(per_person[cust] * household[cust] * gap
                        * np.exp(rng.normal(0, 0.15, cust.size)) * 2) / 2
    quantity = np.maximum(quantity, 0.5)
    return {"cust": cust, "day": day.astype("datetime64[D]"), "amount": amount,
            "quantity": quantity, "household": household, "capacity": capacity,
            "truth": truth}


if __name__ == "__main__":
    raise SystemExit(main())
