"""CSAT / NPS / CES by team, agent, branch and month from the rollups: hand-computed
figures, small samples flagged and not ranked, the tests across groups, constant queries."""

from __future__ import annotations

import pytest

from kefu.analytics.selectors import scores
from kefu.analytics.selectors.filters import Scope

from .dashboard_data import everything, submit, surveys_ready  # noqa: F401


@pytest.fixture
def rated(company, surveys_ready):  # noqa: F811
    # east desk (agent_east): CSAT 5, 4, 2 → 2 of 3 satisfied; NPS 10, 9, 3 → (2 − 1)/3
    for rating in (5, 4, 2):
        submit("csat", {"rating": rating}, customer=company.alice, branch=company.east,
               team=company.east_team, agent=company.agent_east, channel="phone")
    for score in (10, 9, 3):
        submit("nps", {"score": score}, customer=company.alice, branch=company.east,
               team=company.east_team, agent=company.agent_east)
    # west desk: CSAT 1; CES 6 and 4
    submit("csat", {"rating": 1}, customer=company.bob, branch=company.west,
           team=company.west_team, agent=company.agent_west)
    for effort in (6, 4):
        submit("ces", {"effort": effort}, customer=company.bob, branch=company.west,
               team=company.west_team, agent=company.agent_west)


def test_by_team_hand_computed(rated, company):
    got = scores.by_team(everything(min_n=2))
    rows = {r["id"]: r for r in got["rows"]}
    east, west = rows[company.east_team.pk], rows[company.west_team.pk]
    assert east["name"] == company.east_team.label
    assert east["csat"]["value"] == pytest.approx(66.7) and east["csat"]["n"] == 3
    assert east["nps"]["value"] == pytest.approx(33.3) and east["nps"]["n"] == 3
    assert east["nps"]["promoters"] == 2 and east["nps"]["detractors"] == 1
    assert east["ces"] is None
    # west CES mean 5, sd √2, t(0.975; 1)·√2/√2 = 12.706 → [−7.71, 17.71]
    assert west["ces"]["value"] == 5.0 and west["ces"]["ci95"] == [-7.71, 17.71]
    # min_n = 2: west's single CSAT answer is flagged, not ranked; east is ranked 1
    assert west["csat"]["status"] == "insufficient_data" and west["csat"]["rank"] is None
    assert east["csat"]["status"] == "ok" and east["csat"]["rank"] == 1
    assert got["totals"] == {"csat": 4, "nps": 3, "ces": 2}
    # one group with enough data: no test
    assert got["tests"]["csat"] is None


def test_csat_test_across_two_teams(rated, company):
    # given one more west answer (5): east 2 of 3 satisfied, west 1 of 2
    submit("csat", {"rating": 5}, customer=company.bob, branch=company.west,
           team=company.west_team, agent=company.agent_west)
    got = scores.by_team(everything(min_n=2))
    # then the pooled two-proportion z test: p = 3/5, se = √(0.6·0.4·(1/3 + 1/2)) = √0.2,
    # z = (2/3 − 1/2)/√0.2 = 0.37268, p = 2·(1 − Φ(0.37268)) = 0.70939
    test = got["tests"]["csat"]
    assert test["test"] == "two_proportion_z" and test["groups"] == 2
    assert test["statistic"] == pytest.approx(0.37268, abs=1e-4)
    assert test["p_value"] == pytest.approx(0.70939, abs=1e-4)
    ranks = {r["id"]: r["csat"]["rank"] for r in got["rows"]}
    assert ranks == {company.east_team.pk: 1, company.west_team.pk: 2}


def test_anova_from_sums_hand_computed():
    # groups (1, 2, 3) and (4, 5, 6): SSB = 6²/3 + 15²/3 − 21²/6 = 13.5, SSW = 2 + 2 = 4,
    # F = (13.5/1) / (4/4) = 13.5 on (1, 4) df; p = P(F₁,₄ > 13.5) = 0.02131
    result = scores.anova_from_sums([(3, 6.0, 14.0), (3, 15.0, 77.0)])
    assert result.statistic == pytest.approx(13.5)
    assert result.df == (1.0, 4.0)
    assert result.p_value == pytest.approx(0.02131, abs=1e-4)


def test_by_agent_and_branch_and_scope(rated, company):
    agents = {r["id"]: r for r in scores.by_agent(everything())["rows"]}
    assert agents[company.agent_east.pk]["csat"]["n"] == 3
    assert agents[company.agent_east.pk]["csat"]["status"] == "insufficient_data"
    branches = {r["id"]: r for r in scores.by_branch(everything())["rows"]}
    assert branches[company.west.pk]["csat"]["value"] == 0.0
    east_only = Scope(branches=frozenset({company.east.pk}))
    seen = scores.by_team(everything(scope=east_only))
    assert [r["id"] for r in seen["rows"]] == [company.east_team.pk]
    assert scores.by_team(everything(channel="phone"))["totals"]["csat"] == 3
    assert scores.by_team(everything(agent=company.agent_west.pk))["totals"] == {
        "csat": 1, "nps": 0, "ces": 2}


def test_trend_by_month(rated):
    got = scores.trend(everything())
    assert len(got["rows"]) == 1 and got["rows"][0]["csat"]["n"] == 4


def test_constant_queries(rated, django_assert_max_num_queries):
    for fn in (scores.by_team, scores.by_agent, scores.by_branch, scores.trend):
        with django_assert_max_num_queries(3):
            fn(everything())
