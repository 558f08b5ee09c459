"""Phone and counter: phone numbers, the scoped lookup, logging a call or a visit."""

from __future__ import annotations

import pytest

from kefu.conversations.contacts import (
    contact_log,
    contact_record,
    customer_find_by_phone,
    normalise_phone,
    phone_variants,
)
from kefu.core.errors import ApplicationError, NotFound, PermissionDenied
from kefu.customers.models import ContactPoint, Customer, CustomerEvent
from kefu.customers.selectors import customer_timeline
from kefu.tickets.models import Category


@pytest.mark.parametrize("raw, number", [
    ("13812345678", "13812345678"),
    ("138 1234 5678", "13812345678"),
    ("138-1234-5678", "13812345678"),
    ("+86 138 1234 5678", "13812345678"),
    ("+86-138-1234-5678", "13812345678"),
    ("008613812345678", "13812345678"),
    ("8613812345678", "13812345678"),
    (" (021) 6123-4567 ", "02161234567"),
    ("+1 415 555 0100", "+14155550100"),
    ("", ""),
    ("abc", ""),
    ("12", ""),
    ("138 1234 5678 ext", ""),
])
def test_phone_numbers_are_normalised(raw, number):
    assert normalise_phone(raw) == number


def test_every_usual_spelling_is_a_variant():
    variants = phone_variants("13812345678")
    for spelling in ("13812345678", "138-1234-5678", "138 1234 5678", "+8613812345678",
                     "+86 138 1234 5678", "+86-138-1234-5678", "8613812345678"):
        assert spelling in variants
    assert "021-61234567" in phone_variants("02161234567")
    assert phone_variants("") == []


def test_lookup_finds_the_customer_whatever_the_spelling(company):
    # given Alice's number stored with dashes, and Bob's with the country code
    company.alice.phone = "138-1234-5678"
    company.alice.save()
    company.bob.phone = "+86 139 8765 4321"
    company.bob.save()
    # when the head-office agent (who serves every branch) types it in other ways
    for typed in ("13812345678", "+86 138 1234 5678", "138 1234 5678", "0086-138-1234-5678"):
        # then Alice is found
        assert [c.pk for c in customer_find_by_phone(company.agent_hq, typed)] == [company.alice.pk]
    assert [c.pk for c in customer_find_by_phone(company.agent_hq, "13987654321")] == [company.bob.pk]
    assert customer_find_by_phone(company.agent_hq, "13800000000") == []
    assert customer_find_by_phone(company.agent_hq, "not a number") == []


def test_lookup_matches_phone_contact_points(company):
    # given Bob's office landline as an extra contact point
    ContactPoint.objects.create(customer=company.bob, kind="phone", value="021-61234567",
                                label="office")
    ContactPoint.objects.create(customer=company.alice, kind="email", value="02161234567")
    # when an agent of the west branch types it without the dash
    found = customer_find_by_phone(company.agent_west, "(021) 6123 4567")
    # then Bob is found (an e-mail contact point with the same text is not a phone)
    assert [c.pk for c in found] == [company.bob.pk]


def test_lookup_is_scoped_to_the_customers_the_agent_serves(company):
    # given Alice (east branch) with a phone number
    company.alice.phone = "13812345678"
    company.alice.save()
    # then the east agent finds her, the west agent does not (nor through a contact point)
    assert [c.pk for c in customer_find_by_phone(company.agent_east, "13812345678")] == [company.alice.pk]
    assert customer_find_by_phone(company.agent_west, "13812345678") == []
    ContactPoint.objects.create(customer=company.alice, kind="phone", value="13900001111")
    assert customer_find_by_phone(company.agent_west, "13900001111") == []
    assert len(customer_find_by_phone(company.supervisor_east, "13900001111")) == 1


def test_logging_a_call_without_a_ticket_lands_on_the_timeline(company):
    # when the east agent logs an incoming call about Alice
    event, ticket = contact_log(actor=company.agent_east, customer=company.alice, kind="call",
                                notes="  问配送时间，已告知明早送达  ")
    # then a customer event holds it, and no ticket was opened
    assert ticket is None
    assert event.kind == "call" and event.actor == company.agent_east
    assert event.data == {"category": None, "category_code": None,
                          "notes": "问配送时间，已告知明早送达", "direction": "in", "ticket": None}
    timeline = customer_timeline(company.alice, viewer=company.agent_east)
    assert timeline[0].kind == "call" and timeline[0].data["notes"].startswith("问配送")
    assert timeline[0].actor == company.agent_east.name
    # and the customer herself does not see staff notes on her timeline
    assert all(e.kind != "call" for e in customer_timeline(company.alice,
                                                           viewer=company.customer_user))


