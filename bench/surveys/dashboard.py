"""The dashboard reads the survey benchmark measures: the dashboard selectors themselves
(``kefu.analytics.selectors``), called as the dashboard pages and the API call them — one
grouped query over the running totals (``Rollup``) per chart, never the raw answers.

- ``servqual_overview``: for a period × branch / team / tier filter, expectation, perception
  and gap per dimension and per item with 95 % intervals, the overall and the weighted gap,
  the importance shares, the number of respondents (radar, gap bars) —
  ``selectors.servqual.overview``;
- ``servqual_trend``: the gap per dimension and overall, month by month —
  ``selectors.servqual.trend``;
- ``scores_by_team``: CSAT (% satisfied, Wilson interval), NPS (with its interval) and CES per
  team, with the sample sizes — ``selectors.scores.by_team`` (its rows as ``teams``);
- ``scores_page``: the same per team, agent, branch and month, as the scores page reads them
  (``selectors.scores.by_groups``).

The selectors read ``RollupTotal`` (every slice summed, or per branch × team × agent) unless
the filter sets a tier or a channel (then ``Rollup``): see ``DashboardFilter.rollup_rows``.
"""

from __future__ import annotations

from datetime import date

from kefu.analytics.selectors import scores, servqual
from kefu.analytics.selectors.filters import DashboardFilter


def Filter(start: date, end: date, *, branch: int | None = None,  # noqa: N802
           team: int | None = None, tier: int | None = None,
           channel: str | None = None) -> DashboardFilter:
    """The dashboard filter for a whole-month period (``end``: the first day of the last
    month), everything in scope (the bench reads as an administrator)."""
    return DashboardFilter(start=start, end=end, branch=branch, team=team, tier=tier,
                           channel=channel)


def servqual_overview(f: DashboardFilter) -> dict:
    return servqual.overview(f)


def servqual_trend(f: DashboardFilter) -> dict:
    return servqual.trend(f)


def scores_by_team(f: DashboardFilter) -> dict:
    result = scores.by_team(f)
    return {**result, "teams": result["rows"]}


def scores_page(f: DashboardFilter) -> dict:
    return scores.by_groups(f, ("team", "agent", "branch", "month"))


VIEWS = {"servqual_overview": servqual_overview, "servqual_trend": servqual_trend,
         "scores_by_team": scores_by_team, "scores_page": scores_page}
