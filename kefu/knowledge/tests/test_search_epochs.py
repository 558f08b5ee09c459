"""PostgreSQL's newest-matches search (``search/epochs.py``): whichever way it goes — every
match, a walk by id, rounds over epochs, a round that finds too little — it returns exactly
the newest ``window`` matching documents, as a walk by id (and SQLite's FTS5) would.

The documents are written with ids far apart, so that a few hundred of them span many
epochs; the planner's estimate is replaced to send each query down the path under test."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import timezone

from kefu.knowledge.models import SearchDocument
from kefu.knowledge.search import epochs
from kefu.knowledge.search import query as q

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the epochs are PostgreSQL's (SQLite: FTS5)"
)

STEP = 41  # ids apart: ~200 documents an epoch, 2,000 documents over 10 epochs
COUNT = 2000
WINDOW = 30


def _words(i: int) -> str:
    words = ["工单"]
    if i % 2 == 0:
        words.append("常见")  # half of them
    if i % 20 == 3:
        words.append("偶尔")  # one in twenty
    if i < COUNT // 2 and i % 3 == 0:
        words.append("旧词")  # only in the older half
    if i % 97 == 5:
        words.append("罕见")
    if i % 2 == 0 and 1000 + i * STEP < 10 * epochs.EPOCH:
        words.append("渐少")  # in every other one, up to the last epoch

    return " ".join(words)


@pytest.fixture
def documents(db):
    now = timezone.now()
    SearchDocument.objects.bulk_create(
        SearchDocument(id=1000 + i * STEP, kind="ticket", object_id=10_000 + i, title=f"t{i}",
                       title_tokens="", tokens=_words(i), source_updated_at=now, indexed_at=now)
        for i in range(COUNT)
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE knowledge_searchdocument")
    return {i: 1000 + i * STEP for i in range(COUNT)}


def _tsquery(*words: str) -> str:
    return " & ".join(f"'{w}'" for w in words)


def _expected(documents, *words, window=WINDOW):
    matching = [doc for i, doc in documents.items() if set(words) <= set(_words(i).split())]
    return sorted(matching, reverse=True)[:window]


def _newest(*words, window=WINDOW, planner_expects=None, monkeypatch=None):
    if planner_expects is not None:
        calls = iter([planner_expects, COUNT])  # matches, then documents of the kind
        monkeypatch.setattr(epochs, "estimate", lambda sql, args: next(calls))
    found = epochs.newest(_tsquery(*words), kind="ticket", table="knowledge_searchdocument",
                          where="", params=[], window=window, all_terms=len(words) > 1)
    return [row[0] for row in found]


def _statements(monkeypatch) -> list[str]:
    run, execute = [], epochs.execute

    def spy(sql, args):
        run.append(sql)
        return execute(sql, args)

    monkeypatch.setattr(epochs, "execute", spy)
    return run


@pytest.mark.parametrize("words, expects, path", [
    (("常见",), 1000, "walk"),       # half of them
    (("偶尔",), 100, "rounds"),      # one in twenty
    (("罕见",), 3, "whole"),
    (("旧词",), 150, "rounds, then the rest"),  # none in the newest epochs
    (("渐少",), 500, "rounds"),  # none in the newest epoch, many just before
    (("常见", "偶尔"), 50, "whole"),  # two words together
])
def test_every_path_gives_the_newest_matches(documents, monkeypatch, words, expects, path):
    monkeypatch.setattr(epochs, "RARE", 0.1)  # up to 3 expected: read whole
    monkeypatch.setattr(epochs, "MARGIN", 0.5)  # rounds too short: more of them
    monkeypatch.setattr(epochs, "WALK_FROM", 0.3)
    run = _statements(monkeypatch)
    assert _newest(*words, planner_expects=expects, monkeypatch=monkeypatch) == _expected(
        documents, *words)
    walks = [s for s in run if "ORDER BY d.id DESC" in s]
    rounds = [s for s in run if "&& CAST" in s]
    rests = [s for s in run if "d.id < %s" in s]
    taken = {"walk": bool(walks) and not rounds, "whole": not walks and not rounds,
             "rounds": bool(rounds) and not rests,
             "rounds, then the rest": bool(rounds) and bool(rests)}
    assert taken[path], run
    if path == "rounds":
        assert len(rounds) >= 2


@pytest.mark.parametrize("window", [1, 3, 9, 19, 20, 21, 200])
def test_rounds_stop_at_the_window_whatever_its_size(documents, monkeypatch, window):
    monkeypatch.setattr(epochs, "RARE", 0)
    monkeypatch.setattr(epochs, "MARGIN", 0.5)  # rounds too short: more of them
    got = _newest("偶尔", window=window, planner_expects=100, monkeypatch=monkeypatch)
    assert got == _expected(documents, "偶尔", window=window)


def test_a_wrong_estimate_costs_time_never_results(documents, monkeypatch):
    # the planner thinks the common word rare and the rare one common, and the reverse
    monkeypatch.setattr(epochs, "RARE", 0.1)
    for words, expects in ((("常见",), 1), (("罕见",), 1500), (("旧词",), 30), (("工单",), 90)):
        assert _newest(*words, planner_expects=expects, monkeypatch=monkeypatch) == _expected(
            documents, *words), words


def test_the_real_estimate_and_an_empty_table(documents):
    assert _newest("常见") == _expected(documents, "常见")
    assert _newest("没有这个词") == []
    SearchDocument.objects.all().delete()
    assert _newest("常见") == []


def test_the_index_is_over_the_expression_searches_use(documents):
    # (migration 0004 freezes its expression; a different one here would leave the index unused)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            f"EXPLAIN SELECT d.id FROM knowledge_searchdocument d WHERE d.kind = 'ticket' "
            f"AND {epochs.INDEXED_TSV} @@ (CAST(%s AS tsquery) && CAST(%s AS tsquery))",
            [_tsquery("偶尔"), f"'{epochs.marker(3)}'"])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "kb_doc_tsv_epoch_ticket" in plan


def test_markers_never_match_a_query(db, documents):
    from kefu.knowledge.search import lexicon

    # no token holds a space, and a marker starts with one: not even a prefix can reach it
    assert epochs.marker(3).startswith(" ")
    for typed in ("e", "ep", "epoch", "epoch 3", " epoch 3", "'epoch 3'"):
        parsed = q.parse(typed, lexicon.current())
        assert all(not token.text.startswith(" ") and " " not in token.text
                   for term in parsed.terms for alt in term.alternatives for token in alt)
        tsquery = q.tsquery(parsed)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*) FROM knowledge_searchdocument d WHERE d.kind = 'ticket' "
                f"AND {epochs.INDEXED_TSV} @@ CAST(%s AS tsquery)", [tsquery])
            assert cursor.fetchone()[0] == 0, typed