def test_logging_a_visit_with_a_ticket_makes_the_agent_its_owner(company):
    # given the category tree
    delivery = Category.objects.create(code="delivery", name="配送", name_en="Delivery")
    late = Category.objects.create(code="late", name="延误", name_en="Late", parent=delivery)
    # when the agent logs a counter visit, opens a ticket and leaves the subject empty
    event, ticket = contact_log(actor=company.agent_east, customer=company.alice, kind="visit",
                                category=late, notes="包裹破损\n客户带来照片",
                                open_ticket=True, ticket_type="complaint", priority="high")
    # then the ticket is on the counter channel, owned by the agent (首问负责制)
    assert ticket.channel == "counter" and ticket.owner == company.agent_east
    assert ticket.status == "open" and ticket.category == late and ticket.type == "complaint"
    assert ticket.subject == "包裹破损" and "客户带来照片" in ticket.description
    assert event.data["ticket"] == ticket.pk and event.data["category"] == late.pk
    assert event.data["category_code"] == "late"
    # and the timeline shows the visit and the ticket's creation
    kinds = [e.kind for e in customer_timeline(company.alice, viewer=company.agent_east)]
    assert "visit" in kinds and "created" in kinds


def test_a_call_ticket_uses_the_phone_channel_and_the_given_subject(company):
    _event, ticket = contact_log(actor=company.agent_hq, customer=company.bob, kind="call",
                                 notes="要求退款", direction="out", open_ticket=True,
                                 subject="退款回访")
    assert ticket.channel == "phone" and ticket.subject == "退款回访"
    assert ticket.owner == company.agent_hq
    assert CustomerEvent.objects.get(kind="call").data["direction"] == "out"


def test_only_staff_writers_who_see_the_customer_may_log(company):
    for user in (company.auditor, company.customer_user):
        with pytest.raises(PermissionDenied):
            contact_log(actor=user, customer=company.alice, kind="call", notes="x")
    with pytest.raises(NotFound):
        contact_log(actor=company.agent_west, customer=company.alice, kind="call", notes="x")
    assert not CustomerEvent.objects.filter(kind__in=["call", "visit"]).exists()


@pytest.mark.parametrize("changes, code", [
    ({"kind": "email"}, "invalid_kind"),
    ({"direction": "sideways"}, "invalid_direction"),
    ({"notes": "   "}, "required"),
    ({"notes": "x" * 5001}, "too_long"),
    ({"notes": "a\x00b"}, "invalid_text"),
    ({"open_ticket": True, "priority": "whenever"}, "invalid_priority"),
])
def test_bad_input_is_refused_and_nothing_is_written(company, changes, code):
    fields = {"kind": "call", "notes": "ok", **changes}
    with pytest.raises(ApplicationError) as err:
        contact_log(actor=company.agent_east, customer=company.alice, **fields)
    assert err.value.code == code
    assert not CustomerEvent.objects.filter(kind__in=["call", "visit"]).exists()
    assert not company.alice.tickets.exists()


def test_record_creates_a_new_customer_in_the_agents_branch(company):
    # when the east agent logs a call from an unknown number, giving a name
    event, ticket, created = contact_record(actor=company.agent_east, phone="+86 137 0000 1111",
                                            name="陈先生", kind="call", notes="咨询会员")
    # then a new customer with the normalised number exists in the east branch
    customer = Customer.objects.get(pk=event.customer_id)
    assert created and ticket is None
    assert (customer.name, customer.phone, customer.branch) == ("陈先生", "13700001111",
                                                               company.east)
    assert [e.kind for e in customer.events.order_by("id")] == ["created", "call"]
    # and the next call from that number finds them
    event2, _t, created2 = contact_record(actor=company.agent_east, phone="137-0000-1111",
                                          kind="visit", notes="来店")
    assert not created2 and event2.customer_id == customer.pk


def test_record_needs_a_name_for_an_unknown_number_and_a_pick_when_ambiguous(company):
    before = Customer.objects.count()
    with pytest.raises(ApplicationError) as err:
        contact_record(actor=company.agent_hq, phone="13700001111", kind="call", notes="x")
    assert err.value.code == "new_customer_name"
    with pytest.raises(ApplicationError) as err:
        contact_record(actor=company.agent_hq, phone="12", kind="call", notes="x", name="某人")
    assert err.value.code == "invalid_phone"
    # given two customers sharing a number
    for customer in (company.alice, company.bob):
        customer.phone = "13700001111"
        customer.save()
    with pytest.raises(ApplicationError) as err:
        contact_record(actor=company.agent_hq, phone="13700001111", kind="call", notes="x")
    assert err.value.code == "ambiguous_phone" and err.value.status == 409
    assert sorted(err.value.details["candidates"]) == sorted([company.alice.pk, company.bob.pk])
    # a pick, or an explicit new customer, settles it
    event, _t, _c = contact_record(actor=company.agent_hq, customer_id=company.bob.pk,
                                   kind="call", notes="x")
    assert event.customer_id == company.bob.pk
    event, _t, created = contact_record(actor=company.agent_hq, phone="13700001111",
                                        new_customer=True, name="第三位", kind="call", notes="x")
    assert created and event.customer_id not in (company.alice.pk, company.bob.pk)
    assert Customer.objects.count() == before + 1


def test_a_failed_log_leaves_no_half_created_customer(company):
    before = Customer.objects.count()
    with pytest.raises(ApplicationError):
        contact_record(actor=company.agent_east, phone="13700002222", name="新客户",
                       kind="call", notes="")
    assert Customer.objects.count() == before
