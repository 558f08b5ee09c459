"""The search evaluation set and its metrics (pure: no database). The figures themselves come
from ``python -m bench.search_quality``; test_demo.py keeps the default ranking above a floor
on the core queries."""

from __future__ import annotations

from kefu.knowledge import evaluation
from kefu.knowledge.demo_articles import demo_articles


def test_reciprocal_rank_and_recall():
    expected = frozenset({"b", "d"})
    assert evaluation.reciprocal_rank(["a", "b", "c", "d"], expected) == 0.5
    assert evaluation.reciprocal_rank(["a", "c"], expected) == 0.0
    assert evaluation.reciprocal_rank(["a"] * 10 + ["b"], expected, k=10) == 0.0
    assert evaluation.recall(["a", "b", "c", "d"], expected, k=5) == 1.0
    assert evaluation.recall(["b", "a", "c"], expected, k=5) == 0.5
    # many expected answers: out of as many as fit in the top k
    assert evaluation.recall(list("abcde"), frozenset("abcdefgh"), k=5) == 1.0
    assert evaluation.first_per_group(["x", None, "y", "x"]) == ["x", "y"]


def test_the_set_is_big_and_bilingual_with_typos_mixed_and_short_words():
    queries = evaluation.load()
    by_language = {lang: [q for q in queries if q.language == lang] for lang in ("zh", "en", "mixed")}
    assert len(queries) >= 100
    assert len(by_language["zh"]) >= 50 and len(by_language["en"]) >= 50
    assert len(by_language["mixed"]) >= 5
    assert sum("typo" in q.tags for q in queries) >= 10
    two = [q for q in queries if "two" in q.tags]
    assert len(two) >= 5 and all(len(q.text) == 2 for q in two)
    assert {"退款", "发票"} <= {q.text for q in two}
    assert 20 <= len(evaluation.load(tag="core")) <= 40
    assert len({q.text for q in queries}) == len(queries)  # no query twice


def test_every_expected_article_exists_in_the_demo_and_is_public():
    public = {a["key"] for a in demo_articles() if a["audience"] == "public"}
    for query in evaluation.load():
        assert query.expected and query.expected <= public, query.text
