"""Suggestions while a customer writes a request, and deflection: opening a suggested
article and then not filing the request counts; filing it does not."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from kefu.core.testing.console import signed_in
from kefu.knowledge import services
from kefu.knowledge.models import DeflectionEvent, DeflectionSession
from kefu.knowledge.selectors import deflection_summary

from .conftest import publish


@pytest.fixture
def articles(company):
    return {"refund": publish(company.admin, title="如何申请退款", body="在订单页申请退款。"),
            "slot": publish(company.admin, title="修改配送时间", body="下单后可修改配送时间。")}


def later(minutes=31):
    return timezone.now() + timedelta(minutes=minutes)


def test_the_new_request_page_has_the_suggestion_box(company):
    page = signed_in(company.customer_user).get("/portal/tickets/new/").content.decode()
    assert 'id="kb-suggest-box"' in page and "/portal/help/suggest/" in page


def test_suggestions_while_typing(company, articles):
    client = signed_in(company.customer_user)
    shown = client.get("/portal/help/suggest/", {"subject": "我要退款", "description": ""},
                       HTTP_HX_REQUEST="true")
    html = shown.content.decode()
    assert shown.status_code == 200 and f"/portal/help/suggested/{articles['refund'].pk}/" in html
    session = DeflectionSession.objects.get()
    assert session.user == company.customer_user and session.customer == company.alice
    assert session.shown_count == 1 and session.last_query.startswith("我要退款")
    # more typing continues the same session
    client.get("/portal/help/suggest/", {"subject": "我要退款 配送", "description": "时间"})
    assert DeflectionSession.objects.count() == 1
    assert DeflectionEvent.objects.filter(kind="shown").count() >= 2
    # anything typed is fine
    for text in ["退款\x00", '"NEAR(', "x" * 5000]:
        assert client.get("/portal/help/suggest/", {"subject": text}).status_code == 200
    # nothing to suggest: an empty answer
    assert client.get("/portal/help/suggest/", {"subject": "潜水艇"}).content == b""


def test_opening_an_article_and_not_filing_is_a_deflection(company, articles):
    client = signed_in(company.customer_user)
    client.get("/portal/help/suggest/", {"subject": "退款"})
    opened = client.get(f"/portal/help/suggested/{articles['refund'].pk}/")
    assert opened.status_code == 302 and opened["Location"] == (
        f"/portal/help/articles/{articles['refund'].pk}/")
    session = DeflectionSession.objects.get()
    assert session.opened_article == articles["refund"]
    assert services.deflection_resolve() == {"deflected": 0, "filed": 0, "abandoned": 0}
    assert services.deflection_resolve(now=later()) == {"deflected": 1, "filed": 0, "abandoned": 0}
    session.refresh_from_db()
    assert session.outcome == "deflected"
    assert deflection_summary()["rate"] == 1.0


def test_filing_the_request_is_not_a_deflection(company, articles):
    client = signed_in(company.customer_user)
    client.get("/portal/help/suggest/", {"subject": "退款"})
    client.get(f"/portal/help/suggested/{articles['refund'].pk}/")
    filed = client.post("/portal/tickets/new/", {"type": "inquiry", "subject": "退款还没到",
                                                 "description": "看了文章还是没到账"})
    assert filed.status_code == 302
    services.deflection_resolve(now=later())
    session = DeflectionSession.objects.get()
    assert session.outcome == "filed" and session.ticket is not None
    summary = deflection_summary()
    assert (summary["filed"], summary["opened_then_filed"], summary["rate"]) == (1, 1, 0.0)


def test_leaving_without_opening_anything_is_abandoned(company, articles):
    signed_in(company.customer_user).get("/portal/help/suggest/", {"subject": "退款"})
    services.deflection_resolve(now=later())
    assert DeflectionSession.objects.get().outcome == "abandoned"


def test_another_customer_cannot_use_a_session_key(company, articles):
    services.suggestions_shown(key="k" * 32, user=company.customer_user, query="退款",
                               article_ids=[articles["refund"].pk])
    assert services.suggestion_opened(key="k" * 32, user=company.other_customer_user,
                                      article=articles["refund"]) is None
    assert DeflectionSession.objects.get().opened_article is None


def test_visitors_get_suggestions_without_a_session(company, articles):
    from django.test import Client

    response = Client().get("/portal/help/suggest/", {"q": "退款"})
    assert response.status_code == 200 and b"suggested" in response.content
    assert not DeflectionSession.objects.exists()


def test_the_report_for_editors(company, articles):
    from kefu.knowledge.search import search

    search(q="开发票", scope="help", log=True)
    search(q="开发票", scope="help", log=True)
    for _i in range(3):
        services.feedback_submit(article=articles["slot"], helpful=False,
                                 visitor=f"v{_i}")
    client = signed_in(company.supervisor_east)
    page = client.get("/knowledge/report/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "开发票" in html and "修改配送时间" in html
    assert signed_in(company.agent_east).get("/knowledge/report/").status_code == 403


# --- the embeddable web form (anonymous visitors) -------------------------------------------

def web_form_suggest(client, subject, lang="zh-hans"):
    return client.get("/portal/help/suggest/", {"subject": subject, "description": "",
                                                "source": "web", "lang": lang})


def test_the_web_form_has_the_suggestion_box():
    from django.test import Client

    page = Client().get("/portal/form/", {"lang": "en"}).content.decode()
    assert 'id="kb-suggest-box"' in page and '"source": "web"' in page
    assert "#web-form [name=lang]" in page


def test_web_form_suggestions_follow_the_forms_language(company, articles):
    from django.test import Client

    english = publish(company.admin, language="en", title="How to get a refund",
                      body="Ask for a refund on the order page.")
    html = web_form_suggest(Client(), "refund", lang="en").content.decode()
    assert f"/portal/help/suggested/{english.pk}/" in html
    assert "These articles may already answer your question" in html


def test_an_anonymous_visitor_who_reads_and_leaves_is_a_deflection(company, articles):
    from django.test import Client

    # given a web-form visitor who sees suggestions and opens one
    client = Client()
    assert f"/portal/help/suggested/{articles['refund'].pk}/" in web_form_suggest(
        client, "我要退款").content.decode()
    client.get(f"/portal/help/suggested/{articles['refund'].pk}/")
    session = DeflectionSession.objects.get()
    assert session.user is None and session.opened_article == articles["refund"]
    # when nobody files that request (someone else's web request does not count)
    Client().post("/portal/form/", {"name": "李雷", "email": "lilei@mail.example",
                                    "type": "inquiry", "subject": "发票开错了",
                                    "lang": "zh-hans"})
    # then it is a deflection
    assert services.deflection_resolve(now=later())["deflected"] == 1


def test_an_anonymous_visitor_who_files_the_request_is_not_a_deflection(company, articles):
    from django.test import Client

    client = Client()
    web_form_suggest(client, "申请退款")
    client.get(f"/portal/help/suggested/{articles['refund'].pk}/")
    filed = client.post("/portal/form/", {"name": "王芳", "email": "wangfang@mail.example",
                                          "type": "inquiry", "subject": "申请退款，钱还没到",
                                          "description": "看了文章还是没到账", "lang": "zh-hans"})
    assert filed.status_code == 302
    assert services.deflection_resolve(now=later())["filed"] == 1
    assert DeflectionSession.objects.get().ticket.subject == "申请退款，钱还没到"


def test_a_robot_cannot_fill_the_session_table(company, articles, monkeypatch):
    from django.test import Client

    from kefu.knowledge.views import help as help_views

    monkeypatch.setattr(help_views, "WEB_SESSIONS_PER_HOUR", 3)
    for _i in range(6):  # a new cookie-less client each time
        assert web_form_suggest(Client(), "退款").status_code == 200
    assert DeflectionSession.objects.count() == 3


def test_same_request_compares_what_was_typed():
    from kefu.knowledge.rules import same_request

    assert same_request("我要退款 钱还没到", "我要退款")
    assert same_request("我要退", "我要退款")  # kept typing after the last suggestions
    assert not same_request("我要退款", "发票开错了")
    assert not same_request("", "我要退款") and not same_request("我", "我要退款")
