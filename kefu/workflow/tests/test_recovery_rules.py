"""Empowerment limits (员工授权) as pure rules: which limit row applies, what is within it,
and which money input is accepted. No database."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kefu.workflow import recovery_rules as rules
from kefu.workflow.recovery_rules import LimitRow

VIP, GOLD = 1, 2


def row(role="agent", kind="", tier=None, currency="CNY", amount="100"):
    return LimitRow(role=role, kind=kind, tier_id=tier, currency=currency,
                    max_amount=Decimal(amount))


ROWS = [
    row(amount="100"),                                # agent, every kind, every tier
    row(kind="voucher", amount="150"),                # agent, vouchers
    row(tier=VIP, amount="300"),                      # agent, VIP customers
    row(tier=VIP, kind="refund", amount="500"),       # agent, VIP refunds
    row(role="supervisor", amount="2000"),
    row(currency="USD", amount="20"),
]


def limit(**kw):
    kw = {"role": "agent", "tier_id": None, "kind": "refund", "currency": "CNY", **kw}
    return rules.limit_amount(ROWS, **kw)


def test_the_most_specific_row_wins():
    # given rows for the role, for a kind, for a tier and for tier and kind
    # then tier+kind beats tier, tier beats kind, kind beats the role's general row
    assert limit(tier_id=VIP, kind="refund") == Decimal("500")
    assert limit(tier_id=VIP, kind="voucher") == Decimal("300")
    assert limit(tier_id=GOLD, kind="voucher") == Decimal("150")
    assert limit(tier_id=GOLD, kind="gift") == Decimal("100")


def test_a_tier_row_applies_only_to_that_tier():
    assert limit(tier_id=VIP, kind="gift") == Decimal("300")
    assert limit(tier_id=GOLD, kind="gift") == Decimal("100")
    assert limit(tier_id=None, kind="gift") == Decimal("100")


def test_another_currency_has_no_limit_unless_a_row_names_it():
    # given CNY and USD rows for agents
    # then HKD has no row: a limit of 0; USD has its own
    assert limit(currency="HKD") == Decimal("0")
    assert rules.applicable_limit(ROWS, role="agent", tier_id=None, kind="refund",
                                  currency="HKD") is None
    assert limit(currency="USD") == Decimal("20")


def test_a_role_without_rows_has_a_limit_of_zero():
    assert limit(role="admin") == Decimal("0")
    assert limit(role="supervisor") == Decimal("2000")


def test_exactly_the_limit_is_within_and_one_cent_more_is_not():
    assert rules.within_limit(Decimal("100.00"), Decimal("100"))
    assert not rules.within_limit(Decimal("100.01"), Decimal("100"))


def test_zero_is_always_within_even_without_any_limit():
    # an apology visit that costs nothing never waits for approval
    assert rules.within_limit(Decimal("0"), Decimal("0"))
    assert rules.may_grant([], role="agent", tier_id=None, kind="apology_visit",
                           currency="EUR", amount=Decimal("0"))
    assert not rules.may_grant([], role="agent", tier_id=None, kind="apology_visit",
                               currency="CNY", amount=Decimal("0.01"))


@pytest.mark.parametrize("value, expected", [
    ("120", "120.00"), ("99.5", "99.50"), (" 99.50 ", "99.50"), (0, "0.00"), (15, "15.00"),
    (12.34, "12.34"), (Decimal("7.1"), "7.10"), ("1000000", "1000000.00"), (1e6, "1000000.00"),
])
def test_amounts_accepted(value, expected):
    assert rules.parse_amount(value) == Decimal(expected)
    assert str(rules.parse_amount(value)) == expected


@pytest.mark.parametrize("value, code", [
    (-1, "negative_amount"), ("-1", "invalid_amount"), (Decimal("-0.01"), "negative_amount"),
    ("1000000.01", "amount_too_large"), (1e300, "amount_too_large"), (10**20, "amount_too_large"),
    ("12.345", "invalid_amount"), (12.345, "too_many_decimals"),
    (Decimal("1.001"), "too_many_decimals"), (0.1 + 0.2, "too_many_decimals"),
    (float("nan"), "invalid_amount"), (float("inf"), "invalid_amount"),
    (Decimal("NaN"), "invalid_amount"), ("NaN", "invalid_amount"), ("1e3", "invalid_amount"),
    ("", "invalid_amount"), ("12,5", "invalid_amount"), ("+5", "invalid_amount"),
    ("５", "invalid_amount"), (True, "invalid_amount"), (None, "invalid_amount"),
    ([1], "invalid_amount"),
])
def test_amounts_refused(value, code):
    with pytest.raises(rules.InvalidMoney) as caught:
        rules.parse_amount(value)
    assert caught.value.code == code


@pytest.mark.parametrize("value", ["CNY", "USD", "HKD"])
def test_currencies_accepted(value):
    assert rules.parse_currency(value) == value


@pytest.mark.parametrize("value", ["cny", "CN", "CNYY", "RMB1", "", "¥", None, 156, "C N"])
def test_currencies_refused(value):
    with pytest.raises(rules.InvalidMoney):
        rules.parse_currency(value)


@given(st.decimals(allow_nan=True, allow_infinity=True, places=None))
def test_parse_amount_either_refuses_or_returns_two_decimals_in_range(value):
    try:
        amount = rules.parse_amount(value)
    except rules.InvalidMoney:
        return
    assert Decimal(0) <= amount <= rules.MAX_AMOUNT
    assert amount.as_tuple().exponent == -2
    assert amount == value


def _cell_covers(cells, *, kind, currency, tier_id, amount):
    for cell in cells:
        tier_ok = (cell.tier_id == tier_id if cell.tier_id is not None
                   else tier_id not in cell.other_than)
        if cell.kind == kind and cell.currency == currency and tier_ok and amount <= cell.max_amount:
            return True
    return False


@given(kind=st.sampled_from(rules.KINDS), currency=st.sampled_from(["CNY", "USD", "HKD"]),
       tier_id=st.sampled_from([VIP, GOLD, 3]),
       amount=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("3000"), places=2))
def test_queue_cells_agree_with_the_limit_rule(kind, currency, tier_id, amount):
    # the approval queue's database filter is built from cells; they must say what may_grant says
    for role in ("agent", "supervisor", "admin"):
        cells = rules.covered_cells(ROWS, role=role)
        assert _cell_covers(cells, kind=kind, currency=currency, tier_id=tier_id,
                            amount=amount) == rules.may_grant(
            ROWS, role=role, tier_id=tier_id, kind=kind, currency=currency, amount=amount)
