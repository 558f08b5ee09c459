"""Dashboard reads: plain functions taking a ``filters.DashboardFilter`` and returning dicts
(JSON-ready) — the charts, the API, the exports, the weekly report and the public page all
call them. Survey figures come from the rollups (never the raw answers): ``RollupTotal``'s
coarser rows unless the filter sets a contact channel (``DashboardFilter.rollup_rows``);
ticket figures from aggregate queries over the ticket tables. See docs/dashboards.md.

- ``servqual``: overview (radar, gap bars), zone of tolerance, trend, gaps model;
- ``scores``: CSAT / NPS / CES by team, agent and branch, and by month;
- ``tickets``: complaint Pareto, SLA compliance, first-contact resolution and reopen rate;
- ``drill``: the responses and tickets behind a figure (same filter, same scope).
"""
