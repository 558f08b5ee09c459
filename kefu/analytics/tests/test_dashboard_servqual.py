"""SERVQUAL selectors against hand-computed figures, from responses submitted through the
survey service (real rollups)."""

from __future__ import annotations

import pytest

from kefu.analytics.selectors import servqual
from kefu.analytics.selectors.filters import Scope

from .dashboard_data import ITEMS, everything, same, submit, surveys_ready, zone  # noqa: F401
from .dashboard_data import servqual as sq

WEIGHTS = {"tangibles": 10, "reliability": 30, "responsiveness": 20, "assurance": 20,
           "empathy": 20}


@pytest.fixture
def two_customers(company, surveys_ready):  # noqa: F811
    # given east: E 6, P 4 everywhere but responsiveness P 2; west: E 5, P 5
    east_p = {**same(4), "responsiveness": 2}
    submit("servqual", sq(same(6), east_p, WEIGHTS), customer=company.alice,
           branch=company.east, team=company.east_team, tier=company.vip)
    submit("servqual", sq(same(5), same(5)), customer=company.bob, branch=company.west,
           team=company.west_team, tier=company.regular)


def test_overview_gives_dimension_means_gaps_and_intervals(two_customers):
    # when
    got = servqual.overview(everything())
    # then: two respondents; tangibles E (6+5)/2 = 5.5, P (4+5)/2 = 4.5, gap (−2 + 0)/2 = −1
    assert got["respondents"] == 2
    dims = {d["dimension"]: d for d in got["dimensions"]}
    assert dims["tangibles"]["expectation"]["mean"] == 5.5
    assert dims["tangibles"]["perception"]["mean"] == 4.5
    assert dims["tangibles"]["gap"]["mean"] == -1.0
    # responsiveness gap (−4 + 0)/2 = −2, sd √8 = 2.828…, t(0.975; 1) = 12.706 → ±25.41
    res = dims["responsiveness"]["gap"]
    assert res["mean"] == -2.0 and res["n"] == 2
    assert res["ci95"] == pytest.approx([-2 - 25.4124, -2 + 25.4124], abs=1e-3)
    assert got["weakest"] == "responsiveness"
    # importance: only the east respondent shared points
    assert dims["reliability"]["importance"] == 30
    # overall: east (−2·4 − 4)/5 = −2.4, west 0 → −1.2; weighted only east:
    # (10·−2 + 30·−2 + 20·−4 + 20·−2 + 20·−2)/100 = −2.4
    assert got["overall"]["gap"]["mean"] == pytest.approx(-1.2)
    assert got["overall"]["weighted_gap"]["mean"] == pytest.approx(-2.4)
    assert got["overall"]["weighted_gap"]["n"] == 1
    items = {i["item"]: i for i in got["items"]}
    assert len(items) == 22 and items["res2"]["gap"]["mean"] == -2.0
    assert items["res2"]["label"]


def test_overview_by_branch_and_scope(two_customers, company):
    east = servqual.overview(everything(branch=company.east.pk))
    assert east["respondents"] == 1
    assert {d["dimension"]: d["gap"]["mean"] for d in east["dimensions"]}["tangibles"] == -2
    # a supervisor of the east branch asking for the west branch sees nothing
    scoped = everything(branch=company.west.pk,
                        scope=Scope(branches=frozenset({company.east.pk})))
    assert servqual.overview(scoped)["respondents"] == 0
    assert servqual.overview(everything(tier=company.regular.pk))["respondents"] == 1
    assert servqual.overview(everything(channel="phone"))["respondents"] == 0


def test_trend_series_per_month(two_customers):
    got = servqual.trend(everything())
    assert [p["n"] for p in got["series"]["overall"]] == [2]
    assert got["series"]["responsiveness"][0]["mean"] == -2.0
    assert got["months"] == [got["series"]["overall"][0]["month"]]


def test_zone_of_tolerance_positions(company, surveys_ready):  # noqa: F811
    # given desired 7, adequate 4; perceived 3 (below) for tangibles, 5 elsewhere (within)
    submit("servqual3", zone(same(7), same(4), {**same(5), "tangibles": 3}),
           customer=company.alice, branch=company.east)
    got = servqual.zone(everything())
    dims = {d["dimension"]: d for d in got["dimensions"]}
    assert dims["tangibles"]["position"] == "below"
    assert dims["tangibles"]["msa"]["mean"] == -1 and dims["tangibles"]["mss"]["mean"] == -4
    assert dims["empathy"]["position"] == "within"
    assert dims["empathy"]["desired"]["mean"] == 7 and dims["empathy"]["adequate"]["mean"] == 4


def test_gaps_model_compares_customers_and_managers(two_customers, company):
    # given a manager at head office believes customers expect 4 everywhere
    answers = {code: {"expectation": 4} for code, _dim in ITEMS}
    answers["weights"] = {"tangibles": 40, "reliability": 15, "responsiveness": 15,
                          "assurance": 15, "empathy": 15}
    submit("management", answers, user=company.admin)
    got = servqual.gaps_model(everything())
    dims = {d["dimension"]: d for d in got["dimensions"]}
    # customers expect 5.5 on average; gap 1 = 5.5 − 4 = 1.5
    assert dims["assurance"]["gap1"] == 1.5
    assert dims["assurance"]["customer_gap"]["mean"] == -1.0
    assert got["management_respondents"] == 1 and got["customer_respondents"] == 2
    # importance: customers (only east shared points) 30 for reliability; managers 15
    assert dims["reliability"]["customer_importance"] == 30
    assert dims["reliability"]["management_importance"] == 15
    assert dims["tangibles"]["management_importance"] == 40
    # a branch supervisor still sees the company-wide management answer
    east = servqual.gaps_model(everything(scope=Scope(branches=frozenset({company.east.pk}))))
    assert east["management_respondents"] == 1 and east["customer_respondents"] == 1
    assert {d["dimension"]: d for d in east["dimensions"]}["assurance"]["gap1"] == 2.0
    # the page passes the overview it read: the same figures
    f = everything()
    assert servqual.gaps_model(f, overview_of=servqual.overview(f)) == got


def test_selectors_read_rollups_in_constant_queries(two_customers, django_assert_max_num_queries):
    f = everything()
    with django_assert_max_num_queries(2):
        servqual.overview(f)
    with django_assert_max_num_queries(1):
        servqual.trend(f)
    with django_assert_max_num_queries(2):
        servqual.gaps_model(f)
    overview = servqual.overview(f)
    with django_assert_max_num_queries(1):
        servqual.gaps_model(f, overview_of=overview)
