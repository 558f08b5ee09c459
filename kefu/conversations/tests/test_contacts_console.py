"""The console's phone and counter page: /contacts/new/ and its as-you-type lookup."""

from __future__ import annotations

import re

import pytest

from kefu.core.testing.console import signed_in
from kefu.customers.models import Customer, CustomerEvent
from kefu.tickets.models import Category, Ticket


@pytest.fixture
def alice_phone(company):
    company.alice.phone = "13812345678"
    company.alice.save()
    return company.alice


@pytest.mark.parametrize("language, html_lang, words", [
    ("en", "en", ["Phone number", "Notes", "Save"]),
    ("zh-hans", "zh-hans", ["备注", "保存", "分类"]),
])
def test_the_page_renders_in_both_languages(company, language, html_lang, words):
    Category.objects.create(code="delivery", name="配送", name_en="Delivery")
    client = signed_in(company.agent_east, language)
    response = client.get("/contacts/new/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{html_lang}">' in html
    for word in words:
        assert word in html
    assert ("Delivery" if language == "en" else "配送") in html
    # keyboard first: the phone field has the focus and asks for the lookup as you type
    phone = re.search(r'<input type="tel" name="phone"[^>]*>', html).group(0)
    assert "autofocus" in phone and 'hx-get="/contacts/lookup/"' in phone
    assert 'id="contact-form"' in html and "requestSubmit" in html


def test_sign_in_and_staff_are_required(company):
    from django.test import Client

    assert Client().get("/contacts/new/").status_code == 302
    assert signed_in(company.customer_user).get("/contacts/new/").status_code == 403
    assert signed_in(company.customer_user).get("/contacts/lookup/?phone=1").status_code == 403


def test_lookup_shows_the_matching_customer_or_a_name_field(company, alice_phone):
    client = signed_in(company.agent_east, "en")
    html = client.get("/contacts/lookup/", {"phone": "138 1234 5678"},
                      HTTP_HX_REQUEST="true").content.decode()
    assert alice_phone.name in html
    assert f'name="customer" value="{alice_phone.pk}" checked' in html
    # an unknown number offers the new customer's name
    html = client.get("/contacts/lookup/", {"phone": "13900000000"}).content.decode()
    assert 'id="contact-name"' in html and 'value="new"' in html
    # half a number is not looked up
    html = client.get("/contacts/lookup/", {"phone": "13"}).content.decode()
    assert 'name="customer"' not in html
    # another branch's agent does not see Alice
    west = signed_in(company.agent_west, "en")
    html = west.get("/contacts/lookup/", {"phone": "13812345678"}).content.decode()
    assert alice_phone.name not in html and 'id="contact-name"' in html


def test_logging_a_call_returns_to_the_customer_page(company, alice_phone):
    client = signed_in(company.agent_east, "zh-hans")
    response = client.post("/contacts/new/", {
        "phone": "13812345678", "customer": str(alice_phone.pk), "kind": "call",
        "direction": "in", "notes": "问营业时间", "category": ""})
    assert response.status_code == 302
    assert response["Location"] == f"/customers/{alice_phone.pk}/"
    event = CustomerEvent.objects.get(kind="call")
    assert event.customer == alice_phone and event.data["notes"] == "问营业时间"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert not Ticket.objects.exists()


def test_enter_in_the_phone_field_uses_the_only_match(company, alice_phone):
    # the form was sent before the lookup answered: no customer picked, one match
    client = signed_in(company.agent_east, "en")
    response = client.post("/contacts/new/", {"phone": "+86 138-1234-5678", "kind": "visit",
                                              "notes": "来店取货"})
    assert response.status_code == 302
    assert CustomerEvent.objects.get(kind="visit").customer == alice_phone


def test_logging_a_visit_with_a_ticket_opens_the_ticket(company, alice_phone):
    category = Category.objects.create(code="quality", name="质量", name_en="Quality")
    client = signed_in(company.agent_east, "en")
    response = client.post("/contacts/new/", {
        "phone": "13812345678", "customer": str(alice_phone.pk), "kind": "visit",
        "notes": "蔬菜不新鲜", "category": str(category.pk), "open_ticket": "1",
        "subject": "", "ticket_type": "complaint", "priority": "high"})
    ticket = Ticket.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/tickets/{ticket.pk}/"
    assert (ticket.channel, ticket.owner, ticket.category, ticket.type) == (
        "counter", company.agent_east, category, "complaint")
    assert ticket.subject == "蔬菜不新鲜"


def test_a_new_customer_from_the_form(company, alice_phone):
    client = signed_in(company.agent_east, "en")
    # someone else calling from Alice's number
    response = client.post("/contacts/new/", {
        "phone": "13812345678", "customer": "new", "name": "爱丽丝的丈夫", "kind": "call",
        "notes": "代妻子咨询"})
    assert response.status_code == 302
    created = Customer.objects.get(name="爱丽丝的丈夫")
    assert created.phone == "13812345678" and created.branch == company.east
    assert response["Location"] == f"/customers/{created.pk}/"


def test_errors_are_shown_and_nothing_is_written(company, alice_phone):
    client = signed_in(company.agent_east, "en")
    before = Customer.objects.count()
    response = client.post("/contacts/new/", {"phone": "13900000000", "customer": "new",
                                              "name": "新客户", "kind": "call", "notes": " "})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="contact-error"' in html and 'value="新客户"' in html
    assert Customer.objects.count() == before and not CustomerEvent.objects.filter(
        kind__in=["call", "visit"]).exists()
    response = client.post("/contacts/new/", {"phone": "13812345678", "kind": "call",
                                              "notes": "x", "category": "nope"})
    assert response.status_code == 400
    # an auditor sees the page but cannot log
    auditor = signed_in(company.auditor, "en")
    assert "read-only" in auditor.get("/contacts/new/").content.decode()
    response = auditor.post("/contacts/new/", {"customer": str(alice_phone.pk), "kind": "call",
                                               "notes": "x"})
    assert response.status_code == 400
    assert not CustomerEvent.objects.filter(kind="call").exists()


def test_the_customer_can_be_preselected(company, alice_phone):
    client = signed_in(company.agent_east, "en")
    html = client.get(f"/contacts/new/?customer={alice_phone.pk}").content.decode()
    assert alice_phone.name in html and 'value="13812345678"' in html
    # a customer out of scope is ignored, not revealed
    html = signed_in(company.agent_west, "en").get(
        f"/contacts/new/?customer={alice_phone.pk}").content.decode()
    assert alice_phone.name not in html


def test_huge_or_odd_ids_are_harmless(company, alice_phone):
    client = signed_in(company.agent_east, "en")
    huge = str(10**20)
    assert client.get(f"/contacts/new/?customer={huge}").status_code == 200
    response = client.post("/contacts/new/", {"customer": huge, "phone": "", "kind": "call",
                                              "notes": "x"})
    assert response.status_code == 400
    response = client.post("/contacts/new/", {"customer": str(alice_phone.pk), "kind": "call",
                                              "notes": "x", "category": huge})
    assert response.status_code == 400
    assert not CustomerEvent.objects.filter(kind="call").exists()
