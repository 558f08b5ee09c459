"""Run-out dates: the rice bin worked by hand, the band from the t distribution, the band
narrowing with history, the population prior, and one household = many households."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from kefu.proactive.predict import PredictError
from kefu.proactive.predict.depletion import RatePrior, run_out, run_out_many

D = dt.date
TODAY = D(2026, 3, 1)


def test_a_steady_household_runs_out_exactly_on_time():
    # 25 kg every 25 days for 4 people: 1 kg a day, 0.25 kg per person; no spread, no band.
    obs = [(D(2026, 1, 1), 25), (D(2026, 1, 26), 25), (D(2026, 2, 20), 25)]
    r = run_out(capacity=25, household_size=4, observations=obs, today=TODAY)
    assert (r.date, r.low, r.high) == (D(2026, 3, 17), D(2026, 3, 17), D(2026, 3, 17))
    assert r.rate_per_day == pytest.approx(1.0) and r.per_person_per_day == pytest.approx(0.25)
    assert (r.basis, r.intervals) == ("history", 2)


def test_an_unsteady_household_gets_a_t_prediction_interval_worked_by_hand():
    # 20 kg lasted 20 days, 25 kg lasted 30; the last delivery filled the 25 kg bin.
    obs = [(D(2026, 1, 1), 20), (D(2026, 1, 21), 25), (D(2026, 2, 20), None)]
    r = run_out(capacity=25, household_size=4, observations=obs, today=TODAY, confidence=0.8)
    y = [math.log(20 / 20 / 4), math.log(25 / 30 / 4)]
    mean, sd = np.mean(y), np.std(y, ddof=1)
    half = stats.t.ppf(0.9, 1) * sd * math.sqrt(1 + 1 / 2)
    start = D(2026, 2, 20)

    def on(rate):
        return start + dt.timedelta(days=math.floor(25 / (4 * rate)))

    assert r.date == on(math.exp(mean)) == D(2026, 3, 19)
    assert r.low == on(math.exp(mean + half)) and r.high == on(math.exp(mean - half))
    assert r.low < r.date < r.high


def test_a_measured_level_counts_from_today():
    obs = [(D(2026, 1, 1), 25), (D(2026, 1, 26), 25), (D(2026, 2, 20), 25)]
    r = run_out(capacity=25, household_size=4, observations=obs, today=TODAY, level_now=7.5)
    assert r.date == TODAY + dt.timedelta(days=7)  # 7.5 kg at 1 kg a day


def test_without_history_the_population_prior_answers():
    prior = RatePrior.from_rate(0.25, cv=0.3)
    r = run_out(capacity=25, household_size=4, observations=[(D(2026, 2, 20), None)],
                today=TODAY, prior=prior)
    assert r.basis == "population" and r.intervals == 0
    assert r.date == D(2026, 3, 17)  # 25 kg at 4 × 0.25 kg a day
    # The band is the prior's predictive t: ν₀ = 4, scale s₀ √(1 + 1/κ₀).
    half = stats.t.ppf(0.9, 4) * prior.sd_log * math.sqrt(2)
    assert r.low == D(2026, 2, 20) + dt.timedelta(days=math.floor(25 / math.exp(
        math.log(1.0) + half)))


def test_without_prior_or_enough_history_it_says_so():
    with pytest.raises(PredictError) as err:
        run_out(capacity=25, household_size=3, observations=[(D(2026, 2, 1), 10)], today=TODAY)
    assert err.value.code == "too_little_history"


def band_days(n_intervals, prior):
    rng = np.random.default_rng(4)
    start = D(2025, 1, 1)
    obs, day = [], start
    for _ in range(n_intervals + 1):
        gap = int(round(20 * math.exp(rng.normal(0, 0.1))))
        obs.append((day, 20))
        day += dt.timedelta(days=gap)
    r = run_out(capacity=25, household_size=4, observations=obs, today=day, prior=prior)
    return (r.high - r.low).days


def test_the_band_narrows_as_history_grows():
    prior = RatePrior.from_rate(0.3, cv=0.5)  # a vague population: wide at first
    widths = [band_days(n, prior) for n in (0, 1, 3, 10, 40)]
    assert widths == sorted(widths, reverse=True) and widths[0] > 3 * widths[-1]


def test_many_households_at_once_match_one_at_a_time():
    prior = RatePrior.from_rate(0.25, cv=0.3)
    households = {
        "wang": (4, 25.0, [(D(2026, 1, 1), 25), (D(2026, 1, 26), 25), (D(2026, 2, 20), 25)]),
        "li": (2, 10.0, [(D(2026, 2, 3), None), (D(2026, 1, 2), 10), (D(2026, 1, 20), 10)]),
        "zhao": (3, 15.0, [(D(2026, 2, 25), 5), (D(2026, 2, 25), 5)]),  # same day: 10 kg
    }
    ids = list(households)
    rows = [(c, d, q) for c in ids for d, q in households[c][2]]
    many = run_out_many(customers=np.array(ids), household_size=[households[c][0] for c in ids],
                        capacity=[households[c][1] for c in ids],
                        purchase_customer=np.array([r[0] for r in rows]),
                        purchase_date=np.array([r[1] for r in rows], dtype="datetime64[D]"),
                        purchase_quantity=np.array([np.nan if r[2] is None else r[2]
                                                    for r in rows]),
                        today=TODAY, prior=prior)
    for i, c in enumerate(ids):
        size, cap, obs = households[c]
        one = run_out(capacity=cap, household_size=size, observations=obs, today=TODAY,
                      prior=prior)
        assert (many.date[i].item(), many.low[i].item(), many.high[i].item()) == \
            (one.date, one.low, one.high)
    assert many.date[2].item() == D(2026, 3, 10)  # 10 kg at 3 × 0.25 kg a day: 13.3 days


def test_the_population_prior_is_estimated_from_the_households():
    rng = np.random.default_rng(9)
    n, k = 3000, 6
    true_means = rng.normal(math.log(0.25), 0.2, n)  # households differ (τ = 0.2)
    y = true_means[:, None] + rng.normal(0, 0.1, (n, k))  # and vary a little (σ = 0.1)
    prior = RatePrior.from_population(np.full(n, k), y.mean(axis=1),
                                      ((y - y.mean(axis=1, keepdims=True)) ** 2).sum(axis=1))
    assert prior.mean_log == pytest.approx(math.log(0.25), abs=0.02)
    assert prior.sd_log == pytest.approx(0.1, rel=0.05)
    assert prior.kappa == pytest.approx(0.1**2 / 0.2**2, rel=0.15)


@pytest.mark.parametrize("kwargs, code, column", [
    ({"purchase_customer": np.array(["x"])}, "unknown_customer", "customer"),
    ({"purchase_date": np.array(["2026-03-02"], dtype="datetime64[D]")}, "future_date", "date"),
    ({"purchase_quantity": np.array([-1.0])}, "bad_value", "quantity"),
])
def test_bad_purchases_are_named(kwargs, code, column):
    args = {"customers": np.array(["wang"]), "household_size": [4], "capacity": [25.0],
            "purchase_customer": np.array(["wang"]),
            "purchase_date": np.array(["2026-02-01"], dtype="datetime64[D]"),
            "purchase_quantity": np.array([10.0]), "today": TODAY, **kwargs}
    with pytest.raises(PredictError) as err:
        run_out_many(**args)
    assert (err.value.code, err.value.index, err.value.column) == (code, 0, column)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 60), st.floats(0.5, 50)), min_size=0, max_size=12),
       st.integers(1, 8), st.floats(1, 100), st.floats(0.01, 0.99))
def test_band_properties(intervals, size, capacity, confidence):
    day, obs = D(2025, 1, 1), []
    for gap, qty in intervals:
        obs.append((day, qty))
        day += dt.timedelta(days=gap)
    obs.append((day, None))  # the last delivery filled the container
    prior = RatePrior.from_rate(0.25)
    r = run_out(capacity=capacity, household_size=size, observations=obs, today=day,
                prior=prior, confidence=confidence)
    assert r.low <= r.date <= r.high and r.date >= day
    bigger = run_out(capacity=capacity * 2, household_size=size, observations=obs, today=day,
                     prior=prior, confidence=confidence)
    assert bigger.date >= r.date  # a bigger bin lasts longer
    wider = run_out(capacity=capacity, household_size=size, observations=obs, today=day,
                    prior=prior, confidence=min(0.999, confidence + 0.005))
    assert wider.low <= r.low and wider.high >= r.high
