"""One full-text index per kind, the scope of ticket search inside the query, and the bulk
re-index (``kefu search reindex``). Runs on SQLite and on PostgreSQL alike."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

import kefu.knowledge.search as search_module
from kefu.cli import main
from kefu.knowledge.models import IndexWatermark, SearchDocument
from kefu.knowledge.search import backend, bulk, index, search

from .conftest import ids, publish


def _docs(kind):
    return dict(SearchDocument.objects.filter(kind=kind).values_list("object_id", "tokens"))


def test_each_kind_is_searched_in_its_own_index(company, make_ticket):
    # given an article, a ticket and a customer that all contain the same word
    article = publish(company.admin, title="榴莲退货说明", body="榴莲开箱后不支持退货")
    ticket = make_ticket(company.agent_east, company.alice, subject="榴莲坏了")
    company.alice.name = "榴莲爱好者"
    company.alice.save()
    index.index_changed()
    # when each kind is searched: then each finds its own document only
    query = search_module.parse("榴莲")
    for kind, expected in (
        ("article", article.pk),
        ("ticket", ticket.pk),
        ("customer", company.alice.pk),
    ):
        assert [h.object_id for h in backend.match(query, kind=kind)] == [expected]
    assert ids(search(q="榴莲", kind="article", user=company.admin)) == [article.pk]


def test_an_updated_or_deleted_document_leaves_its_index(company):
    article = publish(company.admin, title="山竹保鲜", body="山竹放冰箱冷藏")
    doc = SearchDocument.objects.get(kind="article", object_id=article.pk)
    doc.title_tokens, doc.tokens = "荔枝", "荔枝"
    doc.save()
    assert ids(search(q="山竹")) == []
    assert ids(search(q="荔枝")) == [article.pk]
    SearchDocument.objects.filter(kind="article", object_id=article.pk).update(embedding=b"")
    assert ids(search(q="荔枝")) == [article.pk]  # an embedding update leaves the index alone
    doc.delete()
    assert ids(search(q="荔枝")) == []


@pytest.mark.parametrize("typed", ["ep", "epo", "epoch", "冰箱 epo", "榴莲 epoch 1"])
def test_words_being_typed_find_only_what_they_start(company, make_ticket, typed):
    # (on PostgreSQL the ticket index also holds a marker per block of ids; a last word is
    # looked for as a prefix, and must never reach those)
    make_ticket(company.agent_east, company.alice, subject="冰箱门关不上")
    make_ticket(company.agent_east, company.alice, subject="冰箱漏水")
    company.alice.name = "榴莲爱好者"
    company.alice.save()
    index.index_changed()
    assert not [t for d in SearchDocument.objects.all() for t in d.tokens.split()
                if t.startswith("ep")]
    for kind in ("ticket", "customer"):
        if " " not in typed:  # (with 冰箱 the fallback rightly shows the 冰箱 tickets)
            assert ids(search(q=typed, kind=kind, user=company.admin)) == []
        assert backend.match(search_module.parse(typed), kind=kind) == []
        assert backend.match(search_module.parse(typed), kind=kind, window=50) == []


def test_the_scope_is_applied_before_the_candidates_are_cut(company, make_ticket, monkeypatch):
    # given one ticket of the east agent and, newer and as relevant, three west ones
    east = make_ticket(company.agent_east, company.alice, subject="冷链箱破损")
    for _i in range(3):
        make_ticket(company.agent_west, company.bob, subject="冷链箱破损")
    index.index_changed()
    monkeypatch.setattr(search_module, "CANDIDATES", 2)
    # when the east agent searches: then the query itself skips what they may not see
    with CaptureQueriesContext(connection) as queries:
        assert ids(search(q="冷链箱", kind="ticket", user=company.agent_east)) == [east.pk]
    assert len(queries) <= 5
    # (an administrator's two candidates are the two newest west tickets)
    assert east.pk not in ids(search(q="冷链箱", kind="ticket", user=company.admin))


def test_the_scope_of_customers_is_applied_in_the_query(company):
    from kefu.customers.models import Customer

    west = Customer.objects.create(name="王菠萝", tier=company.regular, branch=company.west)
    index.index_changed()
    assert ids(search(q="菠萝", kind="customer", user=company.agent_east)) == []
    assert ids(search(q="菠萝", kind="customer", user=company.admin)) == [west.pk]


def test_a_bulk_reindex_writes_what_the_periodic_indexer_writes(company, make_ticket):
    # given tickets indexed by the periodic indexer, one with an embedding
    made = [
        make_ticket(
            company.agent_east,
            company.alice,
            subject=f"批量重建 {i}",
            description="芒果运输途中压坏",
        )
        for i in range(7)
    ]
    index.index_changed()
    before = _docs("ticket")
    SearchDocument.objects.filter(kind="ticket", object_id=made[0].pk).update(embedding=b"\0" * 8)
    # and a stale document of a ticket that no longer exists
    stale = SearchDocument.objects.get(kind="ticket", object_id=made[1].pk)
    stale.pk, stale.object_id = None, max(t.pk for t in made) + 1000
    stale.save()
    IndexWatermark.objects.all().delete()
    # when everything is re-indexed in batches of 3
    assert bulk.reindex("ticket", batch=3) == len(before)
    # then the documents are the same, the stale one is gone, the embedding is kept
    assert _docs("ticket") == before
    assert (
        bytes(SearchDocument.objects.get(kind="ticket", object_id=made[0].pk).embedding)
        == b"\0" * 8
    )
    assert set(ids(search(q="芒果", kind="ticket", user=company.admin, limit=20))) == {
        t.pk for t in made
    }
    # and the periodic indexer carries on from there
    assert index.index_changed()["ticket"] == 0


def test_a_changed_ticket_loses_its_stale_embedding(company, make_ticket):
    from kefu.tickets.services import ticket_reply

    ticket = make_ticket(company.agent_east, company.alice, subject="椰子")
    index.index_changed()
    SearchDocument.objects.filter(kind="ticket", object_id=ticket.pk).update(embedding=b"\1" * 8)
    ticket_reply(ticket=ticket, actor=company.agent_east, body="已补发椰子")
    bulk.reindex("ticket")
    assert SearchDocument.objects.get(kind="ticket", object_id=ticket.pk).embedding is None


def test_articles_and_customers_are_reindexed_too(company):
    article = publish(company.admin, title="火龙果挑选", body="表皮鲜红的更新鲜")
    SearchDocument.objects.all().delete()
    assert bulk.reindex("article") == 1
    assert bulk.reindex("customer") >= 2
    assert ids(search(q="火龙果")) == [article.pk]
    assert ids(search(q="爱丽丝", kind="customer", user=company.admin)) == [company.alice.pk]


def test_the_reindex_command(company, make_ticket, capsys):
    ticket = make_ticket(company.agent_east, company.alice, subject="蓝莓发霉")
    assert main(["search", "reindex", "--kind", "ticket", "--batch", "2"]) == 0
    assert "ticket: 1 documents" in capsys.readouterr().out
    assert ids(search(q="蓝莓", kind="ticket", user=company.admin)) == [ticket.pk]
    assert main(["search", "reindex", "--batch", "0"]) == 2


@pytest.mark.parametrize(
    "bad", ["", "  ", '"', "NEAR(", "*", "OR", ":", "kind_article", "x" * 5000]
)
def test_bad_queries_are_answered_safely_for_every_kind(company, bad):
    for kind in ("article", "ticket", "customer"):
        search(q=bad, kind=kind, user=company.agent_east)
