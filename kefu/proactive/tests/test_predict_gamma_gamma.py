"""Gamma-Gamma: the density of a customer's mean spend against numerical integration over
ν, the expected spend against the posterior mean computed numerically, recovery and a
second optimiser."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from kefu.proactive.predict import PredictError, gamma_gamma

PARAMS = gamma_gamma.GammaGammaParams(p=6.0, q=4.0, v=15.0)


def mean_density_given_nu(m, x, nu, p=PARAMS.p):
    # x·m ~ Gamma(px, ν): the density of m is x times that of x·m at x·m.
    return x * stats.gamma.pdf(x * m, p * x, scale=1 / nu)


def over_nu(fn, params=PARAMS):
    prior = stats.gamma(params.q, scale=1 / params.v)
    return integrate.quad(lambda nu: fn(nu) * prior.pdf(nu), 0, np.inf, epsabs=0,
                          epsrel=1e-11, limit=200)[0]


@pytest.mark.parametrize("x, m", [(1, 12.0), (3, 30.0), (10, 22.5)])
def test_loglik_equals_the_density_integrated_over_nu(x, m):
    expected = over_nu(lambda nu: mean_density_given_nu(m, x, nu))
    assert gamma_gamma.loglik(PARAMS, [x], [m])[0] == pytest.approx(math.log(expected),
                                                                    abs=1e-8)


@pytest.mark.parametrize("x, m", [(1, 12.0), (4, 40.0)])
def test_expected_spend_is_the_posterior_mean_of_p_over_nu(x, m):
    joint = over_nu(lambda nu: mean_density_given_nu(m, x, nu))
    mean = over_nu(lambda nu: PARAMS.p / nu * mean_density_given_nu(m, x, nu)) / joint
    assert gamma_gamma.expected_spend(PARAMS, [x], [m])[0] == pytest.approx(mean, rel=1e-8)


def test_without_repeat_purchases_the_expected_spend_is_the_population_mean():
    # p·v/(q−1) = 6·15/3 = 30
    assert gamma_gamma.expected_spend(PARAMS, [0], [0.0])[0] == pytest.approx(30.0)
    assert PARAMS.population_mean == pytest.approx(30.0)


def simulated(n, seed):
    rng = np.random.default_rng(seed)
    x = rng.integers(1, 12, n)
    nu = rng.gamma(PARAMS.q, 1 / PARAMS.v, n)
    m = rng.gamma(PARAMS.p * x, 1 / nu) / x  # mean of x Gamma(p, ν) purchases
    return x.astype(float), m


def test_fit_recovers_the_parameters_and_three_optimisers_agree():
    x, m = simulated(20_000, seed=2)
    x[:500], m[:500] = 0, 0.0  # customers without a repeat purchase are left out
    fit = gamma_gamma.fit(x, m)
    assert fit.n == 19_500
    assert fit.p == pytest.approx(PARAMS.p, rel=0.08)
    assert fit.q == pytest.approx(PARAMS.q, rel=0.1)
    assert fit.v == pytest.approx(PARAMS.v, rel=0.15)
    assert np.nansum(gamma_gamma.loglik(fit, x, m)) == pytest.approx(fit.loglik, rel=1e-10)
    few = slice(500, 3500)
    truncated_newton = gamma_gamma.fit(x[few], m[few])
    for method in ("L-BFGS-B", "Nelder-Mead"):
        other = gamma_gamma.fit(x[few], m[few], method=method)
        assert other.loglik == pytest.approx(truncated_newton.loglik, abs=1e-5), method
        for name in ("p", "q", "v"):
            assert getattr(other, name) == pytest.approx(getattr(truncated_newton, name),
                                                         rel=1e-3), (method, name)


def test_a_repeat_buyer_who_spent_nothing_is_refused_naming_the_customer():
    with pytest.raises(PredictError) as err:
        gamma_gamma.fit([2, 1, 3], [10.0, 0.0, 4.0])
    assert err.value.index == 1 and err.value.column == "monetary_value"


def test_a_repeat_buyer_who_spent_nothing_can_still_be_predicted():
    # (v + x·0)·p/(px + q − 1) = 15·6/(12 + 3): pulled down from the population's 30.
    assert gamma_gamma.expected_spend(PARAMS, [2], [0.0])[0] == pytest.approx(6.0)


def test_the_sampled_start_and_newton_polish_find_the_full_data_optimum():
    x, m = simulated(50_000, seed=8)  # more than twice the sample: the polished path
    fit = gamma_gamma.fit(x, m)
    _, grad = gamma_gamma._neg(np.log([fit.p, fit.q, fit.v]), gamma_gamma._Data(x, m))
    assert np.max(np.abs(grad)) < 1e-6
