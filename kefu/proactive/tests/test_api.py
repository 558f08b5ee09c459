"""The /api/v1/proactive endpoints: role and branch scope, all-or-nothing batches."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kefu.proactive.carelist import build_care_lists
from kefu.proactive.models import (
    CareTask,
    Consumption,
    Container,
    CustomerScore,
    Purchase,
    RunOutForecast,
    SpecialDate,
)

TODAY = date(2026, 5, 10)


@pytest.fixture
def listed(company, rice, rice_household):
    now = timezone.now()
    RunOutForecast.objects.create(customer=company.alice, product=rice, date=TODAY, low=TODAY,
                                  high=TODAY + timedelta(days=3), rate_per_day=0.6, basis="x",
                                  last_purchase=date(2026, 4, 5), computed_at=now)
    CustomerScore.objects.create(customer=company.bob, frequency=4, prob_alive=0.1, clv=300,
                                 last_purchase=date(2026, 1, 2), computed_at=now)
    build_care_lists(TODAY)
    return company


def test_agents_see_only_their_branch_customers_tasks(listed, api_as):
    company = listed
    east, west = api_as(company.agent_east), api_as(company.agent_west)
    mine = east.get("/api/v1/proactive/care-tasks", {"date": "2026-05-10"}).json()["items"]
    assert [t["kind"] for t in mine] == ["run_out"]
    assert mine[0]["script"][0]["text"].startswith("您好") or "爱丽丝" in mine[0]["script"][0]["text"]
    # the whole scope of the east agent still has no west customer
    scope = east.get("/api/v1/proactive/care-tasks", {"mine": "false"}).json()["items"]
    assert {t["customer"]["id"] for t in scope} == {company.alice.pk}
    bob_task = CareTask.objects.get(customer=company.bob)
    # another branch's task: not found, and the outcome cannot be recorded
    assert east.post(f"/api/v1/proactive/care-tasks/{bob_task.pk}/outcome",
                     {"result": "reached"}).status_code == 404
    assert east.get(f"/api/v1/proactive/customers/{company.bob.pk}").status_code == 404
    assert west.post(f"/api/v1/proactive/care-tasks/{bob_task.pk}/outcome",
                     {"result": "reached"}).json()["status"] == "done"
    # the supervisor of the east sees east only; admins everything
    sup = api_as(company.supervisor_east).get("/api/v1/proactive/care-tasks", {"mine": "false"})
    assert {t["customer"]["id"] for t in sup.json()["items"]} == {company.alice.pk}
    admin = api_as(company.admin).get("/api/v1/proactive/care-tasks",
                                      {"mine": "false", "status": "done"}).json()["items"]
    assert [t["customer"]["id"] for t in admin] == [company.bob.pk]


def test_customers_and_anonymous_get_nothing(listed, api_as):
    for path in ("/api/v1/proactive/care-tasks", "/api/v1/proactive/products",
                 "/api/v1/proactive/report", f"/api/v1/proactive/customers/{listed.alice.pk}"):
        assert api_as(listed.customer_user).get(path).status_code == 403, path
        assert api_as(None).get(path).status_code == 401, path


def test_auditors_read_but_do_not_write(listed, api_as):
    auditor = api_as(listed.auditor)
    task = CareTask.objects.get(customer=listed.alice)
    assert auditor.get("/api/v1/proactive/care-tasks", {"mine": "false"}).status_code == 200
    assert auditor.post(f"/api/v1/proactive/care-tasks/{task.pk}/outcome",
                        {"result": "reached"}).status_code == 403


def test_purchase_entry_and_batches(company, rice, api_as):
    east = api_as(company.agent_east)
    east.headers["HTTP_ACCEPT_LANGUAGE"] = "en"  # the errors are checked in English
    ok = east.post("/api/v1/proactive/purchases", {"customer": company.alice.pk, "product": "rice",
                                                   "date": "2026-05-01", "quantity": 10})
    assert ok.status_code == 201 and ok.json()["amount"] == "65.00"
    future = (timezone.localdate() + timedelta(days=1)).isoformat()
    bad = east.post("/api/v1/proactive/purchases", {"customer": company.alice.pk, "product": "rice",
                                                    "date": future, "quantity": 1})
    assert bad.status_code == 400 and bad.json()["code"] == "future_date"
    # a batch with one bad row and one customer of another branch writes nothing
    batch = east.post("/api/v1/proactive/purchases/import", {"rows": [
        {"customer": company.alice.pk, "product": "rice", "date": "2026-05-02", "quantity": 5},
        {"customer": company.alice.pk, "product": "rice", "date": "2026-05-02", "quantity": -5},
        {"customer": company.bob.pk, "product": "rice", "date": "2026-05-02", "quantity": 5}]})
    assert batch.status_code == 400
    errors = batch.json()["details"]["errors"]
    assert errors[0].startswith("row 2") and errors[1].startswith("row 3")
    assert Purchase.objects.count() == 1
    good = east.post("/api/v1/proactive/purchases/import", {"rows": [
        {"customer": company.alice.pk, "product": "rice", "date": "2026-05-02", "quantity": 5}]})
    assert good.status_code == 201 and Purchase.objects.count() == 2
    listing = east.get(f"/api/v1/proactive/customers/{company.alice.pk}/purchases").json()
    assert [p["quantity"] for p in listing["items"]] == ["5.000", "10.000"]


def test_products_are_managed_by_supervisors(company, api_as):
    body = {"code": "water", "name": "桶装水", "name_en": "Bottled water", "unit": "l",
            "price": "1.5", "lead_days": 2}
    assert api_as(company.agent_east).post("/api/v1/proactive/products", body).status_code == 403
    assert api_as(company.supervisor_east).post("/api/v1/proactive/products", body).status_code == 201
    bad = api_as(company.admin).post("/api/v1/proactive/products", {**body, "unit": "tons"})
    assert bad.status_code == 400 and bad.json()["details"]["field"] == "unit"
    assert [p["code"] for p in api_as(company.agent_east).get(
        "/api/v1/proactive/products").json()["items"]] == ["water"]


def test_opt_out_and_customer_summary(listed, api_as):
    east = api_as(listed.agent_east)
    summary = east.get(f"/api/v1/proactive/customers/{listed.alice.pk}").json()
    assert summary["next_needs"][0]["product"] == "rice" and len(summary["open_tasks"]) == 1
    assert summary["containers"][0]["capacity"] == "25.000"
    assert east.post(f"/api/v1/proactive/customers/{listed.alice.pk}/opt-out",
                    {"opted_out": True, "reason": "asked"}).status_code == 200
    summary = east.get(f"/api/v1/proactive/customers/{listed.alice.pk}").json()
    assert summary["opted_out"] and summary["open_tasks"] == []


def test_the_care_list_query_count_does_not_grow(listed, api_as):
    east = api_as(listed.admin)
    east.get("/api/v1/proactive/care-tasks")  # the token's first use is recorded once
    with CaptureQueriesContext(connection) as few:  # no cancelled task yet
        east.get("/api/v1/proactive/care-tasks", {"mine": "false", "status": "cancelled"})
    CustomerScore.objects.filter(customer=listed.bob).update(last_purchase=date(2026, 1, 3))
    build_care_lists(TODAY)
    with CaptureQueriesContext(connection) as more:
        east.get("/api/v1/proactive/care-tasks", {"mine": "false", "status": "cancelled"})
    assert len(more) == len(few)


def test_the_report(listed, api_as):
    task = CareTask.objects.get(customer=listed.bob)
    api_as(listed.agent_west).post(f"/api/v1/proactive/care-tasks/{task.pk}/outcome",
                                   {"result": "reached"})
    today = timezone.localdate().isoformat()
    r = api_as(listed.admin).get("/api/v1/proactive/report", {"since": "2026-01-01", "until": today})
    data = r.json()
    assert data["created"] == 2 and data["done"] == 1
    assert data["churn"]["contacted"] == 1 and data["churn"]["contacted_churned"] == 1
    assert api_as(listed.admin).get("/api/v1/proactive/report", {"since": "x"}).status_code == 400


def test_household_readings_and_dates_over_the_api(company, rice, api_as):
    east = api_as(company.agent_east)
    base = f"/api/v1/proactive/customers/{company.alice.pk}"
    bin_ = east.post(f"{base}/containers", {"product": "rice", "capacity": "25", "name": "米缸",
                                            "household_size": 4})
    assert bin_.status_code == 200 and bin_.json()["capacity"] == "25.000"
    reading = east.post(f"{base}/readings", {"product": "RICE", "date": "2026-05-01", "quantity": 8})
    assert reading.status_code == 201 and reading.json()["kind"] == "level"
    birthday = east.post(f"{base}/special-dates", {"kind": "birthday", "date": "1980-06-01"})
    assert birthday.status_code == 201
    summary = east.get(base).json()
    assert summary["household_size"] == 4 and summary["containers"][0]["name"] == "米缸"
    assert summary["special_dates"] == [birthday.json()]
    # bad input: 400 naming the field, nothing written
    for path, body, field in ((f"{base}/readings", {"product": "rice", "date": "2026-05-01",
                                                   "quantity": 30}, "quantity"),
                              (f"{base}/readings", {"product": "sugar", "date": "2026-05-01",
                                                   "quantity": 1}, "product"),
                              (f"{base}/special-dates", {"kind": "wedding", "date": "2000-01-01"},
                               "kind"),
                              (f"{base}/containers", {"product": "rice", "capacity": 0}, "capacity")):
        bad = east.post(path, body)
        assert bad.status_code == 400 and bad.json()["details"]["field"] == field, (path, body)
    assert Consumption.objects.count() == 1 and SpecialDate.objects.count() == 1
    # another branch's customer: 404; auditors: 403; customers: 403
    bob = f"/api/v1/proactive/customers/{company.bob.pk}"
    assert east.post(f"{bob}/special-dates", {"kind": "birthday", "date": "1980-06-01"}).status_code == 404
    assert api_as(company.auditor).post(f"{base}/special-dates", {"kind": "birthday",
                                                                   "date": "1980-06-01"}).status_code == 403
    assert api_as(company.customer_user).get(base).status_code == 403
    west = api_as(company.agent_west)
    assert west.delete(f"{base}/special-dates/{birthday.json()['id']}").status_code == 404
    assert east.delete(f"{base}/special-dates/{birthday.json()['id']}").status_code == 204
    assert east.delete(f"{base}/containers/{bin_.json()['id']}").status_code == 204
    assert not SpecialDate.objects.exists() and not Container.objects.exists()


def test_the_thresholds_over_the_api(company, api_as):
    assert api_as(company.agent_east).get("/api/v1/proactive/settings").json()["churn_risk"] == 0.5
    assert api_as(company.supervisor_east).patch("/api/v1/proactive/settings",
                                                 {"churn_risk": 0.4}).status_code == 403
    admin = api_as(company.admin)
    bad = admin.patch("/api/v1/proactive/settings", {"churn_risk": 0.4, "renewal_days": 1000})
    assert bad.status_code == 400 and bad.json()["details"]["field"] == "renewal_days"
    ok = admin.patch("/api/v1/proactive/settings", {"churn_risk": 0.4})
    assert ok.status_code == 200 and ok.json()["churn_risk"] == 0.4 and ok.json()["renewal_days"] == 30
