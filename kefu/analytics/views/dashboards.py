"""The manager dashboards in the console (``/dashboards/…``): service quality (SERVQUAL
radar, gap bars, zone of tolerance, trend, gaps model), CSAT / NPS / CES by team, agent,
branch and month, and ticket figures (complaint Pareto, SLA, first-contact resolution and
reopen rate); the drill-down lists behind every number; CSV / XLSX exports.

Every page reads its figures from ``kefu.analytics.selectors`` with a ``DashboardFilter``
built from the query string for the viewer (``filter_for``: scope and validation) and puts
the selectors' JSON in the page for ``static/analytics/dashboards.js`` to draw with
ECharts — the same JSON as ``/api/v1/analytics/…``. Agents and customers get 403.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _

from kefu.accounts.models import Branch, Team
from kefu.core.errors import ApplicationError, NotFound, PermissionDenied
from kefu.customers.models import Tier
from kefu.tickets.models import CHANNEL_CHOICES

from .. import exports
from ..selectors import drill, scores, servqual, tickets
from ..selectors.filters import DashboardFilter, dashboard_scope, filter_for, parse_id


def dashboard_page(view):
    """Signed-in supervisors, administrators and auditors (others: 403); a bad filter
    answers a page with the message and a way back (400); an object out of scope is 404."""
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect(f"{reverse('console:login')}?next={request.get_full_path()}")
        try:
            dashboard_scope(request.user)
        except PermissionDenied as exc:
            return render(request, "analytics/dashboard_forbidden.html",
                          {"message": exc.message}, status=403)
        try:
            return view(request, *args, **kwargs)
        except NotFound:
            return render(request, "console/not_found.html", status=404)
        except ApplicationError as exc:
            return render(request, "analytics/dashboard_error.html",
                          {"message": exc.message, "reset": request.path}, status=exc.status)
    return wrapper


def _choices(user, f: DashboardFilter) -> dict:
    """The filter form's options, limited to the viewer's scope."""
    branches = Branch.objects.order_by("code")
    teams = Team.objects.order_by("code")
    if not f.scope.everything:
        branches = branches.filter(pk__in=sorted(f.scope.branches))
        teams = teams.filter(pk__in=sorted(f.scope.teams)) | teams.filter(
            branch_id__in=sorted(f.scope.branches))
    return {"branches": [(b.pk, b.label) for b in branches],
            "teams": [(t.pk, t.label) for t in teams],
            "tiers": [(t.pk, t.label) for t in Tier.objects.order_by("rank", "code")],
            "channels": [(code, str(label)) for code, label in CHANNEL_CHOICES]}


def _i18n() -> dict[str, str]:
    """The words the charts draw (legends, axes), in the viewer's language."""
    return {
        "expectation": _("Expectation"), "perception": _("Perception"),
        "gap": _("Gap (P − E)"), "ci95": _("95% CI"), "desired": _("Desired"),
        "adequate": _("Adequate"), "perceived": _("Perceived"),
        "zone": _("Zone of tolerance"), "customers": _("Customers' expectation"),
        "managers": _("Managers' estimate"), "gap1": _("Gap 1 (listening gap)"),
        "complaints": _("Complaints"), "cumulative": _("Cumulative %"),
        "fr": _("First response met %"), "res": _("Resolution met %"),
        "fcr": _("First-contact resolution %"), "reopen": _("Reopen rate %"),
        "small": _("small sample"), "nodata": _("No data for this period and filter."),
        "csat": _("CSAT: satisfied (%)"), "nps": "NPS", "ces": _("CES (1–7, higher is easier)"),
    }


def _context(request, f: DashboardFilter, tab: str, data: dict, tables: list[str]) -> dict:
    query = urlencode(f.params())
    return {"f": f, "tab": tab, "data": data, "choices": _choices(request.user, f),
            "query": query, "start_month": f.start.strftime("%Y-%m"),
            "end_month": f.end.strftime("%Y-%m"),
            "i18n": _i18n(),
            "exports": [(name, str(exports.TABLES[name].title)) for name in tables],
            "drill": {"responses": reverse("analytics:responses"),
                      "tickets": reverse("analytics:ticket_list"), "params": f.params()}}


@dashboard_page
def quality_view(request):
    f = filter_for(request.user, request.GET)
    overview = servqual.overview(f)
    data = {"overview": overview, "zone": servqual.zone(f), "trend": servqual.trend(f),
            "gaps_model": servqual.gaps_model(f, overview_of=overview)}
    return render(request, "analytics/dashboard_quality.html", _context(
        request, f, "quality", data, ["servqual-dimensions", "servqual-items",
                                      "zone-of-tolerance", "servqual-trend", "gaps-model"]))


@dashboard_page
def scores_view(request):
    f = filter_for(request.user, request.GET)
    groups = scores.by_groups(f, ("team", "agent", "branch", "month"))
    data = {"teams": groups["team"], "agents": groups["agent"], "branches": groups["branch"],
            "months": groups["month"]}
    return render(request, "analytics/dashboard_scores.html", _context(
        request, f, "scores", data, ["scores-teams", "scores-agents", "scores-branches",
                                     "scores-months"]))


