"""The selectors read the coarsest rollup rows that hold their figures (``RollupTotal``'s
whole-instrument rows without a slice, its per-unit rows for a branch, team, agent or scope,
its per-tier rows for a tier, ``Rollup`` for a contact channel): every figure equals the one
read from ``Rollup``."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kefu.analytics import quality_figures
from kefu.analytics.selectors import scores, servqual
from kefu.analytics.selectors.filters import DashboardFilter, Scope

from .dashboard_data import everything, same, submit, surveys_ready, zone  # noqa: F401
from .dashboard_data import servqual as sq


@pytest.fixture
def answered(company, surveys_ready):  # noqa: F811
    # given SERVQUAL, the zone form, management, CSAT, NPS and CES answers in several slices
    slices = ((company.east, company.east_team, company.vip, company.agent_east, "phone"),
              (company.west, company.west_team, company.regular, company.agent_west, "email"),
              (company.east, None, None, None, ""))
    for index, (branch, team, tier, agent, channel) in enumerate(slices):
        kw = {"branch": branch, "team": team, "tier": tier, "channel": channel}
        submit("servqual", sq(same(6 - index), {**same(4), "empathy": 2 + index},
                              {"tangibles": 20, "reliability": 20, "responsiveness": 20,
                               "assurance": 20, "empathy": 20} if index else None),
               customer=company.alice, **kw)
        submit("servqual3", zone(same(7), same(3 + index), same(5)), customer=company.bob,
               **kw)
        submit("management", {code: {"expectation": 3 + index} for code in
                              sq(same(1), same(1))}, user=company.admin,
               branch=branch if index else None, team=team)
        for value in (5 - index, 2 + index):
            submit("csat", {"rating": value}, customer=company.alice, agent=agent, **kw)
            submit("nps", {"score": 3 * value - 5}, customer=company.bob, agent=agent, **kw)
            submit("ces", {"effort": value + 1}, customer=company.bob, agent=agent, **kw)


def _figures(f: DashboardFilter) -> dict:
    return {"overview": servqual.overview(f), "zone": servqual.zone(f, instrument="servqual3"),
            "trend": servqual.trend(f), "gaps": servqual.gaps_model(f),
            "scores": scores.by_groups(f, ("team", "agent", "branch", "month")),
            "dissatisfied": quality_figures.dissatisfied_answers(f)}


_ROLLUP_ROWS = DashboardFilter.rollup_rows


def _fine(self, **kw):
    return _ROLLUP_ROWS(self, **{**kw, "fine": True})


def test_every_grain_gives_the_figures_of_the_fine_rows(answered, company, monkeypatch):
    filters = [everything(), everything(branch=company.east.pk),
               everything(team=company.west_team.pk), everything(agent=company.agent_east.pk),
               everything(tier=company.vip.pk), everything(channel="email"),
               everything(tier=company.regular.pk, branch=company.west.pk),
               everything(scope=Scope(branches=frozenset({company.east.pk}),
                                      teams=frozenset({company.west_team.pk})))]
    read = [_figures(f) for f in filters]
    assert read[0]["overview"]["respondents"] == 3
    monkeypatch.setattr(DashboardFilter, "rollup_rows", _fine)
    for f, got in zip(filters, read, strict=True):
        assert got == _figures(f), f


def test_unsliced_reads_use_the_whole_instrument_rows(answered, company):
    for f, table, grain in ((everything(), "surveys_rolluptotal", '"grain" = 0'),
                            (everything(branch=company.east.pk), "surveys_rolluptotal",
                             '"grain" = 1'),
                            (everything(tier=company.vip.pk), "surveys_rolluptotal",
                             '"grain" = 2'),
                            (everything(channel="phone"), "surveys_rollup", None)):
        with CaptureQueriesContext(connection) as captured:
            servqual.overview(f)
        rollup_sql = [q["sql"] for q in captured.captured_queries if "surveys_rollup" in q["sql"]]
        assert len(rollup_sql) == 1 and f'FROM "{table}"' in rollup_sql[0]
        if grain:
            assert grain in rollup_sql[0]
    # the scores per team read per-unit rows even without a filter
    with CaptureQueriesContext(connection) as captured:
        scores.by_team(everything())
    assert any('"grain" = 1' in q["sql"] for q in captured.captured_queries)


def test_the_scores_page_reads_four_groupings_in_few_queries(answered,
                                                             django_assert_max_num_queries):
    # one query for the instruments, two for the rollups, three for the names
    with django_assert_max_num_queries(6):
        got = scores.by_groups(everything(), ("team", "agent", "branch", "month"))
    assert got["team"] == scores.by_team(everything())
    assert got["month"] == scores.trend(everything())
