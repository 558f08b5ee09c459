"""The console's knowledge pages for staff: the list, writing, review and publishing by
role, versions and their diff, files, and the one search box over tickets, customers and
articles."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from kefu.core.testing.console import signed_in
from kefu.knowledge.models import Article
from kefu.knowledge.search import index

from .conftest import publish
from .test_help import PNG


def test_the_navigation_links(company):
    page = signed_in(company.agent_east).get("/inbox/").content.decode()
    assert 'id="nav-knowledge"' in page
    portal = Client().get("/portal/login/").content.decode()
    assert 'id="nav-help"' in portal


def test_an_agent_writes_and_an_editor_publishes_in_the_console(company):
    agent = signed_in(company.agent_east)
    created = agent.post("/knowledge/new/", {
        "language": "zh-hans", "title": "积分过期规则", "summary": "积分有效期一年",
        "keywords": "积分 过期", "body": "积分自获得之日起一年内有效。", "note": "",
        "audience": "public", "category": ""})
    assert created.status_code == 302, created.content.decode()[:2000]
    article = Article.objects.get()
    page = agent.get(f"/knowledge/{article.pk}/").content.decode()
    assert 'id="kb-submit"' in page and 'id="kb-publish"' not in page
    agent.post(f"/knowledge/{article.pk}/submit/")
    refused = agent.post(f"/knowledge/{article.pk}/publish/", follow=True)
    assert "Only editors" in refused.content.decode() or "只有" in refused.content.decode()
    editor = signed_in(company.supervisor_east)
    listed = editor.get("/knowledge/").content.decode()
    assert 'id="kb-review-queue"' in listed and "积分过期规则" in listed
    editor.post(f"/knowledge/{article.pk}/publish/")
    article.refresh_from_db()
    assert article.status == "published"
    # a change, then the diff page
    edit = agent.post(f"/knowledge/{article.pk}/edit/", {
        "title": "积分过期规则", "summary": "", "keywords": "", "body": "积分两年内有效。",
        "note": "改为两年"})
    assert edit.status_code == 302
    editor.post(f"/knowledge/{article.pk}/publish/")
    diff = editor.get(f"/knowledge/{article.pk}/diff/1/2/").content.decode()
    assert "+积分两年内有效。" in diff and "-积分自获得之日起一年内有效。" in diff


def test_auditors_read_but_do_not_write(company):
    article = publish(company.admin, title="发票", body="发票说明")
    auditor = signed_in(company.auditor)
    assert auditor.get(f"/knowledge/{article.pk}/").status_code == 200
    assert auditor.get("/knowledge/new/").status_code == 403
    auditor.post(f"/knowledge/{article.pk}/archive/")
    article.refresh_from_db()
    assert article.status == "published"


def test_customers_do_not_reach_the_console_pages(company):
    article = publish(company.admin, title="发票", body="发票说明")
    customer = signed_in(company.customer_user)
    assert customer.get(f"/knowledge/{article.pk}/").status_code == 403
    assert customer.get("/search/", {"q": "发票"}).status_code == 403


def test_uploading_an_image_and_showing_it(company):
    article = publish(company.admin, title="发票", body="发票说明")
    editor = signed_in(company.admin)
    editor.post(f"/knowledge/{article.pk}/files/",
                {"file": SimpleUploadedFile("shot.png", PNG, "image/png")})
    file = article.attachments.get()
    assert editor.get(f"/knowledge/files/{file.pk}/").status_code == 200
    bad = editor.post(f"/knowledge/{article.pk}/files/",
                      {"file": SimpleUploadedFile("x.html", b"<script>x</script>", "text/html")},
                      follow=True)
    assert article.attachments.count() == 1 and bad.status_code == 200


def test_the_console_search_box(company, make_ticket):
    ticket = make_ticket(company.agent_east, company.alice, subject="冰箱门关不上")
    hidden = make_ticket(company.agent_west, company.bob, subject="冰箱漏水")
    index.index_changed()
    client = signed_in(company.agent_east)
    page = client.get("/search/", {"q": "冰箱", "type": "ticket"}).content.decode()
    assert f"/tickets/{ticket.pk}/" in page and f"/tickets/{hidden.pk}/" not in page
    part = client.get("/search/", {"q": "爱丽丝", "type": "customer", "part": "results"},
                      HTTP_HX_REQUEST="true").content.decode()
    assert f"/customers/{company.alice.pk}/" in part and "<html" not in part
    for q in ['"', "NEAR(", "x" * 5000, "<b>"]:
        assert client.get("/search/", {"q": q, "type": "article"}).status_code == 200


def test_the_ticket_panel_searches_any_article_to_insert(company):
    # given a public and an internal article
    public = publish(company.admin, title="如何开具电子发票", body="订单完成后申请电子发票。")
    internal = publish(company.admin, title="发票审批（内部）", body="专票需主管审批。",
                       audience="internal")
    agent = signed_in(company.agent_east)
    # when an agent searches from the ticket panel
    html = agent.get("/search/", {"q": "发票", "part": "panel"},
                     HTTP_HX_REQUEST="true").content.decode()
    # then both come with "insert text", and only the public one with a help-centre link
    assert f"/knowledge/{public.pk}/text/" in html and f"/knowledge/{internal.pk}/text/" in html
    assert f"/portal/help/articles/{public.pk}/" in html
    assert f"/portal/help/articles/{internal.pk}/" not in html
    assert 'class="secondary kb-insert-link"' in html
    # and anything typed is answered; customers cannot use it
    for q in ['"NEAR(', "x" * 3000, ""]:
        assert agent.get("/search/", {"q": q, "part": "panel"}).status_code == 200
    customer = signed_in(company.customer_user).get("/search/", {"q": "发票", "part": "panel"})
    assert customer.status_code in (302, 403)
