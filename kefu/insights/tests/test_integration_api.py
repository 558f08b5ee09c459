"""The insights endpoints: scoring texts, a ticket's stored sentiment, roles, bad input."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kefu.insights import services
from kefu.insights.sentiment import analyse, to_json

pytestmark = [pytest.mark.django_db, pytest.mark.urls("kefu.insights.tests.urls")]

URL = "/api/v1/insights/sentiment"
TEXTS = ["非常满意，谢谢！", "WHERE IS MY REFUND??? This is a scam!", "", "请问几点下班？"]


def error_shape(response):
    body = response.json()
    assert set(body) == {"code", "message", "details"}
    return body


def test_texts_are_scored_in_order(company, api_as):
    response = api_as(company.agent_east).post(URL, {"texts": TEXTS})
    assert response.status_code == 200
    items = response.json()["items"]
    assert items == [to_json(analyse(t)) for t in TEXTS]
    assert [i["label"] for i in items] == ["positive", "negative", "neutral", "neutral"]
    assert items[1]["anger"] is True and items[1]["lang"] == "en"
    assert all(set(i) == {"label", "score", "anger", "lang"} for i in items)


def test_a_language_can_be_forced(company, api_as):
    response = api_as(company.agent_east).post(URL, {"texts": ["ok"], "lang": "zh"})
    assert response.json()["items"][0]["lang"] == "zh"


def test_every_staff_role_may_score_but_customers_may_not(company, api_as):
    for user in (company.agent_west, company.supervisor_east, company.admin, company.auditor):
        assert api_as(user).post(URL, {"texts": ["好"]}).status_code == 200
    response = api_as(company.customer_user).post(URL, {"texts": ["好"]})
    assert response.status_code == 403 and error_shape(response)["code"] == "forbidden"
    assert api_as(None).post(URL, {"texts": ["好"]}).status_code == 401


@pytest.mark.parametrize("body", [
    {"texts": "not a list"},
    {"texts": []},
    {"texts": [1, 2]},
    {"texts": [None]},
    {"texts": ["x"] * 1001},
    {"texts": ["长" * 10_001]},
    {"texts": ["ok"], "lang": "fr"},
    {"texts": ["ok"], "lang": 1},
    {"texts": ["ok"], "extra": True},
    {},
    [],
    "texts",
])
def test_bad_input_is_a_4xx_in_the_error_shape(company, api_as, body):
    response = api_as(company.agent_east).post(URL, body)
    assert 400 <= response.status_code < 500, response.content
    error_shape(response)


def test_not_json_is_a_4xx(company, api_as):
    response = api_as(company.agent_east).post(URL, raw="{texts: oops")
    assert response.status_code == 400 and error_shape(response)["code"] == "malformed_request"


def test_limits_are_inclusive(company, api_as):
    response = api_as(company.agent_east).post(URL, {"texts": ["长" * 10_000] * 3})
    assert response.status_code == 200 and len(response.json()["items"]) == 3
    response = api_as(company.agent_east).post(URL, {"texts": ["好"] * 1000})
    assert response.status_code == 200 and len(response.json()["items"]) == 1000


def _scored_ticket(customer_ticket, customer_says, replies):
    ticket = customer_ticket(description="快递三天还没到，太慢了")
    services.score_ticket_description(ticket.pk)
    messages = [customer_says(ticket, text) for text in replies]
    for m in messages:
        services.score_message(m.pk)
    return ticket, messages


def test_a_tickets_sentiment_lists_its_scored_texts(company, api_as, customer_ticket,
                                                    customer_says):
    ticket, messages = _scored_ticket(customer_ticket, customer_says,
                                      ["你们这是什么破服务！气死我了！！！", "好的，谢谢"])
    response = api_as(company.agent_east).get(f"/api/v1/tickets/{ticket.pk}/sentiment")
    assert response.status_code == 200
    body = response.json()
    assert body["next"] is None
    assert [(i["source"], i["message_id"]) for i in body["items"]] == [
        ("description", None), ("message", messages[0].pk), ("message", messages[1].pk)]
    assert [i["anger"] for i in body["items"]] == [False, True, False]
    first = body["items"][0]
    assert set(first) == {"id", "source", "message_id", "label", "score", "anger", "lang",
                          "created_at"}


def test_a_tickets_sentiment_pages(company, api_as, customer_ticket, customer_says):
    ticket, _messages = _scored_ticket(customer_ticket, customer_says, ["很好", "不好", "一般"])
    client = api_as(company.agent_east)
    first = client.get(f"/api/v1/tickets/{ticket.pk}/sentiment", {"limit": 2}).json()
    assert len(first["items"]) == 2 and first["next"]
    second = client.get(f"/api/v1/tickets/{ticket.pk}/sentiment",
                        {"limit": 2, "cursor": first["next"]}).json()
    assert len(second["items"]) == 2 and second["next"] is None
    ids = [i["id"] for i in first["items"] + second["items"]]
    assert ids == sorted(ids) and len(set(ids)) == 4
    bad = client.get(f"/api/v1/tickets/{ticket.pk}/sentiment", {"cursor": "nope"})
    assert bad.status_code == 400 and error_shape(bad)["code"] == "invalid_cursor"
    assert client.get(f"/api/v1/tickets/{ticket.pk}/sentiment", {"limit": 0}).status_code == 400


def test_a_tickets_sentiment_costs_the_same_queries_for_more_rows(company, api_as,
                                                                   customer_ticket, customer_says):
    small, _ = _scored_ticket(customer_ticket, customer_says, ["很好"])
    large, _ = _scored_ticket(customer_ticket, customer_says, ["很好", "不好", "一般", "差", "棒"])
    client = api_as(company.agent_east)
    client.get(f"/api/v1/tickets/{small.pk}/sentiment")  # warm the token and caches
    with CaptureQueriesContext(connection) as one:
        client.get(f"/api/v1/tickets/{small.pk}/sentiment")
    with CaptureQueriesContext(connection) as many:
        client.get(f"/api/v1/tickets/{large.pk}/sentiment")
    assert len(one) == len(many)


def test_a_tickets_sentiment_is_for_staff_who_see_the_ticket(company, api_as, customer_ticket,
                                                             customer_says):
    ticket, _ = _scored_ticket(customer_ticket, customer_says, ["很好"])
    path = f"/api/v1/tickets/{ticket.pk}/sentiment"
    assert api_as(company.customer_user).get(path).status_code == 403
    assert api_as(company.agent_west).get(path).status_code == 404  # east ticket
    assert api_as(company.auditor).get(path).status_code == 200
    assert api_as(company.agent_east).get("/api/v1/tickets/999999/sentiment").status_code == 404


def test_a_ticket_without_scores_has_an_empty_list(company, api_as, make_ticket):
    ticket = make_ticket(company.agent_east, company.alice, channel="phone")
    body = api_as(company.agent_east).get(f"/api/v1/tickets/{ticket.pk}/sentiment").json()
    assert body == {"items": [], "next": None}
