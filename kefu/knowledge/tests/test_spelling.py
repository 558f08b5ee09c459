"""Typing mistakes in English words: the pure distance and corrections, then the search
finding what was meant (on SQLite and PostgreSQL alike) while correct words stay as typed."""

from __future__ import annotations

import pytest

from kefu.knowledge.search import parse, search, spelling

from .conftest import ids, publish

WORDS = {"r": {"refund": 40, "refunds": 12, "receipt": 5}, "s": {"strawberries": 3, "slot": 9},
         "d": {"delivery": 30, "deliver": 4}, "i": {"invoice": 20, "invoices": 6}}


@pytest.mark.parametrize("a, b, edits", [
    ("refund", "refund", 0), ("refnud", "refund", 1), ("refud", "refund", 1),
    ("refundd", "refund", 1), ("rafund", "refund", 1), ("invioce", "invoice", 1),
    ("dlivry", "delivery", 2), ("abc", "xyz", 3),
])
def test_distance_counts_inserts_deletes_replacements_and_swaps(a, b, edits):
    assert spelling.distance(a, b, 3) == edits
    assert spelling.distance(a, b, 0) == (0 if edits == 0 else 1)  # stops past the limit


def test_corrections_nearest_first_then_most_frequent():
    assert spelling.corrections("refnud", WORDS) == ["refund"]
    assert spelling.corrections("invioce", WORDS) == ["invoice", "invoices"]
    assert spelling.corrections("delivry", WORDS) == ["delivery", "deliver"]
    # a word typed last may be the start of a longer one
    assert spelling.corrections("strawbery", WORDS, prefix=True) == ["strawberr", "strawberri"]
    assert spelling.corrections("strawbery", WORDS) == []
    # known words, short words, other scripts and other first letters are left alone
    for word in ("refund", "slot", "ref", "退款", "fh100", "tefund"):
        assert spelling.corrections(word, WORDS) == []


@pytest.fixture
def articles(company):
    spelling.forget()
    yield {
        "refund": publish(company.admin, title="How to get a refund", language="en",
                          body="Open My orders and press Request refund."),
        "fruit": publish(company.admin, title="Keeping strawberries fresh", language="en",
                         body="Keep strawberries dry and cold; eat them within two days."),
    }
    spelling.forget()


def test_a_misspelt_word_finds_what_was_meant(articles):
    found = search(q="refnud", limit=5)
    assert articles["refund"].pk in ids(found)
    assert "refund" in found.query.highlight_words()
    found = search(q="strawbery", limit=5)
    assert articles["fruit"].pk in ids(found)


def test_correct_words_are_searched_as_typed(articles):
    found = search(q="refund", limit=5)
    assert ids(found) == [articles["refund"].pk]
    assert [t.alternatives for t in found.query.terms] == [
        t.alternatives for t in parse("refund").terms]
