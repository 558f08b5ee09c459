"""The console pages, in both languages, and their scope."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from kefu.core.testing.console import signed_in, ticket_page
from kefu.proactive.carelist import build_care_lists
from kefu.proactive.models import CareTask, CustomerScore, Purchase, RunOutForecast

TODAY = date(2026, 5, 10)


@pytest.fixture
def listed(company, rice, rice_household):
    now = timezone.now()
    RunOutForecast.objects.create(customer=company.alice, product=rice, date=TODAY, low=TODAY,
                                  high=TODAY + timedelta(days=3), rate_per_day=0.6, basis="x",
                                  last_purchase=date(2026, 4, 5), computed_at=now)
    CustomerScore.objects.create(customer=company.bob, frequency=4, prob_alive=0.1, clv=300,
                                 segment="at_risk", last_purchase=date(2026, 1, 2), computed_at=now)
    build_care_lists(TODAY)
    return company


def test_my_care_list_in_both_languages_and_one_click_outcome(listed):
    zh = signed_in(listed.agent_east, "zh-hans").get("/care/")
    assert zh.status_code == 200
    html = zh.content.decode()
    assert "我的关怀清单" in html or "爱丽丝" in html
    assert "爱丽丝" in html and "鲍勃" not in html
    en = signed_in(listed.agent_east, "en").get("/care/").content.decode()
    assert "My care list" in en and "About to run out" in en
    task = CareTask.objects.get(customer=listed.alice)
    client = signed_in(listed.agent_east)
    row = client.post(f"/care/tasks/{task.pk}/outcome/", {"result": "ordered"}, HTTP_HX_REQUEST="true")
    assert row.status_code == 200 and f'id="care-task-{task.pk}"' in row.content.decode()
    assert Purchase.objects.filter(customer=listed.alice, source="care").exists()
    # another branch's task: not found
    bob_task = CareTask.objects.get(customer=listed.bob)
    assert client.post(f"/care/tasks/{bob_task.pk}/outcome/", {"result": "reached"}).status_code == 404
    assert CareTask.objects.get(pk=bob_task.pk).status == "open"


def test_customers_cannot_open_the_console_pages(listed):
    client = signed_in(listed.customer_user)
    for path in ("/care/", "/care/products/", "/care/report/", "/care/purchases/new/",
                 f"/care/customers/{listed.alice.pk}/"):
        assert client.get(path).status_code == 403, path


def test_the_customer_page_card_and_its_scope(listed):
    east = signed_in(listed.agent_east, "en")
    page = east.get(f"/customers/{listed.alice.pk}/").content.decode()
    assert f"/care/customers/{listed.alice.pk}/" in page
    card = east.get(f"/care/customers/{listed.alice.pk}/").content.decode()
    assert "Predicted next needs" in card and "2026-05-10" in card and "About to run out" in card
    assert east.get(f"/care/customers/{listed.bob.pk}/").status_code == 404
    west = signed_in(listed.agent_west, "zh-hans").get(f"/care/customers/{listed.bob.pk}/")
    assert "at_risk" in west.content.decode()


def test_the_ticket_side_panel(listed, make_ticket):
    ticket = make_ticket(listed.agent_east, listed.alice)
    page = ticket_page(signed_in(listed.agent_east, "en"), ticket.pk).content.decode()
    assert 'id="panel-proactive"' in page and "Predicted next needs" in page


def test_purchase_form_products_and_report(listed):
    east = signed_in(listed.agent_east, "en")
    ok = east.post("/care/purchases/new/", {"customer": listed.alice.pk, "product": "rice",
                                            "date": "2026-05-01", "quantity": "10"})
    assert ok.status_code == 302
    bad = east.post("/care/purchases/new/", {"customer": listed.alice.pk, "product": "rice",
                                             "date": "2026-05-01", "quantity": "-1"})
    assert bad.status_code == 400 and "more than zero" in bad.content.decode()
    other = east.post("/care/purchases/new/", {"customer": listed.bob.pk, "product": "rice",
                                               "date": "2026-05-01", "quantity": "1"})
    assert other.status_code == 404
    assert Purchase.objects.filter(created_by=listed.agent_east).count() == 1
    # products: agents read, supervisors add
    assert "rice" in east.get("/care/products/").content.decode()
    assert east.post("/care/products/", {"code": "milk", "name": "牛奶", "unit": "l"}).status_code == 400
    sup = signed_in(listed.supervisor_east, "zh-hans")
    assert sup.post("/care/products/", {"code": "milk", "name": "牛奶", "unit": "l",
                                        "price": "8", "lead_days": "2"}).status_code == 302
    report = signed_in(listed.admin, "en").get("/care/report/?since=2026-01-01").content.decode()
    assert "Churn among customers at risk" in report and "Tasks created" in report
