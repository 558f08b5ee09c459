"""/api/v1/analytics/…: the same JSON as the charts, role-scoped; bad input refused with the
one error shape; the drill-down endpoints keep to the caller's scope."""

from __future__ import annotations

import pytest

from kefu.analytics.selectors import servqual
from kefu.analytics.selectors.filters import dashboard_scope, filter_for

from .dashboard_data import same, submit, surveys_ready  # noqa: F401
from .dashboard_data import servqual as sq

FIGURES = ["servqual/overview", "servqual/zone", "servqual/trend", "servqual/gaps-model",
           "scores/teams", "scores/agents", "scores/branches", "scores/months",
           "tickets/pareto", "tickets/sla", "tickets/resolution"]


@pytest.fixture
def answered(company, surveys_ready, make_ticket):  # noqa: F811
    east = submit("servqual", sq(same(6), same(4)), customer=company.alice, branch=company.east,
                  team=company.east_team)
    west = submit("servqual", sq(same(5), same(5)), customer=company.bob, branch=company.west,
                  team=company.west_team)
    west_ticket = make_ticket(company.agent_west, company.bob, team=company.west_team,
                              type="complaint")
    return {"east": east, "west": west, "west_ticket": west_ticket}


@pytest.mark.parametrize("path", FIGURES)
def test_every_figure_answers_managers_and_refuses_agents(company, answered, api_as, path):
    assert api_as(company.admin).get(f"/api/v1/analytics/{path}").status_code == 200
    assert api_as(company.supervisor_east).get(f"/api/v1/analytics/{path}").status_code == 200
    refused = api_as(company.agent_east).get(f"/api/v1/analytics/{path}")
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    assert api_as(company.customer_user).get(f"/api/v1/analytics/{path}").status_code == 403
    assert api_as(None).get(f"/api/v1/analytics/{path}").status_code == 401


def test_same_json_as_the_selector(company, answered, api_as):
    got = api_as(company.supervisor_east).get("/api/v1/analytics/servqual/overview").json()
    f = filter_for(company.supervisor_east, {})
    assert got == servqual.overview(f)
    assert got["respondents"] == 1


def test_drill_down_api_keeps_to_the_scope(company, answered, api_as):
    sup = api_as(company.supervisor_east)
    ids = [r["id"] for r in sup.get("/api/v1/analytics/responses",
                                    {"instrument": "servqual"}).json()["items"]]
    assert ids == [answered["east"].pk]
    assert sup.get(f"/api/v1/analytics/responses/{answered['west'].pk}").status_code == 404
    assert sup.get(f"/api/v1/analytics/responses/{answered['east'].pk}").json()["answers"]
    tickets = sup.get("/api/v1/analytics/tickets", {"metric": "complaints",
                                                    "branch": company.west.pk}).json()
    assert tickets["items"] == []
    everyone = api_as(company.auditor).get("/api/v1/analytics/tickets",
                                           {"metric": "complaints"}).json()
    assert answered["west_ticket"].pk in [t["id"] for t in everyone["items"]]
    assert dashboard_scope(company.auditor).everything


@pytest.mark.parametrize("params, code", [
    ({"start": "2026-1"}, "invalid_period"), ({"end": "x" * 19}, "invalid_period"),
    ({"team": "1.5"}, "invalid_filter"), ({"min_n": "99999"}, "invalid_filter"),
    ({"channel": "fax"}, "invalid_filter"), ({"start": "2026-05", "end": "2026-01"},
                                             "invalid_period"),
])
def test_bad_filters(company, api_as, params, code):
    got = api_as(company.admin).get("/api/v1/analytics/servqual/overview", params)
    assert got.status_code == 400 and got.json()["code"] == code


def test_oversized_parameter_refused(company, api_as):
    got = api_as(company.admin).get("/api/v1/analytics/servqual/overview", {"start": "9" * 500})
    assert got.status_code == 422


def test_tables_endpoint(company, answered, api_as):
    got = api_as(company.admin).get("/api/v1/analytics/tables/servqual-dimensions").json()
    assert len(got["columns"]) == 14
    assert len(got["rows"]) == 5
    assert api_as(company.admin).get("/api/v1/analytics/tables/nope").status_code == 404
