"""SLA policies and calendars through the API: staff read, admins write, bad input is a
clear 4xx that changes nothing (unknown calendar or tier, no target, absurd minutes)."""

import json

import pytest

from kefu.workflow.defaults import ensure_defaults
from kefu.workflow.models import Calendar, SlaPolicy

BODY = {"name": "VIP 投诉", "name_en": "VIP complaints", "order": 5, "tier": "vip",
        "type": "complaint", "calendar": "standard", "first_response_minutes": 30,
        "resolution_minutes": 240, "sunset_rule": True}


@pytest.fixture
def standard(company):
    ensure_defaults()
    return Calendar.objects.get(code="standard")


def put(client, path, body):
    return client.client.put(path, data=json.dumps(body), content_type="application/json",
                             **client.headers)


def test_admin_creates_changes_and_deletes_a_policy(company, api_as, standard):
    admin = api_as(company.admin)
    created = admin.post("/api/v1/sla/policies", BODY)
    assert created.status_code == 201, created.content
    policy = created.json()
    assert policy["tier"] == "vip" and policy["calendar"] == "standard" and policy["sunset_rule"]
    changed = put(admin, f"/api/v1/sla/policies/{policy['id']}", {**BODY, "resolution_minutes": 300})
    assert changed.status_code == 200 and changed.json()["resolution_minutes"] == 300
    listed = api_as(company.agent_east).get("/api/v1/sla/policies").json()["items"]
    assert [p["name"] for p in listed] == ["VIP 投诉", "默认服务时限"]  # the default comes last
    assert admin.delete(f"/api/v1/sla/policies/{policy['id']}").status_code == 204


def test_the_default_policy_cannot_be_deleted(company, api_as, standard):
    default = SlaPolicy.objects.get(is_default=True)
    response = api_as(company.admin).delete(f"/api/v1/sla/policies/{default.pk}")
    assert response.status_code == 409 and response.json()["code"] == "default_policy"
    assert SlaPolicy.objects.filter(pk=default.pk).exists()


@pytest.mark.parametrize("change, status", [
    ({"calendar": "no-such-calendar"}, 404),
    ({"tier": "platinum"}, 404),
    ({"first_response_minutes": None, "resolution_minutes": None, "sunset_rule": False}, 400),
    ({"first_response_minutes": 0}, 422),
    ({"resolution_minutes": 10_000_000}, 422),
    ({"priority": "asap"}, 422),
    ({"warn_at_percent": 150}, 422),
    ({"order": "first"}, 422),
    ({"colour": "red"}, 422),
])
def test_bad_policies_are_refused_and_nothing_is_saved(company, api_as, standard, change, status):
    before = SlaPolicy.objects.count()
    response = api_as(company.admin).post("/api/v1/sla/policies", {**BODY, **change})
    assert response.status_code == status, response.content
    assert set(response.json()) == {"code", "message", "details"}
    assert SlaPolicy.objects.count() == before


def test_unknown_policy_is_404(company, api_as, standard):
    assert api_as(company.agent_east).get("/api/v1/sla/policies/999999").status_code == 404
    assert put(api_as(company.admin), "/api/v1/sla/policies/999999", BODY).status_code == 404


def test_only_admins_write_and_customers_do_not_read(company, api_as, standard):
    for user in (company.agent_east, company.supervisor_east, company.auditor):
        assert api_as(user).post("/api/v1/sla/policies", BODY).status_code == 403
    assert api_as(company.customer_user).get("/api/v1/sla/policies").status_code == 403
    assert api_as(company.auditor).get("/api/v1/sla/calendars").status_code == 200


def test_calendar_hours_are_checked_before_saving(company, api_as, standard):
    admin = api_as(company.admin)
    good = {"tz": "Asia/Shanghai", "weekly": {"mon": [["08:30", "17:30"]]}, "public_holidays": "cn"}
    assert put(admin, "/api/v1/sla/calendars/standard", {"data": good}).status_code == 200
    never_open = {"tz": "Asia/Shanghai", "weekly": {}, "public_holidays": None}
    bad = put(admin, "/api/v1/sla/calendars/standard", {"data": never_open})
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_calendar"
    overlapping = {"weekly": {"mon": [["09:00", "12:00"], ["11:00", "13:00"]]}}
    assert put(admin, "/api/v1/sla/calendars/standard", {"data": overlapping}).status_code == 400
    standard.refresh_from_db()
    assert standard.data["weekly"] == {"mon": [["08:30", "17:30"]]}
    assert put(admin, "/api/v1/sla/calendars/nope", {"data": good}).status_code == 404
