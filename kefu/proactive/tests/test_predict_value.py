"""Lifetime value: expected purchases per slice × expected spend, discounted."""

from __future__ import annotations

import pytest

from kefu.proactive.predict import bgnbd, gamma_gamma, value

BG = bgnbd.BgNbdParams(0.8, 30.0, 0.7, 4.0)
GG = gamma_gamma.GammaGammaParams(6.0, 4.0, 15.0)
CUSTOMER = ([3], [25.0], [60.0], [40.0])


def test_without_discount_it_is_expected_purchases_times_expected_spend():
    got = value.clv(BG, GG, *CUSTOMER, horizon=90, discount_rate_per_period=0.0)[0]
    purchases = bgnbd.expected_purchases(BG, 90, *CUSTOMER[:3])[0]
    spend = gamma_gamma.expected_spend(GG, [3], [40.0])[0]
    assert got == pytest.approx(purchases * spend, rel=1e-12)


def test_two_slices_discounted_at_their_ends():
    got = value.clv(BG, GG, *CUSTOMER, horizon=10, discount_rate_per_period=0.01, steps=2)[0]
    y5 = bgnbd.expected_purchases(BG, 5, *CUSTOMER[:3])[0]
    y10 = bgnbd.expected_purchases(BG, 10, *CUSTOMER[:3])[0]
    spend = gamma_gamma.expected_spend(GG, [3], [40.0])[0]
    assert got == pytest.approx(spend * (y5 / 1.01**5 + (y10 - y5) / 1.01**10), rel=1e-12)


def test_discounting_lowers_the_value():
    plain = value.clv(BG, GG, *CUSTOMER, horizon=52, discount_rate_per_period=0.0)[0]
    discounted = value.clv(BG, GG, *CUSTOMER, horizon=52, discount_rate_per_period=0.02)[0]
    assert 0 < discounted < plain