@dashboard_page
def tickets_view(request):
    f = filter_for(request.user, request.GET)
    data = {"pareto": tickets.complaint_pareto(f), "sla": tickets.sla(f),
            "resolution": tickets.resolution(f)}
    return render(request, "analytics/dashboard_tickets.html", _context(
        request, f, "tickets", data, ["complaint-pareto", "sla", "resolution"]))


def _score(request, name: str) -> int | None:
    raw = (request.GET.get(name) or "").strip()
    if not raw:
        return None
    value = 0 if raw == "0" else parse_id(raw, name)
    if value > 100:
        raise ApplicationError("invalid_filter", _("Scores lie between 0 and 100."),
                               details={"field": name})
    return value


def _responses_fetch(request):
    f = filter_for(request.user, request.GET)
    instrument = request.GET.get("instrument") or "servqual"
    low, high = _score(request, "low"), _score(request, "high")

    def fetch(cursor, limit=drill.PAGE):
        return drill.responses(f, instrument=instrument, low=low, high=high, cursor=cursor,
                               limit=limit)
    return f, fetch


def _list_context(request, f, page) -> dict:
    more = None
    if page["next"]:
        more = "?" + urlencode({**request.GET.dict(), "cursor": page["next"]})
    query = urlencode({k: v for k, v in request.GET.items() if k != "cursor"})
    return {**_context(request, f, "list", {}, []), "page": page, "more": more,
            "list_query": query}


@dashboard_page
def responses_view(request):
    f, fetch = _responses_fetch(request)
    page = fetch(request.GET.get("cursor"))
    return render(request, "analytics/dashboard_responses.html",
                  _list_context(request, f, page))


@dashboard_page
def responses_export_view(request, fmt: str):
    f, fetch = _responses_fetch(request)
    head, rows = exports.responses_rows(lambda cursor: fetch(cursor, 100))
    return exports.file_response("responses", head, rows, fmt,
                                 f"kefu-responses-{f.start:%Y%m}-{f.end:%Y%m}")


def _recovery(user, response_id: int) -> dict | None:
    """The recovery ticket the response opened, when the viewer may see that ticket (the
    response's scope is the dashboards'; the ticket's is the ticket pages': a branch
    supervisor may see a response whose recovery ticket went to another branch's team)."""
    from kefu.surveys.models import RecoveryLink
    from kefu.surveys.panel import _reason as reason_text  # the ticket panel's words
    from kefu.tickets.access import tickets_for

    link = RecoveryLink.objects.filter(
        response_id=response_id, ticket__in=tickets_for(user)).select_related("ticket").first()
    if link is None:
        return None
    return {"ticket": link.ticket_id, "subject": link.ticket.subject,
            "status": link.ticket.get_status_display(), "reason": reason_text(link),
            "created_at": link.created_at}


@dashboard_page
def response_view(request, response_id: int):
    found = drill.response(dashboard_scope(request.user), response_id)
    return render(request, "analytics/dashboard_response.html",
                  {"r": found, "recovery": _recovery(request.user, found["id"])})


def _tickets_fetch(request):
    f = filter_for(request.user, request.GET)
    category = request.GET.get("category")
    category_id = 0 if category == "0" else parse_id(category, "category")
    metric = request.GET.get("metric") or "all"

    def fetch(cursor, limit=drill.PAGE):
        return drill.tickets(f, metric=metric, category=category_id, cursor=cursor,
                             limit=limit)
    return f, fetch


@dashboard_page
def ticket_list_view(request):
    f, fetch = _tickets_fetch(request)
    page = fetch(request.GET.get("cursor"))
    return render(request, "analytics/dashboard_ticket_list.html",
                  _list_context(request, f, page))


@dashboard_page
def ticket_list_export_view(request, fmt: str):
    f, fetch = _tickets_fetch(request)
    head, rows = exports.tickets_rows(lambda cursor: fetch(cursor, 100))
    return exports.file_response("tickets", head, rows, fmt,
                                 f"kefu-tickets-{f.start:%Y%m}-{f.end:%Y%m}")


@dashboard_page
def export_view(request, table: str, fmt: str):
    f = filter_for(request.user, request.GET)
    return exports.export(table, f, fmt)


urlpatterns = [
    path("dashboards/", quality_view, name="quality"),
    path("dashboards/scores/", scores_view, name="scores"),
    path("dashboards/tickets/", tickets_view, name="tickets"),
    path("dashboards/responses/", responses_view, name="responses"),
    path("dashboards/responses/<int:response_id>/", response_view, name="response"),
    path("dashboards/responses/export.<str:fmt>", responses_export_view,
         name="responses_export"),
    path("dashboards/tickets/list/", ticket_list_view, name="ticket_list"),
    path("dashboards/tickets/list/export.<str:fmt>", ticket_list_export_view,
         name="ticket_list_export"),
    path("dashboards/export/<slug:table>.<str:fmt>", export_view, name="export"),
]
