"""BG/NBD: the likelihood, P(alive) and E[Y(t)] against direct numerical integration of the
model's definition; parameter recovery on simulated data; two optimisers agreeing."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy import integrate, special

from kefu.proactive.predict import PredictError, bgnbd

PARAMS = bgnbd.BgNbdParams(r=0.8, alpha=30.0, a=0.7, b=4.0)
CUSTOMERS = [(0, 0.0, 40.0), (1, 12.0, 40.0), (3, 25.5, 60.0), (7, 90.0, 100.0)]


def individual(lam, p, x, tx, T):
    """The model's individual likelihood: alive all along, or dropped out after the last
    purchase."""
    alive = (1 - p) ** x * lam**x * math.exp(-lam * T)
    dropped = p * (1 - p) ** (x - 1) * lam**x * math.exp(-lam * tx) if x > 0 else 0.0
    return alive, dropped


def integrate_out(fn, params=PARAMS):
    """∫∫ fn(λ, p) Gamma(λ; r, α) Beta(p; a, b) dλ dp, numerically. Substituting
    λ = v^(1/r) and p = u^(1/a) removes the densities' singularities at 0:
    λ^(r−1) dλ = dv/r and p^(a−1) dp = du/a."""
    r, alpha, a, b = params.r, params.alpha, params.a, params.b
    const = (r * math.log(alpha) - math.lgamma(r) - math.log(r)
             - (math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b)) - math.log(a))
    v_hi = (float(special.gammaincinv(r, 1 - 1e-14)) / alpha) ** r

    def integrand(v, u):
        lam, p = v ** (1 / r), u ** (1 / a)
        return fn(lam, p) * math.exp(const - alpha * lam + (b - 1) * math.log1p(-p))

    value, _ = integrate.dblquad(integrand, 0, 1 - 1e-15, 0, v_hi, epsabs=1e-13,
                                 epsrel=1e-9)
    return value


@pytest.mark.parametrize("x, tx, T", CUSTOMERS[:3])
def test_likelihood_equals_the_model_integrated_numerically(x, tx, T):
    expected = integrate_out(lambda lam, p: sum(individual(lam, p, x, tx, T)))
    got = bgnbd.loglik(PARAMS, [x], [tx], [T])[0]
    assert got == pytest.approx(math.log(expected), abs=1e-6)


@pytest.mark.parametrize("x, tx, T", CUSTOMERS[1:3])
def test_prob_alive_is_the_posterior_share_of_the_alive_branch(x, tx, T):
    alive = integrate_out(lambda lam, p: individual(lam, p, x, tx, T)[0])
    total = integrate_out(lambda lam, p: sum(individual(lam, p, x, tx, T)))
    assert bgnbd.prob_alive(PARAMS, [x], [tx], [T])[0] == pytest.approx(alive / total, abs=1e-7)


@pytest.mark.parametrize("x, tx, T", CUSTOMERS[1:3])
def test_expected_purchases_equals_the_posterior_mean_of_the_individual_expectation(x, tx, T):
    t = 45.0

    # Alive at T, a customer with (λ, p) buys (1 − e^{−λpt})/p times in t on average.
    def future(lam, p):
        return individual(lam, p, x, tx, T)[0] * -math.expm1(-lam * p * t) / p

    total = integrate_out(lambda lam, p: sum(individual(lam, p, x, tx, T)))
    expected = integrate_out(future) / total
    got = bgnbd.expected_purchases(PARAMS, t, [x], [tx], [T])[0]
    assert got == pytest.approx(expected, rel=1e-6)


def test_closed_form_and_quadrature_agree_including_across_a_equal_to_one():
    x = np.array([0, 1, 4, 40, 400.0])
    T = np.array([30, 50, 200, 400, 800.0])
    for a in (0.3, 1.0, 1.0 + 3e-6, 2.5):
        params = bgnbd.BgNbdParams(0.5, 12.0, a, 3.0)
        alive_part = bgnbd._expected_if_alive(params, np.full(5, 90.0), x, T)
        quad = bgnbd.expected_by_quadrature(params.r + x, params.alpha + T, a, 3.0 + x, 90.0)
        np.testing.assert_allclose(alive_part, quad, rtol=1e-7)


def test_expected_purchases_when_a_plus_b_is_below_one_uses_the_quadrature():
    params = bgnbd.BgNbdParams(0.5, 12.0, 0.3, 0.4)  # a+b−1 < 0 for x = 0
    got = bgnbd.expected_purchases(params, 60.0, [0], [0.0], [20.0])[0]
    quad = bgnbd.expected_by_quadrature(0.5, 32.0, 0.3, 0.4, 60.0)[0]
    assert np.isfinite(got) and got == pytest.approx(quad, rel=1e-12)


def test_simulation_matches_the_model_probability_of_no_repeat_purchase():
    # P(X(T) = 0) = (α/(α+T))^r: checks the simulator the recovery test relies on.
    rng = np.random.default_rng(7)
    x, _ = bgnbd.simulate(PARAMS, np.full(200_000, 60.0), rng)
    expected = (PARAMS.alpha / (PARAMS.alpha + 60.0)) ** PARAMS.r
    assert (x == 0).mean() == pytest.approx(expected, abs=0.004)


def simulated(n, seed):
    rng = np.random.default_rng(seed)
    T = rng.integers(20, 400, n).astype(float)
    x, tx = bgnbd.simulate(PARAMS, T, rng)
    return x, tx, T


def test_fit_recovers_the_parameters_it_was_simulated_from():
    x, tx, T = simulated(40_000, seed=11)
    fit = bgnbd.fit(x, tx, T)
    assert fit.n == 40_000
    for name in ("r", "alpha", "a", "b"):
        assert getattr(fit, name) == pytest.approx(getattr(PARAMS, name), rel=0.12), name
    # The maximum beats the true parameters' likelihood, but not by much.
    at_truth = bgnbd.loglik(PARAMS, x, tx, T).sum()
    assert at_truth < fit.loglik < at_truth + 20
    assert fit.loglik == pytest.approx(bgnbd.loglik(fit, x, tx, T).sum(), rel=1e-12)


def test_three_optimisers_reach_the_same_optimum():
    x, tx, T = simulated(2_000, seed=5)
    truncated_newton = bgnbd.fit(x, tx, T)  # TNC, the default
    for method in ("L-BFGS-B", "Nelder-Mead"):
        other = bgnbd.fit(x, tx, T, method=method)
        assert other.loglik == pytest.approx(truncated_newton.loglik, abs=1e-4), method
        for name in ("r", "alpha", "a", "b"):
            assert getattr(other, name) == pytest.approx(getattr(truncated_newton, name),
                                                         rel=2e-3), (method, name)


def test_the_sampled_start_and_newton_polish_find_the_full_data_optimum():
    x, tx, T = simulated(50_000, seed=3)  # more than twice the sample: the polished path
    fit = bgnbd.fit(x, tx, T)
    theta = np.log([fit.r, fit.alpha, fit.a, fit.b])
    _, grad = bgnbd._neg_loglik_and_grad(theta, bgnbd._Data(x, tx, T))
    assert np.max(np.abs(grad)) < 1e-6


def test_large_frequencies_stay_finite():
    x, tx, T = np.array([5000.0]), np.array([999.8]), np.array([1000.0])
    assert np.isfinite(bgnbd.loglik(PARAMS, x, tx, T)).all()
    assert 0 < bgnbd.prob_alive(PARAMS, x, tx, T)[0] <= 1
    e = bgnbd.expected_purchases(PARAMS, 100, x, tx, T)[0]
    assert 400 < e < 600  # about five a day, as before


@pytest.mark.parametrize("x, tx, T, column", [
    ([1.5], [2.0], [3.0], "frequency"), ([1], [5.0], [3.0], "recency"),
    ([0], [2.0], [3.0], "recency"), ([1], [1.0], [-1.0], "T"), ([1], [np.nan], [2.0], "recency"),
])
def test_bad_summaries_are_refused_naming_the_column(x, tx, T, column):
    with pytest.raises(PredictError) as err:
        bgnbd.loglik(PARAMS, x, tx, T)
    assert err.value.column == column and err.value.index == 0


def test_fit_needs_a_repeat_purchase():
    with pytest.raises(PredictError) as err:
        bgnbd.fit([0, 0], [0, 0], [5, 6])
    assert err.value.code == "too_few_customers"


summaries = st.tuples(st.integers(0, 300), st.floats(0, 1), st.floats(0.1, 2000))


@settings(max_examples=60, deadline=None)
@given(summaries, st.floats(0.05, 5), st.floats(0.5, 100), st.floats(0.05, 5),
       st.floats(0.05, 20), st.floats(0.5, 500))
# scipy's ₂F₁(23.5, 3; 42; −2.23) is far off: the expectation fell as the horizon grew
@example((20, 0.0, 1.0), 3.5, 60.0, 4.0, 19.0, 136.0)
def test_properties(summary, r, alpha, a, b, t):
    x, share, T = summary
    tx = share * T if x > 0 else 0.0
    params = bgnbd.BgNbdParams(r, alpha, a, b)
    alive = bgnbd.prob_alive(params, [x], [tx], [T])[0]
    assert 0 <= alive <= 1
    e1, e2 = bgnbd.expected_purchases(params, [t, 2 * t], [x], [tx], [T])
    assert 0 <= e1 <= e2 * (1 + 1e-9)
    if x > 0:  # the longer the silence since the last purchase, the less likely alive
        later = bgnbd.prob_alive(params, [x], [tx], [T * 1.5])[0]
        assert later <= alive + 1e-12


def test_closed_form_is_checked_where_scipy_hyp2f1_goes_wrong():
    # scipy's ₂F₁(23.5, 3; 42; −2.23) came out 0.0128 instead of 0.0912: the closed form is
    # trusted only where its Pfaff twin agrees, else the expectation is integrated
    params = bgnbd.BgNbdParams(3.5, 60.0, 4.0, 19.0)
    alive = bgnbd.prob_alive(params, [20], [0.0], [1.0])[0]
    expected = bgnbd.expected_purchases(params, [136.0, 272.0], [20], [0.0], [1.0])
    integrated = bgnbd.expected_by_quadrature(
        np.array([23.5, 23.5]), np.array([61.0, 61.0]), 4.0, np.array([39.0, 39.0]),
        np.array([136.0, 272.0]))
    assert np.allclose(expected, alive * integrated, rtol=1e-6)
