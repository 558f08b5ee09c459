"""The API: /api/v1/search for every role (tickets and customers only for staff, and only
what their scope allows), bad queries answered 200 or 4xx on both databases, never 500; the
article endpoints and their permissions; list query counts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kefu.knowledge.models import Article, ArticleFeedback
from kefu.knowledge.search import index

from .conftest import publish
from .test_search import BAD_QUERIES


@pytest.fixture
def setup(company, make_ticket):
    public = publish(company.admin, title="如何申请退款", body="在订单页申请退款。")
    internal = publish(company.admin, title="退款内部审批", body="退款超过500元需要审批。",
                       audience="internal")
    east = make_ticket(company.agent_east, company.alice, subject="退款没有到账")
    west = make_ticket(company.agent_west, company.bob, subject="退款金额不对")
    index.index_changed()
    return {"public": public, "internal": internal, "east": east, "west": west}


def get_ids(client, **params):
    response = client.get("/api/v1/search", params)
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def test_articles_for_customers_are_public_ones(company, api_as, setup):
    customer = api_as(company.customer_user)
    assert get_ids(customer, q="退款") == [setup["public"].pk]
    body = customer.get("/api/v1/search", {"q": "退款"}).json()
    item = body["items"][0]
    assert item["url"] == f"/portal/help/articles/{setup['public'].pk}/"
    assert "<mark>退款</mark>" in item["title_html"] and body["next"] is None
    agent = api_as(company.agent_east)
    assert set(get_ids(agent, q="退款")) == {setup["public"].pk, setup["internal"].pk}


def test_tickets_only_for_staff_and_only_their_own(company, api_as, setup):
    assert get_ids(api_as(company.agent_east), q="退款", type="ticket") == [setup["east"].pk]
    assert get_ids(api_as(company.agent_west), q="退款", type="ticket") == [setup["west"].pk]
    # the east agent tries to find the west ticket by its exact words: nothing
    assert get_ids(api_as(company.agent_east), q="金额不对", type="ticket") == []
    assert set(get_ids(api_as(company.auditor), q="退款", type="ticket")) == {
        setup["east"].pk, setup["west"].pk}
    for user in (company.customer_user, company.other_customer_user):
        for kind in ("ticket", "customer"):
            refused = api_as(user).get("/api/v1/search", {"q": "退款", "type": kind})
            assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    assert api_as(None).get("/api/v1/search", {"q": "退款"}).status_code == 401


def test_customer_results_follow_the_branch_scope(company, api_as, setup):
    assert get_ids(api_as(company.agent_east), q="鲍勃", type="customer") == []
    assert get_ids(api_as(company.agent_west), q="鲍勃", type="customer") == [company.bob.pk]
    item = api_as(company.admin).get("/api/v1/search", {"q": "alice@example.com",
                                                       "type": "customer"}).json()["items"][0]
    assert item["id"] == company.alice.pk and item["url"] == f"/customers/{company.alice.pk}/"


@pytest.mark.parametrize("bad", BAD_QUERIES)
@pytest.mark.parametrize("kind", ["article", "ticket", "customer"])
def test_bad_queries_never_fail(company, api_as, setup, bad, kind):
    response = api_as(company.admin).get("/api/v1/search", {"q": bad, "type": kind})
    assert response.status_code in (200, 422), response.content
    assert "items" in response.json() or response.json()["code"] == "invalid_input"


@pytest.mark.parametrize("params", [{"type": "order"}, {"limit": 0}, {"limit": 51},
                                    {"limit": "x"}, {"language": "fr"}])
def test_bad_parameters_are_422(company, api_as, params):
    response = api_as(company.admin).get("/api/v1/search", {"q": "退款", **params})
    assert response.status_code == 422 and response.json()["code"] == "invalid_input"


def test_searches_for_articles_are_logged_for_the_gap_report(company, api_as, setup):
    from kefu.knowledge.models import SearchLog

    api_as(company.customer_user).get("/api/v1/search", {"q": "开发票"})
    row = SearchLog.objects.get()
    assert (row.normalised, row.results, row.scope) == ("开发票", 0, "api")


def test_search_query_count_is_fixed(company, api_as, setup):
    client = api_as(company.agent_east)
    client.get("/api/v1/search", {"q": "退款", "type": "ticket"})
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/api/v1/search", {"q": "退款", "type": "ticket"}).status_code == 200
    # token + user + teams, the match, the access filter, the documents (twice)
    assert len(queries) <= 8, [q["sql"][:80] for q in queries]


# --- articles ------------------------------------------------------------------------------

def test_the_article_workflow_through_the_api(company, api_as):
    agent, editor = api_as(company.agent_east), api_as(company.supervisor_east)
    created = agent.post("/api/v1/knowledge/articles", {
        "language": "zh-hans", "title": "如何修改收货地址", "body": "在订单详情中修改地址。"})
    assert created.status_code == 201, created.content
    article = created.json()
    assert article["status"] == "draft" and article["live"] is None
    assert article["working"]["state"] == "draft"
    aid = article["id"]
    assert agent.post(f"/api/v1/knowledge/articles/{aid}/submit").json()["status"] == "review"
    refused = agent.post(f"/api/v1/knowledge/articles/{aid}/publish")
    assert refused.status_code == 403
    published = editor.post(f"/api/v1/knowledge/articles/{aid}/publish").json()
    assert published["status"] == "published" and published["live"]["number"] == 1
    assert "<p>在订单详情中修改地址。</p>" == published["live"]["body_html"]
    # a change, its versions and the diff
    assert agent.patch(f"/api/v1/knowledge/articles/{aid}", {
        "title": "如何修改收货地址", "body": "在订单详情中修改地址，发货前均可修改。"}).status_code == 200
    editor.post(f"/api/v1/knowledge/articles/{aid}/publish")
    versions = editor.get(f"/api/v1/knowledge/articles/{aid}/versions").json()["items"]
    assert [(v["number"], v["state"]) for v in versions] == [(2, "published"), (1, "superseded")]
    diff = editor.get(f"/api/v1/knowledge/articles/{aid}/diff", {"old": 1, "new": 2}).json()
    assert {"kind": "add", "text": "+在订单详情中修改地址，发货前均可修改。"} in diff["lines"]
    # the translation
    en = agent.post("/api/v1/knowledge/articles", {
        "language": "en", "title": "Changing the address", "body": "Edit it in the order.",
        "translation_of": aid}).json()
    assert en["group_id"] == article["group_id"]
    assert editor.get(f"/api/v1/knowledge/articles/{aid}").json()["translations"] == {"en": en["id"]}


def test_customers_read_only_public_published_articles(company, api_as):
    public = publish(company.admin, title="公开", body="公开内容")
    internal = publish(company.admin, title="内部", body="内部内容", audience="internal")
    customer = api_as(company.customer_user)
    assert customer.get(f"/api/v1/knowledge/articles/{public.pk}").status_code == 200
    assert customer.get(f"/api/v1/knowledge/articles/{internal.pk}").status_code == 404
    assert customer.get(f"/api/v1/knowledge/articles/{public.pk}/versions").status_code == 404
    listed = customer.get("/api/v1/knowledge/articles").json()["items"]
    assert [a["id"] for a in listed] == [public.pk]
    assert "working" not in customer.get(f"/api/v1/knowledge/articles/{public.pk}").json() or \
        customer.get(f"/api/v1/knowledge/articles/{public.pk}").json()["working"] is None
    refused = customer.post("/api/v1/knowledge/articles", {"language": "en", "title": "x",
                                                           "body": "y"})
    assert refused.status_code == 403 and not Article.objects.filter(title="x").exists()


@pytest.mark.parametrize("body", [
    {"language": "fr", "title": "x", "body": "y"},
    {"language": "en", "title": "", "body": "y"},
    {"language": "en", "title": "x", "body": "y", "extra": 1},
    {"language": "en", "title": "x" * 201, "body": "y"},
    {"language": "en", "title": "x", "body": "y", "audience": "all"},
    {"language": "en", "title": "x", "body": "y", "category_id": 999},
    {"language": "en", "title": "x", "body": "y", "translation_of": 999},
    {"language": "en", "title": 5, "body": "y"},
])
def test_bad_article_input_writes_nothing(company, api_as, body):
    response = api_as(company.admin).post("/api/v1/knowledge/articles", body)
    assert 400 <= response.status_code < 500, response.content
    assert not Article.objects.exists()


def test_feedback_once_a_day_through_the_api(company, api_as):
    article = publish(company.admin, title="发票", body="发票说明")
    customer = api_as(company.customer_user)
    first = customer.post(f"/api/v1/knowledge/articles/{article.pk}/feedback",
                          {"helpful": False, "comment": "没有说明专票"})
    assert first.status_code == 201
    again = customer.post(f"/api/v1/knowledge/articles/{article.pk}/feedback", {"helpful": True})
    assert again.status_code == 200 and again.json()["replaced"]
    article.refresh_from_db()
    assert (article.helpful_yes, article.helpful_no, ArticleFeedback.objects.count()) == (1, 0, 1)
    assert customer.post(f"/api/v1/knowledge/articles/{article.pk}/feedback",
                         {"helpful": "yes"}).status_code == 422


def test_the_article_list_query_count_is_fixed(company, api_as):
    client = api_as(company.agent_east)
    publish(company.admin, title="一", body="一")
    client.get("/api/v1/knowledge/articles")
    with CaptureQueriesContext(connection) as few:
        client.get("/api/v1/knowledge/articles")
    for i in range(10):
        publish(company.admin, title=f"文 {i}", body="内容")
    with CaptureQueriesContext(connection) as many:
        assert len(client.get("/api/v1/knowledge/articles").json()["items"]) == 11
    assert len(few) == len(many)
