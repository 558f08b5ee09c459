"""The customer's household page: containers, consumption readings and special dates entered
in the console (htmx sections), refused with nothing written on bad input, within scope."""

from datetime import timedelta

import pytest
from django.utils import timezone

from kefu.core.testing.console import signed_in
from kefu.customers.models import CustomerEvent
from kefu.proactive.models import Consumption, Container, SpecialDate

HX = {"HTTP_HX_REQUEST": "true"}


def _url(customer, tail=""):
    return f"/care/customers/{customer.pk}/{tail}"


def test_an_agent_keeps_the_rice_shop_notebook(company, rice):
    east = signed_in(company.agent_east, "en")
    # given Alice has no household yet; the page says so, in both languages
    page = east.get(_url(company.alice, "household/"))
    assert page.status_code == 200 and "No household recorded yet" in page.content.decode()
    assert signed_in(company.agent_east, "zh-hans").get(_url(company.alice, "household/")).status_code == 200
    east = signed_in(company.agent_east, "en")  # the same person reads English again
    # when the agent records the 25 kg rice bin of a family of four
    section = east.post(_url(company.alice, "containers/"), {"product": "rice", "capacity": "25",
                                                             "name": "米缸", "household_size": "4"}, **HX)
    # then the section comes back with it, and the household exists
    html = section.content.decode()
    assert section.status_code == 200 and 'id="household-containers"' in html and "米缸" in html
    assert "Household of 4" in html and "Container saved." in html
    company.alice.refresh_from_db()
    assert company.alice.household.size == 4
    # a reading of what is left, and a birthday
    today = timezone.localdate()
    assert east.post(_url(company.alice, "readings/"), {"product": "rice", "kind": "level",
                                                        "quantity": "8", "date": today.isoformat()},
                     **HX).status_code == 200
    assert east.post(_url(company.alice, "dates/"), {"kind": "birthday", "date": "1980-06-01",
                                                     "note": "喜欢百合花"}, **HX).status_code == 200
    reading = Consumption.objects.get()
    assert (reading.customer, reading.quantity, reading.created_by) == (company.alice, 8, company.agent_east)
    assert SpecialDate.objects.get().note == "喜欢百合花"
    assert set(CustomerEvent.objects.filter(customer=company.alice).values_list("kind", flat=True)) == {
        "container", "consumption", "special_date"}
    # and the page lists all three
    page = east.get(_url(company.alice, "household/")).content.decode()
    assert "1980-06-01" in page and "Level left" in page and "25 kg" in page
    # removing: the date and the container go, each leaving a timeline line
    special, container = SpecialDate.objects.get(), Container.objects.get()
    assert east.post(_url(company.alice, f"dates/{special.pk}/remove/"), **HX).status_code == 200
    assert east.post(_url(company.alice, f"containers/{container.pk}/remove/")).status_code == 302
    assert not SpecialDate.objects.exists() and not Container.objects.exists()


@pytest.mark.parametrize("section,values,message", [
    ("containers/", {"product": "rice", "capacity": "-25"}, "more than zero"),
    ("containers/", {"product": "rice", "capacity": "25", "household_size": "0"}, "between 1 and 100"),
    ("containers/", {"product": "sugar", "capacity": "25"}, "Choose a product"),
    ("containers/", {"product": "rice", "capacity": "25", "name": "x" * 81}, "too long"),
    ("readings/", {"product": "rice", "kind": "level", "quantity": "abc", "date": "2026-01-01"},
     "not a number"),
    ("readings/", {"product": "rice", "kind": "level", "quantity": "1", "date": "FUTURE"}, "future"),
    ("readings/", {"product": "rice", "kind": "guess", "quantity": "1", "date": "2026-01-01"},
     "must be one of"),
    ("dates/", {"kind": "birthday", "date": "FUTURE"}, "future"),
    ("dates/", {"kind": "renewal", "date": "not a day"}, "not a date"),
    ("dates/", {"kind": "wedding", "date": "2000-01-01"}, "must be one of"),
])
def test_bad_input_is_refused_and_nothing_is_written(company, rice, section, values, message):
    future = (timezone.localdate() + timedelta(days=1)).isoformat()
    values = {k: (future if v == "FUTURE" else v) for k, v in values.items()}
    response = signed_in(company.agent_east, "en").post(_url(company.alice, section), values, **HX)
    assert response.status_code == 400 and message in response.content.decode()
    # the form keeps what was typed
    assert f'value="{values.get("capacity", values.get("quantity", values.get("date")))}"' in \
        response.content.decode()
    assert not (Container.objects.exists() or Consumption.objects.exists()
                or SpecialDate.objects.exists() or CustomerEvent.objects.exists())
    company.alice.refresh_from_db()
    assert company.alice.household_id is None


def test_a_level_above_the_container_is_a_misreading(company, rice):
    east = signed_in(company.agent_east, "en")
    east.post(_url(company.alice, "containers/"), {"product": "rice", "capacity": "25"}, **HX)
    response = east.post(_url(company.alice, "readings/"), {"product": "rice", "kind": "level",
                                                            "quantity": "30", "date": "2026-01-01"}, **HX)
    assert response.status_code == 400 and "more than the container holds (25)" in response.content.decode()
    assert not Consumption.objects.exists()


def test_scope_and_roles(company, rice):
    # Bob is a west customer: the east agent finds nothing to read or write
    east = signed_in(company.agent_east, "en")
    assert east.get(_url(company.bob, "household/")).status_code == 404
    assert east.post(_url(company.bob, "dates/"), {"kind": "birthday", "date": "1980-01-01"},
                     **HX).status_code == 404
    # a container of Bob's household cannot be removed through Alice's page either
    west = signed_in(company.agent_west, "en")
    west.post(_url(company.bob, "containers/"), {"product": "rice", "capacity": "10"}, **HX)
    bobs = Container.objects.get()
    assert east.post(_url(company.alice, f"containers/{bobs.pk}/remove/"), **HX).status_code == 404
    assert Container.objects.filter(pk=bobs.pk).exists()
    # auditors read but do not write; customers see nothing
    auditor = signed_in(company.auditor, "en")
    page = auditor.get(_url(company.bob, "household/"))
    assert page.status_code == 200 and 'id="date-form"' not in page.content.decode()
    assert auditor.post(_url(company.bob, "dates/"), {"kind": "birthday",
                                                      "date": "1980-01-01"}).status_code == 403
    assert signed_in(company.customer_user).get(_url(company.alice, "household/")).status_code == 403
    assert not SpecialDate.objects.exists()


def test_the_card_links_to_the_household_page(company, rice):
    card = signed_in(company.agent_east, "en").get(_url(company.alice)).content.decode()
    assert f'href="/care/customers/{company.alice.pk}/household/"' in card


def test_the_page_s_query_count_does_not_grow_with_its_rows(company, rice, oil):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from kefu.proactive import services

    east = signed_in(company.agent_east, "en")
    url = _url(company.alice, "household/")

    def add(n):
        for i in range(n):
            services.consumption_record(actor=company.agent_east, customer=company.alice,
                                        product=rice if i % 2 else oil, day="2026-01-01", quantity=i)
            services.special_date_add(actor=company.agent_east, customer=company.alice,
                                      kind="anniversary", day=f"20{10 + i}-01-01")
        for product in (rice, oil):
            services.container_set(actor=company.agent_east, customer=company.alice,
                                   product=product, capacity=30)

    add(1)
    east.get(url)
    with CaptureQueriesContext(connection) as few:
        east.get(url)
    add(8)
    with CaptureQueriesContext(connection) as more:
        assert east.get(url).status_code == 200
    assert len(more) == len(few)
