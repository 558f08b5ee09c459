"""The help centre in the portal: no sign-in needed, both languages, public published
articles only, feedback once per visitor per article per day, view counts, files."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from kefu.knowledge import services
from kefu.knowledge.models import ArticleFeedback, KnowledgeCategory

from .conftest import publish

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
       b"\x00\x00\x00\x00IEND\xaeB`\x82")


@pytest.fixture
def site(company):
    orders = KnowledgeCategory.objects.create(slug="orders", name="订单", name_en="Orders")
    zh = publish(company.admin, title="如何申请退款", body="## 步骤\n1. 打开订单\n2. 点击申请退款",
                 category=orders)
    en = publish(company.admin, title="How to get a refund", body="Open the order.",
                 language="en", translation_of=zh)
    internal = publish(company.admin, title="退款内部说明", body="内部", audience="internal",
                       category=orders)
    draft = services.article_create(actor=company.admin, language="zh-hans", title="草稿退款",
                                    body="草稿")
    return {"orders": orders, "zh": zh, "en": en, "internal": internal, "draft": draft}


def test_visitors_read_the_help_centre_without_signing_in(site):
    client = Client()
    home = client.get("/portal/help/")
    assert home.status_code == 200 and "订单" in home.content.decode()
    category = client.get("/portal/help/categories/orders/").content.decode()
    assert "如何申请退款" in category and "退款内部说明" not in category
    page = client.get(f"/portal/help/articles/{site['zh'].pk}/")
    html = page.content.decode()
    assert page.status_code == 200 and "<ol><li>打开订单</li>" in html
    assert f'/portal/help/articles/{site["en"].pk}/' in html  # the English version
    site["zh"].refresh_from_db()
    assert site["zh"].view_count == 1


@pytest.mark.parametrize("which", ["internal", "draft"])
def test_internal_and_unpublished_articles_are_not_found(site, which):
    response = Client().get(f"/portal/help/articles/{site[which].pk}/")
    assert response.status_code == 404
    assert Client().get("/portal/help/articles/999999/").status_code == 404
    assert Client().get("/portal/help/categories/nope/").status_code == 404


def test_the_help_centre_in_english(site):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies["kefu_lang"] = "en"
    home = client.get("/portal/help/").content.decode()
    assert "Help centre" in home and "Orders" in home
    found = client.get("/portal/help/search/", {"q": "refund"}).content.decode()
    assert f'/portal/help/articles/{site["en"].pk}/' in found
    assert f'/portal/help/articles/{site["zh"].pk}/' not in found
    # a Chinese query with no English article: the Chinese ones are offered
    other = client.get("/portal/help/search/", {"q": "退款"}).content.decode()
    assert 'id="help-other-language"' in other
    assert f'/portal/help/articles/{site["zh"].pk}/' in other


def test_search_page_handles_anything(site):
    client = Client()
    for q in ["", '"', "NEAR(", "x" * 10_000, "<script>alert(1)</script>", "\x00"]:
        response = client.get("/portal/help/search/", {"q": q})
        assert response.status_code == 200
        assert "<script>alert(1)</script>" not in response.content.decode()
    assert "no-results" in client.get("/portal/help/search/", {"q": "潜水艇"}).content.decode()


def test_feedback_once_per_visitor_per_day(site):
    client = Client()
    url = f"/portal/help/articles/{site['zh'].pk}/feedback/"
    assert client.post(url, {"helpful": "no", "comment": "没看懂"}).status_code == 302
    assert client.post(url, {"helpful": "yes"}).status_code == 302  # replaces, same day
    Client().post(url, {"helpful": "yes"})  # another visitor
    site["zh"].refresh_from_db()
    assert (site["zh"].helpful_yes, site["zh"].helpful_no) == (2, 0)
    assert ArticleFeedback.objects.count() == 2
    assert ArticleFeedback.objects.filter(comment="没看懂").exists()  # the comment is kept
    assert client.post(url, {"helpful": "maybe"}).status_code == 302
    assert Client().post(f"/portal/help/articles/{site['internal'].pk}/feedback/",
                         {"helpful": "yes"}).status_code == 404


def test_files_of_public_articles_only(company, site):
    image = services.attachment_add(actor=company.admin, article=site["zh"],
                                    upload=SimpleUploadedFile("step.png", PNG, "image/png"))
    hidden = services.attachment_add(actor=company.admin, article=site["internal"],
                                     upload=SimpleUploadedFile("x.png", PNG, "image/png"))
    services.article_edit(actor=company.admin, article=site["zh"], title="如何申请退款",
                          body=f"看图：![步骤](file:{image.pk}) ![偷看](file:{hidden.pk})")
    services.article_publish(actor=company.admin, article=site["zh"])
    client = Client()
    html = client.get(f"/portal/help/articles/{site['zh'].pk}/").content.decode()
    assert f'<img src="/portal/help/files/{image.pk}/" alt="步骤"' in html
    assert f"files/{hidden.pk}/" not in html
    shown = client.get(f"/portal/help/files/{image.pk}/")
    assert shown.status_code == 200 and shown["Content-Type"] == "image/png"
    assert shown["X-Content-Type-Options"] == "nosniff"
    assert client.get(f"/portal/help/files/{hidden.pk}/").status_code == 404


@pytest.mark.parametrize("name, data, content_type, code", [
    ("a.html", b"<html><script>alert(1)</script></html>", "text/html", "attachment_type"),
    ("a.exe", b"MZ\x90\x00" + b"\x00" * 100, "application/octet-stream", "attachment_type"),
    ("empty.png", b"", "image/png", "attachment_empty"),
])
def test_uploads_are_checked_like_ticket_attachments(company, site, name, data, content_type, code):
    from kefu.core.errors import ApplicationError

    with pytest.raises(ApplicationError) as caught:
        services.attachment_add(actor=company.admin, article=site["zh"],
                                upload=SimpleUploadedFile(name, data, content_type))
    assert caught.value.code == code


def test_uploads_over_the_size_limit_are_refused(company, site, settings):
    from kefu.core.errors import ApplicationError

    settings.MAX_ATTACHMENT_BYTES = 10
    with pytest.raises(ApplicationError) as caught:
        services.attachment_add(actor=company.admin, article=site["zh"],
                                upload=SimpleUploadedFile("big.png", PNG, "image/png"))
    assert caught.value.code == "attachment_too_large"
    assert not site["zh"].attachments.exists()

