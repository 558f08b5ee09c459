"""The knowledge base in a real browser: a visitor searches the help centre in Chinese (退款)
and in English, opens an article and says it helped; an agent searches articles from the
ticket page's knowledge panel and inserts one into the reply in one click."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import CHROMIUM

if not CHROMIUM.exists():
    pytest.skip("browser tests need Debian's chromium at /usr/bin/chromium",
                allow_module_level=True)
pytest.importorskip("playwright.sync_api", reason="browser tests need the playwright package")

from django.urls import resolve  # noqa: E402
from playwright.sync_api import expect  # noqa: E402

from kefu.accounts.services import user_set_language  # noqa: E402
from kefu.knowledge import services  # noqa: E402
from kefu.knowledge.models import Article  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def publish(actor, **kw):
    article = services.article_create(actor=actor, **kw)
    services.article_publish(actor=actor, article=article)
    return article


@pytest.fixture
def kb(company, settings):
    settings.KNOWLEDGE_SEMANTIC = 0  # keyword search: the encoder's load time is not tested here
    resolve("/portal/help/")  # import every view now, not during the first page's time limit
    refund = publish(company.admin, language="zh-hans", title="如何申请退款",
                     body="在“我的订单”里选择订单，点击**申请退款**。1-3 个工作日退回原账户。")
    refund_en = publish(company.admin, language="en", title="How to get a refund",
                        body="Open My orders, choose the order and press **Request refund**.",
                        translation_of=refund)
    invoice = publish(company.admin, language="zh-hans", title="如何开具电子发票",
                      body="订单完成后，在订单详情页申请电子发票。")
    return {"refund": refund, "refund_en": refund_en, "invoice": invoice}


def test_a_visitor_finds_an_answer_in_chinese_and_in_english(page, kb):
    # given the help centre, with no sign-in (the browser asks for English)
    page.goto("/portal/help/")
    # when a visitor searches the two-character word 退款
    page.fill("#help-q", "退款")
    with page.expect_navigation():
        page.press("#help-q", "Enter")
    # then the Chinese article is found (nothing English has the word), highlighted
    results = page.locator("#help-results")
    expect(results).to_contain_text("如何申请退款")
    expect(results.locator("mark").first).to_have_text("退款")
    # and in English, the English article
    page.fill("#help-q", "refund")
    with page.expect_navigation():
        page.press("#help-q", "Enter")
    expect(page.locator("#help-results")).to_contain_text("How to get a refund")
    # when they open it and say it helped
    with page.expect_navigation():
        page.locator("#help-results a", has_text="How to get a refund").click()
    expect(page.locator("#help-title")).to_have_text("How to get a refund")
    expect(page.locator("#help-body strong")).to_have_text("Request refund")
    with page.expect_navigation():
        page.click("#help-yes")
    # then the answer is thanked and counted, and the view too
    expect(page.locator("#help-thanks")).to_be_visible()
    article = Article.objects.get(pk=kb["refund_en"].pk)
    assert (article.helpful_yes, article.helpful_no) == (1, 0) and article.view_count >= 1


def test_an_agent_inserts_an_article_into_a_reply(page, kb, company, make_ticket):
    # given an agent on a customer's ticket
    user_set_language(user=company.agent_east, language="en")
    ticket = make_ticket(company.agent_east, company.alice, subject="电子发票在哪里开",
                         description="上周的订单需要发票")
    page.goto("/login/")
    page.fill("input[name=username]", "agent-east")
    page.fill("input[name=password]", "pw-agent-east-123")
    with page.expect_navigation():
        page.click("#login-submit")
    page.goto(f"/tickets/{ticket.pk}/")
    # the knowledge panel loads after the page and suggests the invoice article
    panel = page.locator("#panel-knowledge")
    expect(panel.locator("#kb-panel-articles")).to_contain_text("如何开具电子发票")
    # (htmx binds the panel's search box when the swap settles, a moment after it shows)
    expect(panel).not_to_have_class(re.compile(r"\bhtmx-added\b"))
    # when the agent searches the panel for another article and inserts its link
    page.fill("#kb-panel-q", "退款")
    found = page.locator("#kb-panel-found li", has_text="如何申请退款")
    expect(found).to_have_count(1)
    found.locator(".kb-insert-link").click()
    # then the reply box has the help-centre address, in one click
    reply = page.locator("#reply-body")
    expect(reply).to_have_value(re.compile(rf"/portal/help/articles/{kb['refund'].pk}/$"))
    # and "insert text" adds the article's plain text after it
    panel.locator("#kb-panel-articles li", has_text="如何开具电子发票").locator(
        ".kb-insert-text").click()
    expect(reply).to_have_value(re.compile(r"articles/\d+/\n\n订单完成后，在订单详情页申请电子发票。"))
