"""The article services: drafts → review → published (→ archived), every published text
kept, translations, who may do what, the audit rows, and the index changing in the same
transaction as the publication."""

from __future__ import annotations

import pytest
from django.db import transaction

from kefu.core.errors import ApplicationError, Conflict, PermissionDenied
from kefu.knowledge import services
from kefu.knowledge.models import Article, ArticleEvent, ArticleVersion, SearchDocument
from kefu.knowledge.search import search

from .conftest import ids


def draft(actor, **kw):
    kw.setdefault("language", "zh-hans")
    kw.setdefault("title", "如何申请退款")
    kw.setdefault("body", "在订单页面点击申请退款。")
    return services.article_create(actor=actor, **kw)


def test_an_agent_proposes_and_an_editor_publishes(company):
    # given an agent's draft
    article = draft(company.agent_east)
    assert article.status == "draft" and article.versions.get().state == "draft"
    assert ids(search(q="退款", user=company.agent_east)) == []  # drafts are not searchable
    # when the agent sends it to review, they can neither publish nor change it any more
    services.article_submit(actor=company.agent_east, article=article)
    article.refresh_from_db()
    assert article.status == "review"
    with pytest.raises(PermissionDenied):
        services.article_publish(actor=company.agent_east, article=article)
    with pytest.raises(PermissionDenied):
        services.article_edit(actor=company.agent_east, article=article, title="x", body="y")
    # then a supervisor publishes it: live, indexed, with an event for each step
    services.article_publish(actor=company.supervisor_east, article=article)
    article.refresh_from_db()
    assert article.status == "published" and article.live_version.number == 1
    assert article.published_at is not None
    assert ids(search(q="退款")) == [article.pk]
    kinds = list(ArticleEvent.objects.filter(article=article).order_by("id")
                 .values_list("kind", "actor__username"))
    assert kinds == [("created", "agent-east"), ("submitted", "agent-east"),
                     ("published", "sup-east")]


def test_a_published_change_keeps_every_version(company, published):
    # given a published article
    article = published(company.admin, title="配送时间", body="每天 8 点到 20 点配送。")
    # when an agent proposes a change, the published text stays live
    services.article_edit(actor=company.agent_west, article=article, title="配送时间段",
                          body="每天 7 点到 22 点配送，可选一小时时段。", note="延长时间")
    article.refresh_from_db()
    assert article.live_version.number == 1 and article.title == "配送时间段"
    assert ids(search(q="22")) == []  # not yet
    # then the editor publishes it: v2 live, v1 superseded and kept
    services.article_publish(actor=company.admin, article=article)
    states = dict(ArticleVersion.objects.filter(article=article).values_list("number", "state"))
    assert states == {1: "superseded", 2: "published"}
    assert ids(search(q="22")) == [article.pk]
    assert ids(search(q="20")) == []  # the index holds only the live text


def test_only_one_text_is_worked_on_at_a_time(company, published):
    article = published(company.admin, title="发票", body="电子发票在订单完成后开具。")
    services.article_edit(actor=company.agent_east, article=article, title="发票", body="新")
    # another agent cannot change a colleague's draft
    with pytest.raises(PermissionDenied):
        services.article_edit(actor=company.agent_west, article=article, title="发票", body="别")
    # the author edits it in place: still one open version
    services.article_edit(actor=company.agent_east, article=article, title="发票", body="新的")
    assert ArticleVersion.objects.filter(article=article, state__in=["draft", "review"]).count() == 1


def test_returning_a_text_to_draft(company):
    article = draft(company.agent_east)
    services.article_submit(actor=company.agent_east, article=article)
    with pytest.raises(PermissionDenied):
        services.article_return(actor=company.agent_east, article=article, reason="x")
    services.article_return(actor=company.admin, article=article, reason="请补充截图")
    article.refresh_from_db()
    assert article.status == "draft"
    assert ArticleEvent.objects.filter(kind="returned").get().data["reason"] == "请补充截图"
    with pytest.raises(Conflict):
        services.article_return(actor=company.admin, article=article)


def test_archive_and_restore(company, published):
    article = published(company.admin, title="会员积分", body="积分可以抵扣运费。")
    services.article_archive(actor=company.supervisor_east, article=article, reason="活动结束")
    article.refresh_from_db()
    assert article.status == "archived"
    assert not SearchDocument.objects.filter(kind="article").exists()
    with pytest.raises(Conflict):
        services.article_archive(actor=company.admin, article=article)
    services.article_restore(actor=company.admin, article=article)
    assert ids(search(q="积分")) == [article.pk]


def test_translations_share_a_group(company, published):
    zh = published(company.admin, title="如何退款", body="申请退款的步骤。")
    en = services.article_create(actor=company.agent_east, language="en", title="How to get a refund",
                                 body="Steps to ask for a refund.", translation_of=zh)
    assert en.group_id == zh.group_id and en.audience == zh.audience
    with pytest.raises(Conflict):
        services.article_create(actor=company.agent_east, language="en", title="Again",
                                body="x", translation_of=zh)


@pytest.mark.parametrize("field, value, code", [
    ("title", "", "required"), ("title", "x" * 201, "too_long"), ("body", "", "required"),
    ("body", "a\x00b", "invalid_text"), ("language", "fr", "invalid_language"),
    ("audience", "everyone", "invalid_audience"), ("title", 5, "invalid_text"),
])
def test_bad_input_is_refused_and_nothing_written(company, field, value, code):
    kw = {"language": "zh-hans", "title": "标题", "body": "正文", field: value}
    with pytest.raises(ApplicationError) as caught:
        services.article_create(actor=company.agent_east, **kw)
    assert caught.value.code == code
    assert not Article.objects.exists()


@pytest.mark.parametrize("who", ["auditor", "customer_user"])
def test_auditors_and_customers_write_no_articles(company, who):
    with pytest.raises(PermissionDenied):
        draft(getattr(company, who))


def test_settings_are_for_editors_once_published(company, published):
    article = published(company.admin, title="安装", body="冰箱安装预约。")
    with pytest.raises(PermissionDenied):
        services.article_settings(actor=company.agent_east, article=article, audience="internal")
    services.article_settings(actor=company.admin, article=article, audience="internal")
    assert ids(search(q="安装")) == []  # no longer public
    assert ids(search(q="安装", user=company.agent_east)) == [article.pk]


def test_publication_and_index_roll_back_together(company):
    article = draft(company.admin)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.article_publish(actor=company.admin, article=article)
        raise RuntimeError
    article.refresh_from_db()
    assert article.status == "draft" and not SearchDocument.objects.exists()
