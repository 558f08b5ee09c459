"""Purchases → (frequency, recency, T, monetary value), worked by hand."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kefu.proactive.predict import PredictError
from kefu.proactive.predict.summary import from_transactions, sorted_unique

IDS = ["a", "b", "a", "a", "c", "a"]
DATES = ["2026-01-01", "2026-01-03", "2026-01-01", "2026-01-05", "2026-01-10", "2026-01-12"]
AMOUNTS = [10, 5, 2, 7, 3, 9]
TODAY = dt.date(2026, 1, 12)


def test_daily_summary_worked_by_hand():
    s = from_transactions(IDS, DATES, AMOUNTS, today=TODAY)
    assert list(s.customer_ids) == ["a", "b", "c"]
    # a: days 0 (two purchases, one period), 4 and 11 → 2 repeats, last at 11, age 11;
    # repeat amounts 7 and 9 → 8. b, c: one purchase each.
    assert s.frequency.tolist() == [2, 0, 0]
    assert s.recency.tolist() == [11, 0, 0]
    assert s.T.tolist() == [11, 9, 2]
    assert s.monetary_value.tolist() == [8, 0, 0]
    assert s.total.tolist() == [28, 5, 3]
    assert s.purchases.tolist() == [4, 1, 1]
    assert str(s.first[0]) == "2026-01-01" and str(s.last[0]) == "2026-01-12"


def test_weekly_summary_counts_monday_weeks():
    # 2026-01-01 is a Thursday: weeks of 29 Dec, 5 Jan, 12 Jan.
    s = from_transactions(IDS, DATES, AMOUNTS, today=TODAY, period="week")
    assert s.frequency.tolist() == [2, 0, 0]
    assert s.recency.tolist() == [2, 0, 0]
    assert s.T.tolist() == [2, 2, 1]


def test_integer_ids_and_shuffled_rows_give_the_same_summary():
    order = np.array([5, 3, 1, 0, 4, 2])
    ints = np.array([{"a": 7, "b": 2, "c": 40}[c] for c in IDS])
    s = from_transactions(ints[order], np.array(DATES)[order], np.array(AMOUNTS)[order],
                          today=TODAY)
    assert s.customer_ids.tolist() == [2, 7, 40]
    assert s.frequency.tolist() == [0, 2, 0] and s.monetary_value.tolist() == [0, 8, 0]


def test_without_amounts_there_is_no_monetary_value():
    assert from_transactions(IDS, DATES, today=TODAY).monetary_value is None


@pytest.mark.parametrize("dates, amounts, code, index, column", [
    (["2026-01-01", "2026-01-13"], [1, 1], "future_date", 1, "date"),
    (["2026-01-01", "2026-01-02"], [1, -3], "bad_value", 1, "amount"),
    (["2026-01-01", "yesterday"], [1, 1], "bad_value", 1, "date"),
])
def test_bad_rows_are_named(dates, amounts, code, index, column):
    with pytest.raises(PredictError) as err:
        from_transactions(["a", "b"], dates, amounts, today=TODAY)
    assert (err.value.code, err.value.index, err.value.column) == (code, index, column)


def test_sorted_unique():
    assert sorted_unique([3, 1, 3, 2, 1]).tolist() == [1, 2, 3]
    assert sorted_unique([]).tolist() == []


@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 400), st.floats(0, 1e4)),
                min_size=1, max_size=80), st.sampled_from(["day", "week"]))
def test_summary_properties(rows, period):
    ids, offsets, amounts = zip(*rows, strict=True)
    dates = np.datetime64("2025-01-01") + np.array(offsets).astype("timedelta64[D]")
    s = from_transactions(np.array(ids), dates, np.array(amounts), period=period,
                          today=dt.date(2026, 2, 5))
    assert (s.frequency <= s.purchases - 1).all() and (s.frequency >= 0).all()
    assert (0 <= s.recency).all() and (s.recency <= s.T).all()
    assert ((s.frequency == 0) == (s.recency == 0)).all()
    assert s.total.sum() == pytest.approx(sum(amounts), rel=1e-9, abs=1e-6)
    assert (s.monetary_value <= s.total + 1e-9).all()
