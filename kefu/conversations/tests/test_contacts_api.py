"""POST /api/v1/contacts and GET /api/v1/customers/lookup."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kefu.customers.models import ContactPoint, Customer, CustomerEvent
from kefu.tickets.models import Category, Ticket


def _contacts():
    return CustomerEvent.objects.filter(kind__in=["call", "visit"])


def test_log_a_call_for_a_known_customer(company, api_as):
    # when the east agent logs a call about Alice by id
    response = api_as(company.agent_east).post("/api/v1/contacts", {
        "customer_id": company.alice.pk, "kind": "call", "notes": "查询积分"})
    # then the event comes back and no ticket was opened
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["ticket_id"] is None and body["customer_id"] == company.alice.pk
    assert not body["customer_created"]
    assert body["event"]["kind"] == "call" and body["event"]["data"]["notes"] == "查询积分"
    assert body["event"]["actor"]["username"] == "agent-east"
    # and the customer's timeline shows it
    timeline = api_as(company.agent_east).get(f"/api/v1/customers/{company.alice.pk}/timeline")
    assert timeline.json()[0]["kind"] == "call"


def test_log_a_visit_by_phone_and_open_a_ticket(company, api_as):
    # given Alice's number and a category
    company.alice.phone = "138 1234 5678"
    company.alice.save()
    category = Category.objects.create(code="billing", name="账单", name_en="Billing")
    # when the agent logs a counter visit by phone number and opens a ticket
    api = api_as(company.agent_east)
    response = api.post("/api/v1/contacts", {
        "phone": "+86-138-1234-5678", "kind": "visit", "category_id": category.pk,
        "notes": "发票抬头错误", "open_ticket": True, "subject": "重开发票",
        "ticket_type": "request", "priority": "high"})
    assert response.status_code == 201, response.content
    body = response.json()
    # then the ticket is hers, on the counter channel, owned by the agent
    ticket = api.get(f"/api/v1/tickets/{body['ticket_id']}").json()
    assert ticket["customer"]["id"] == company.alice.pk and ticket["channel"] == "counter"
    assert ticket["owner"]["username"] == "agent-east" and ticket["status"] == "open"
    assert ticket["category"]["code"] == "billing" and ticket["priority"] == "high"
    assert body["event"]["data"]["ticket"] == body["ticket_id"]


def test_log_a_call_from_a_new_number_creates_the_customer(company, api_as):
    response = api_as(company.agent_west).post("/api/v1/contacts", {
        "phone": "139 0000 2222", "name": "周女士", "kind": "call", "notes": "想开通会员"})
    assert response.status_code == 201, response.content
    body = response.json()
    customer = Customer.objects.get(pk=body["customer_id"])
    assert body["customer_created"] and customer.phone == "13900002222"
    assert customer.branch == company.west


@pytest.mark.parametrize("user", ["auditor", "customer_user"])
def test_readers_and_customers_cannot_log(company, api_as, user):
    response = api_as(getattr(company, user)).post("/api/v1/contacts", {
        "customer_id": company.alice.pk, "kind": "call", "notes": "x"})
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert not _contacts().exists()


def test_another_branchs_customer_is_not_found(company, api_as):
    response = api_as(company.agent_west).post("/api/v1/contacts", {
        "customer_id": company.alice.pk, "kind": "call", "notes": "x"})
    assert response.status_code == 404
    assert not _contacts().exists()


@pytest.mark.parametrize("payload, status", [
    ({"customer_id": "1", "kind": "call", "notes": "x"}, 422),  # a string for an id
    ({"kind": "email", "notes": "x"}, 422),
    ({"kind": "call", "notes": ""}, 422),
    ({"kind": "call", "notes": "x" * 5001}, 422),
    ({"kind": "call", "notes": "x", "surprise": 1}, 422),
    ({"kind": "call", "notes": "x", "open_ticket": "yes"}, 422),
    ({"kind": "call", "notes": "x", "phone": "1" * 41}, 422),
    ({"kind": "call", "notes": "a\x00b"}, 400),
    ({"kind": "call", "notes": "x", "category_id": 999999}, 404),
    ({"kind": "call", "notes": "x", "phone": "13700001111"}, 400),  # unknown number, no name
    ({"kind": "call", "notes": "x", "phone": "??"}, 400),
])
def test_bad_input_is_a_4xx_and_writes_nothing(company, api_as, payload, status):
    payload = {"customer_id": company.alice.pk, **payload} if "phone" not in payload else payload
    customers = Customer.objects.count()
    response = api_as(company.agent_east).post("/api/v1/contacts", payload)
    assert response.status_code == status, response.content
    assert set(response.json()) == {"code", "message", "details"}
    assert not _contacts().exists() and not Ticket.objects.exists()
    assert Customer.objects.count() == customers


def test_malformed_json_is_a_400(company, api_as):
    response = api_as(company.agent_east).post("/api/v1/contacts", raw=b"{not json")
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_request"


def test_lookup_by_phone_in_several_formats(company, api_as):
    company.alice.phone = "13812345678"
    company.alice.save()
    api = api_as(company.agent_east)
    for typed in ("13812345678", "+86 138 1234 5678", "138-1234-5678"):
        response = api.get("/api/v1/customers/lookup", {"phone": typed})
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["phone"] == "13812345678"
        assert [(c["id"], c["tier"], c["branch"]) for c in body["items"]] == [
            (company.alice.pk, "vip", "east")]
    assert api.get("/api/v1/customers/lookup", {"phone": "13800000000"}).json()["items"] == []
    assert api.get("/api/v1/customers/lookup", {"phone": "abc"}).json()["items"] == []


def test_lookup_is_scoped_and_staff_only(company, api_as):
    company.alice.phone = "13812345678"
    company.alice.save()
    west = api_as(company.agent_west).get("/api/v1/customers/lookup", {"phone": "13812345678"})
    assert west.status_code == 200 and west.json()["items"] == []
    assert api_as(company.customer_user).get("/api/v1/customers/lookup",
                                             {"phone": "13812345678"}).status_code == 403
    assert api_as(None).get("/api/v1/customers/lookup", {"phone": "1"}).status_code == 401
    assert api_as(company.agent_east).get("/api/v1/customers/lookup").status_code == 422
    assert api_as(company.agent_east).get("/api/v1/customers/lookup",
                                          {"phone": "1" * 41}).status_code == 422


def test_lookup_query_count_does_not_grow_with_matches(company, api_as):
    # given one customer with the number, then five (on the profile or as a contact point)
    api = api_as(company.admin)
    company.alice.phone = "13812345678"
    company.alice.save()

    def count() -> int:
        api.get("/api/v1/customers/lookup", {"phone": "13812345678"})  # warm up
        with CaptureQueriesContext(connection) as ctx:
            response = api.get("/api/v1/customers/lookup", {"phone": "13812345678"})
        assert response.status_code == 200
        return len(ctx.captured_queries), len(response.json()["items"])

    one, n1 = count()
    for i in range(4):
        customer = Customer.objects.create(name=f"家人{i}", tier=company.regular,
                                           branch=company.east if i % 2 else None)
        if i % 2:
            customer.phone = "+86 138 1234 5678"
            customer.save()
        else:
            ContactPoint.objects.create(customer=customer, kind="phone", value="138-1234-5678")
    five, n5 = count()
    assert (n1, n5) == (1, 5)
    assert one == five <= 4


HUGE = 10**20  # beyond any database integer


def test_huge_ids_are_not_found(company, api_as):
    api = api_as(company.agent_east)
    for payload in ({"customer_id": HUGE}, {"customer_id": company.alice.pk, "category_id": HUGE}):
        response = api.post("/api/v1/contacts", {"kind": "call", "notes": "x", **payload})
        assert response.status_code == 404, response.content
    assert not _contacts().exists()
