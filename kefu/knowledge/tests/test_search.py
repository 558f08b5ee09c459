"""The search service on the database (this file runs on SQLite and on PostgreSQL with the
same queries and the same expected ids: the two engines must agree): Chinese words,
bigrams for names and typos, English prefixes, mixed queries, synonyms and the user
dictionary, ranking, escaped snippets, and bad queries answered safely."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kefu.knowledge import services
from kefu.knowledge.search import index, search

from .conftest import ids, publish

CORPUS = [
    ("refund", "zh-hans", "如何申请退款", "在“我的订单”里选择订单，点击申请退款。审核通过后 1-3 个工作日退回原支付账户。"),
    ("invoice", "zh-hans", "如何开具电子发票", "订单完成后可在订单详情页申请电子发票，发票抬头可填写个人或公司。"),
    ("slot", "zh-hans", "修改配送时间", "下单后两小时内可以修改配送时间段，高峰时段名额有限。"),
    ("points", "zh-hans", "会员积分怎么用", "积分可以抵扣运费和部分商品金额，100 积分抵 1 元。"),
    ("fridge", "zh-hans", "冰箱安装预约", "大家电送达后，安装师傅会在 24 小时内联系您预约上门安装。"),
    ("refund_en", "en", "How to get a refund", "Open My orders, choose the order and press Request refund. Refunds reach your account in 1-3 working days."),
    ("slot_en", "en", "Changing your delivery slot", "You can change the delivery slot up to two hours after ordering."),
    ("iphone", "zh-hans", "iPhone 退款说明", "Apple 产品 iPhone 的退款需要保持包装完整。"),
]


@pytest.fixture
def corpus(company):
    return {key: publish(company.admin, title=title, body=body, language=lang)
            for key, lang, title, body in CORPUS}


@pytest.mark.parametrize("query, expected", [
    ("退款", {"refund", "iphone"}),
    ("发票", {"invoice"}),
    ("电子发票", {"invoice"}),
    ("配送时间", {"slot"}),
    ("会员积分", {"points"}),
    ("冰箱安装", {"fridge"}),
    ("refund", {"refund_en"}),
    ("refu", {"refund_en"}),  # the last word is a prefix
    ("how do I change my delivery slo", {"slot_en"}),
    ("iPhone 退款", {"iphone"}),  # mixed
    ("IPHONE", {"iphone"}),
    ("ｒｅｆｕｎｄ", {"refund_en"}),  # full width
])
def test_words_in_both_languages(corpus, query, expected):
    found = search(q=query, limit=10)
    assert {k for k, a in corpus.items() if a.pk in ids(found)} >= expected
    strict = [r for r in found.items if not r.approximate]
    assert {k for k, a in corpus.items() if a.pk in [r.id for r in strict]} == expected


def test_the_language_filter(corpus):
    assert ids(search(q="refund", language="zh-hans")) == []
    assert ids(search(q="退款", language="en")) == []


def test_a_typo_finds_the_article_through_bigrams(corpus):
    # 配送时问 (问 for 间): no article has every word; the bigram 配送 still finds it
    found = search(q="配送时问")
    assert found.items and found.items[0].id == corpus["slot"].pk and found.approximate


def test_a_single_character_matches_as_a_prefix(corpus):
    assert corpus["fridge"].pk in ids(search(q="箱"))


def test_synonyms_edited_by_an_admin(company, corpus):
    assert ids(search(q="退钱")) == []
    services.synonym_save(actor=company.admin, terms="退钱, 退款, money back")
    assert set(ids(search(q="退钱"))) == {corpus["refund"].pk, corpus["iphone"].pk}
    found = search(q="money back", language="zh-hans")
    assert corpus["refund"].pk in ids(found)
    assert "<mark>退款</mark>" in str(found.items[0].snippet_html)


def test_the_user_dictionary_keeps_product_names_whole(company):
    article = publish(company.admin, title="鲜到家会员卡", body="鲜到家会员卡每月送两张免运费券。")
    publish(company.admin, title="到家服务", body="家电到家安装，会员免费。")
    from kefu.knowledge.search import lexicon
    assert "鲜到家" not in list(lexicon.current().segmenter.cut("鲜到家会员卡"))
    services.dictionary_word_save(actor=company.admin, word="鲜到家")
    assert "鲜到家" in list(lexicon.current().segmenter.cut("鲜到家会员卡"))
    found = search(q="鲜到家")
    assert [r.id for r in found.items if not r.approximate] == [article.pk]


def test_internal_articles_are_for_staff(company, corpus):
    internal = publish(company.admin, title="退款审批内部流程", body="超过 500 元的退款需主管审批。",
                       audience="internal")
    assert internal.pk not in ids(search(q="退款审批"))
    assert internal.pk not in ids(search(q="退款审批", user=company.customer_user))
    assert ids(search(q="退款审批", user=company.agent_east))[0] == internal.pk
    assert internal.pk not in ids(search(q="退款审批", user=company.agent_east,
                                         include_internal=False))


def test_helpful_articles_rank_first_among_equals(company):
    a = publish(company.admin, title="退货流程", body="退货需要在七天内申请。")
    b = publish(company.admin, title="退货流程", body="退货需要在七天内申请。")
    for i in range(8):
        services.feedback_submit(article=a, helpful=False, visitor=f"a{i}")
        services.feedback_submit(article=b, helpful=True, visitor=f"b{i}")
    assert ids(search(q="退货")) == [b.pk, a.pk]


def test_snippets_are_escaped_and_highlighted(company):
    publish(company.admin, title="<b>退款</b> & 说明",
            body="注意 <script>alert('x')</script> 退款 会在三天内到账。" + "其他内容。" * 100)
    item = search(q="退款").items[0]
    assert "<script>" not in str(item.snippet_html) and "&lt;script&gt;" in str(item.snippet_html)
    assert "<mark>退款</mark>" in str(item.snippet_html)
    assert str(item.title_html) == "&lt;b&gt;<mark>退款</mark>&lt;/b&gt; &amp; 说明"


BAD_QUERIES = ["", " ", "x" * 10_000, "退款" * 5_000, "!!!", "。，、？", '"', '""', 'NEAR(', 'NEAR(退款 发票, 2)',
               "*", "退*", "OR", "退款 OR 发票", "-", "-退款", "^", "^退款", "subject:", "title_tokens:退款",
               "tokens: refund", "'; DROP TABLE knowledge_searchdocument; --", "(((", ")", "a & b | !c",
               "退款:*", "\\", "\x00", "😀", "退款 AND", "AND", "NOT refund", "{near}"]


@pytest.mark.parametrize("bad", BAD_QUERIES)
def test_bad_queries_are_answered_safely(corpus, bad, company):
    for kind, user in (("article", None), ("ticket", company.admin), ("customer", company.admin)):
        results = search(q=bad, kind=kind, user=user)
        assert isinstance(results.items, list)


def test_fts_syntax_is_searched_as_words(corpus):
    # "NEAR(退款" is the word 退款 (NEAR is a word too), not an operator
    assert corpus["refund"].pk in ids(search(q="NEAR(退款"))
    assert corpus["refund"].pk in ids(search(q='"退款'))


# --- tickets and customers ------------------------------------------------------------------

@pytest.fixture
def tickets(company, make_ticket):
    east = make_ticket(company.agent_east, company.alice, subject="冰箱门关不上",
                       description="收到的冰箱门有问题，要求换货")
    west = make_ticket(company.agent_west, company.bob, subject="冰箱漏水",
                       description="冰箱底部漏水，请安排维修")
    index.index_changed()
    return {"east": east, "west": west}


def test_ticket_search_respects_each_agents_scope(company, tickets):
    # the east agent finds the east ticket only; the west ticket exists but is not theirs
    assert ids(search(q="冰箱", kind="ticket", user=company.agent_east)) == [tickets["east"].pk]
    assert ids(search(q="漏水", kind="ticket", user=company.agent_east)) == []
    assert ids(search(q="漏水", kind="ticket", user=company.agent_west)) == [tickets["west"].pk]
    assert set(ids(search(q="冰箱", kind="ticket", user=company.admin))) == {
        tickets["east"].pk, tickets["west"].pk}
    assert ids(search(q="冰箱", kind="ticket", user=company.supervisor_east)) == [tickets["east"].pk]


def test_customers_and_visitors_never_search_tickets(company, tickets):
    from kefu.core.errors import PermissionDenied

    for user in (None, company.customer_user):
        with pytest.raises(PermissionDenied):
            search(q="冰箱", kind="ticket", user=user)
        with pytest.raises(PermissionDenied):
            search(q="爱丽丝", kind="customer", user=user)


def test_a_ticket_is_searchable_once_the_indexer_ran(company, make_ticket, tickets):
    from kefu.tickets.services import ticket_reply

    ticket = make_ticket(company.agent_east, company.alice, subject="发票抬头写错")
    assert ids(search(q="抬头", kind="ticket", user=company.admin)) == []
    assert index.index_changed()["ticket"] == 1
    assert ids(search(q="抬头", kind="ticket", user=company.admin)) == [ticket.pk]
    # a reply moves updated_at: its words are indexed on the next run
    ticket_reply(ticket=ticket, actor=company.agent_east, body="已为您重新开具增值税专用发票")
    assert index.index_changed()["ticket"] == 1
    assert ids(search(q="增值税", kind="ticket", user=company.admin)) == [ticket.pk]
    assert index.index_changed() == {"ticket": 0, "customer": 0}  # nothing changed since


def test_the_indexer_pages_through_many_changes(company, make_ticket):
    # given more changed tickets than one batch, some with the same updated_at
    made = [make_ticket(company.agent_east, company.alice, subject=f"批量工单 {i}") for i in range(7)]
    from kefu.tickets.models import Ticket

    Ticket.objects.filter(pk__in=[t.pk for t in made[:4]]).update(updated_at=made[0].updated_at)
    # when the indexer runs in batches of 3
    counts = index.index_changed(batch=3)
    # then every ticket is indexed once, and a second run finds nothing new
    assert counts["ticket"] == 7
    assert set(ids(search(q="批量工单", kind="ticket", user=company.admin, limit=20))) == {
        t.pk for t in made}
    assert index.index_changed(batch=3)["ticket"] == 0


def test_only_the_newest_matches_are_ranked_for_tickets(company, make_ticket, monkeypatch):
    # given three tickets with the word, indexed oldest first, and a ranking window of two
    import kefu.knowledge.search as search_module

    made = [make_ticket(company.agent_east, company.alice, subject=f"窗口测试 {i}") for i in range(3)]
    index.index_changed()
    monkeypatch.setattr(search_module, "WINDOW", 2)
    # when an administrator searches: then the two newest documents are ranked (both databases)
    found = ids(search(q="窗口测试", kind="ticket", user=company.admin))
    assert sorted(found) == sorted(t.pk for t in made[1:])


def test_customer_search_by_name_part_email_and_phone(company, tickets):
    from kefu.customers.models import Customer

    zhang = Customer.objects.create(name="张伟明", name_en="Zhang Weiming", tier=company.regular,
                                    branch=company.west, email="weiming@example.com",
                                    phone="13812345678")
    index.index_changed()
    admin = company.admin
    assert ids(search(q="伟明", kind="customer", user=admin)) == [zhang.pk]  # a bigram
    assert ids(search(q="weiming@example", kind="customer", user=admin)) == [zhang.pk]
    assert ids(search(q="1381234", kind="customer", user=admin)) == [zhang.pk]  # a prefix
    assert ids(search(q="伟明", kind="customer", user=company.agent_east)) == []  # west branch
    assert ids(search(q="爱丽丝", kind="customer", user=company.agent_east)) == [company.alice.pk]


def test_search_query_count_does_not_grow_with_results(company):
    for i in range(3):
        publish(company.admin, title=f"退款问题 {i}", body="退款")
    search(q="退款")  # warm the lexicon
    with CaptureQueriesContext(connection) as few:
        assert len(search(q="退款").items) == 3
    for i in range(12):
        publish(company.admin, title=f"更多退款 {i}", body="退款")
    with CaptureQueriesContext(connection) as many:
        assert len(search(q="退款", limit=15).items) == 15
    assert len(few) == len(many) <= 5
