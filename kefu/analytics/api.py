"""/api/v1/analytics/…: the dashboards' figures as JSON — exactly what the charts draw —
and the drill-down lists, for supervisors (their branch and teams), administrators and
auditors; agents and customers get 403. Every endpoint takes the dashboard filter as query
parameters: ``start`` / ``end`` (YYYY-MM; default the last twelve months), ``branch``,
``team``, ``tier``, ``agent`` (ids), ``channel``, ``min_n`` (groups below it are flagged,
not ranked; default 30)."""

from __future__ import annotations

from ninja import Query, Router, Schema
from pydantic import Field

from kefu.api.schemas import ErrorOut

from .exports import TABLES, table_rows
from .selectors import drill, scores, servqual, tickets
from .selectors.filters import DashboardFilter, dashboard_scope, filter_for, parse_id

router = Router(tags=["analytics"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
_Text = Field(default=None, max_length=20)


class FilterQuery(Schema):
    start: str | None = _Text
    end: str | None = _Text
    branch: str | None = _Text
    team: str | None = _Text
    tier: str | None = _Text
    agent: str | None = _Text
    channel: str | None = _Text
    min_n: str | None = _Text


def _filter(request, q: FilterQuery) -> DashboardFilter:
    return filter_for(request.auth, {k: v for k, v in q.dict().items() if v is not None})


def _figure(path: str, selector, summary: str):
    @router.get(path, response={200: dict, **ERRORS}, summary=summary,
                operation_id=f"analytics_{selector.__module__.rsplit('.', 1)[-1]}_"
                             f"{selector.__name__}")
    def endpoint(request, q: Query[FilterQuery]):
        return selector(_filter(request, q))
    return endpoint


_figure("/analytics/servqual/overview", servqual.overview,
        "SERVQUAL expectation, perception and gap per dimension and item (radar, gap bars)")
_figure("/analytics/servqual/zone", servqual.zone, "Zone of tolerance (three-column form)")
_figure("/analytics/servqual/trend", servqual.trend, "SERVQUAL gap per dimension by month")
_figure("/analytics/servqual/gaps-model", servqual.gaps_model,
        "Gap 1: customers' expectation against managers' estimate")
_figure("/analytics/scores/teams", scores.by_team, "CSAT, NPS and CES by team")
_figure("/analytics/scores/agents", scores.by_agent, "CSAT, NPS and CES by agent")
_figure("/analytics/scores/branches", scores.by_branch, "CSAT, NPS and CES by branch")
_figure("/analytics/scores/months", scores.trend, "CSAT, NPS and CES by month")
_figure("/analytics/tickets/pareto", tickets.complaint_pareto, "Complaints by category")
_figure("/analytics/tickets/sla", tickets.sla, "SLA compliance by team")
_figure("/analytics/tickets/resolution", tickets.resolution,
        "First-contact resolution and reopen rate by team")


class ResponsesQuery(FilterQuery):
    instrument: str = Field(default="servqual", max_length=40)
    low: str | None = _Text
    high: str | None = _Text
    cursor: str | None = Field(default=None, max_length=200)


def _score(value: str | None, name: str) -> int | None:
    if value is None or value.strip() == "":
        return None
    if value.strip() == "0":
        return 0
    return parse_id(value, name)


@router.get("/analytics/responses", response={200: dict, **ERRORS},
            summary="The responses behind a survey figure (same filter and scope)")
def responses(request, q: Query[ResponsesQuery]):
    base = FilterQuery(**{k: getattr(q, k) for k in FilterQuery.model_fields})
    return drill.responses(_filter(request, base), instrument=q.instrument,
                           low=_score(q.low, "low"), high=_score(q.high, "high"),
                           cursor=q.cursor)


@router.get("/analytics/responses/{response_id}", response={200: dict, **ERRORS},
            summary="One response behind a figure, with its answers")
def response(request, response_id: int):
    return drill.response(dashboard_scope(request.auth), response_id)


class TicketsQuery(FilterQuery):
    metric: str = Field(default="all", max_length=40)
    category: str | None = _Text
    cursor: str | None = Field(default=None, max_length=200)


@router.get("/analytics/tickets", response={200: dict, **ERRORS},
            summary="The tickets behind a ticket figure (same filter and scope)")
def ticket_list(request, q: Query[TicketsQuery]):
    base = FilterQuery(**{k: getattr(q, k) for k in FilterQuery.model_fields})
    category = 0 if (q.category or "").strip() == "0" else parse_id(q.category, "category")
    return drill.tickets(_filter(request, base), metric=q.metric, category=category,
                         cursor=q.cursor)


@router.get("/analytics/tables/{table}", response={200: dict, **ERRORS},
            summary="A dashboard table as rows (the CSV / XLSX export's content)")
def table(request, table: str, q: Query[FilterQuery]):
    head, rows = table_rows(table, _filter(request, q))
    return {"table": table, "title": str(TABLES[table].title), "columns": [str(h) for h in head],
            "rows": rows}
