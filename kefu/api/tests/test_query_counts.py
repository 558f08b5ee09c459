"""Every list endpoint costs a fixed number of SQL queries, whatever the page size.

A page of 50 must not cost more queries than a page of 5: anything read per row (the
customer, the team, the category and its parents, tags, authors, attachments) is joined
or fetched in one batch for the page.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kefu.customers.models import Customer, Household, Organisation, PreferenceNote, Tag
from kefu.tickets import services
from kefu.tickets.models import Category

ROWS = 70  # more than the largest page we ask for, even counting public messages only
SMALL, LARGE = 5, 50


@pytest.fixture
def busy(company):
    """A busy east desk: many tickets (with categories two and four levels deep, and tags),
    customers (with tags, preferences, organisations, households), and one ticket with a
    long conversation."""
    delivery = Category.objects.create(code="delivery", name="配送", name_en="Delivery")
    late = Category.objects.create(code="late", name="延误", name_en="Late", parent=delivery)
    # a four-level branch of the tree, as product catalogues have: 家电 › 冰箱 › 不制冷 › 保修内
    deep = None
    for code, name in (("appliances", "家电"), ("fridge", "冰箱"), ("not-cooling", "不制冷"),
                       ("in-warranty", "保修内")):
        deep = Category.objects.create(code=code, name=name, parent=deep)
    org = Organisation.objects.create(name="东方集团")
    tags = [Tag.objects.create(name=f"标签{i}") for i in range(3)]
    customers = []
    for i in range(ROWS):
        customer = Customer.objects.create(
            name=f"客户{i}", tier=company.vip if i % 2 else company.regular, branch=company.east,
            organisation=org if i % 3 == 0 else None,
            household=Household.objects.create(name=f"家庭{i}", size=3) if i % 4 == 0 else None)
        customer.tags.set(tags[: i % 3 + 1])
        PreferenceNote.objects.create(customer=customer, text=f"偏好{i}", important=i % 2 == 0)
        customers.append(customer)
    for i in range(ROWS):
        services.ticket_create(actor=company.agent_east, customer=customers[i],
                               subject=f"工单{i}", category=[late, deep, None][i % 3],
                               tags=[f"t{i % 4}", "配送"][: i % 3])
    long_one, _created = services.ticket_create(actor=company.agent_east, customer=company.alice,
                                                subject="长对话 long conversation")
    for i in range(ROWS):
        author = [company.agent_east, company.supervisor_east, company.agent_hq][i % 3]
        message = services.ticket_reply(ticket=long_one, actor=author, body=f"回复{i}",
                                        internal=i % 5 == 0)
        if i % 4 == 0:
            services.attachment_add(ticket=long_one, actor=author, message=message,
                                    upload=SimpleUploadedFile(f"f{i}.txt", b"hello",
                                                              content_type="text/plain"))
    return long_one


def _queries(api, path: str, limit: int) -> int:
    api.get(path, {"limit": limit})  # warm up: token touch, caches
    with CaptureQueriesContext(connection) as ctx:
        response = api.get(path, {"limit": limit})
    assert response.status_code == 200, response.content
    assert len(response.json()["items"]) == limit, "the page should be full"
    return len(ctx.captured_queries)


LISTS = ["/api/v1/tickets", "/api/v1/customers", "/api/v1/tickets/{id}/messages",
         "/api/v1/tickets/{id}/events"]


@pytest.mark.parametrize("role", ["agent_east", "admin"])
@pytest.mark.parametrize("path", LISTS)
def test_list_costs_the_same_queries_for_5_and_50_rows(company, busy, api_as, role, path):
    # given a busy desk and a user of this role
    api = api_as(getattr(company, role))
    path = path.format(id=busy.pk)
    # when they ask for a page of 5 and a page of 50
    small = _queries(api, path, SMALL)
    large = _queries(api, path, LARGE)
    # then both cost the same, small, number of queries
    assert large == small, f"{path}: {small} queries for {SMALL} rows, {large} for {LARGE}"
    assert small <= 10, f"{path}: {small} queries for one page"


@pytest.mark.parametrize("path", ["/api/v1/tickets/{id}/messages", "/api/v1/tickets/{id}/events"])
def test_customer_lists_cost_the_same_queries_for_5_and_50_rows(company, busy, api_as, path):
    # given Alice reading her own long conversation (public parts only)
    api = api_as(company.customer_user)
    path = path.format(id=busy.pk)
    if "events" in path:
        # customers see only created/status events: add enough of them to fill a page
        for _ in range(30):
            services.ticket_transition(ticket=busy, actor=company.agent_east, status="resolved")
            services.ticket_transition(ticket=busy, actor=company.agent_east, status="open")
    # when she asks for a page of 5 and a page of 50
    # then both cost the same number of queries
    assert _queries(api, path, LARGE) == _queries(api, path, SMALL)
