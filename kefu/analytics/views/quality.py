"""Closed loop and impact pages: the word-of-mouth and churn impact panel in the console
(``/quality/impact/``: supervisors, administrators and auditors, within their scope;
administrators edit the assumptions there) and the public service-quality supervision page
(``/quality/public/``: no sign-in, 404 while switched off)."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from kefu.accounts.models import Role
from kefu.core.errors import ApplicationError, PermissionDenied

from .. import impact, public, quality_figures, quality_services
from ..selectors.filters import filter_for
from .dashboards import _choices, dashboard_page


def _labels() -> dict[str, str]:
    """The panel's lines by key (the numbers come from ``impact.py``)."""
    return {
        "per_person": _("People one dissatisfied customer tells, on average"),
        "told": _("People who hear about these bad experiences"),
        "repair": _("Good experiences needed to make up for them"),
        "estimated": _("Dissatisfied customers, complaining or not"),
        "silent": _("Of whom stayed silent"),
        "lost": _("Silent dissatisfied customers likely to leave"),
        "told_all": _("People who hear about it from all of them"),
        "replace": _("Cost of winning back as many new customers (× the cost of keeping one)"),
        "replace_cost": _("The same in money"),
    }


def _assumption_rows(a: impact.Assumptions, currency: str) -> list[dict]:
    pct = impact.percent
    return [
        {"field": "tell", "value": a.tell, "text": _("A dissatisfied customer tells %(n)s people.")
         % {"n": impact.number(a.tell)}},
        {"field": "loud_share", "value": a.loud_share,
         "text": _("%(share)s of dissatisfied customers tell %(n)s people instead.")
         % {"share": pct(a.loud_share), "n": impact.number(a.loud_tell)}},
        {"field": "loud_tell", "value": a.loud_tell, "text": ""},
        {"field": "complain_share", "value": a.complain_share,
         "text": _("Only %(share)s of dissatisfied customers complain.")
         % {"share": pct(a.complain_share)}},
        {"field": "silent_leave_share", "value": a.silent_leave_share,
         "text": _("%(share)s of those who stay silent leave.")
         % {"share": pct(a.silent_leave_share)}},
        {"field": "repair", "value": a.repair,
         "text": _("%(n)s good experiences repair one bad one.") % {"n": impact.number(a.repair)}},
        {"field": "acquisition_multiple", "value": a.acquisition_multiple,
         "text": _("Winning a new customer costs %(n)s times keeping one.")
         % {"n": impact.number(a.acquisition_multiple)}},
    ]


def _steps(steps: list[impact.Step]) -> list[dict]:
    labels = _labels()
    return [{"key": s.key, "label": labels[s.key], "formula": s.formula,
             "value": impact.number(s.value)} for s in steps]


@dashboard_page
def impact_view(request):
    f = filter_for(request.user, request.GET)
    row = quality_services.assumptions_current()
    assumptions = row.assumptions()
    counts = quality_figures.dissatisfied_answers(f)
    complaints = quality_figures.complaints_received(f)
    result = impact.estimate(dissatisfied=sum(counts.values()), complaints=complaints,
                             assumptions=assumptions)
    query = "&".join(f"{k}={v}" for k, v in f.params().items())
    return render(request, "analytics/impact.html", {
        "f": f, "choices": _choices(request.user, f), "query": query,
        "start_month": f.start.strftime("%Y-%m"), "end_month": f.end.strftime("%Y-%m"),
        "counts": counts, "complaints": complaints, "result": result,
        "word_of_mouth": _steps(result.word_of_mouth), "iceberg": _steps(result.iceberg),
        "assumptions": _assumption_rows(assumptions, row.currency), "row": row,
        "can_edit": request.user.role == Role.ADMIN,
        "error": request.GET.get("error") == "1",
        "drill_responses": reverse("analytics:responses"),
        "drill_tickets": reverse("analytics:ticket_list")})


@require_POST
@dashboard_page
def impact_assumptions_view(request):
    values = {name: request.POST.get(name) for name in
              (*quality_services.ASSUMPTION_FIELDS, "keep_cost", "currency")
              if name in request.POST}
    try:
        quality_services.assumptions_save(actor=request.user, values=values)
    except PermissionDenied:
        raise  # the page's 403
    except ApplicationError as exc:
        from django.contrib import messages

        messages.error(request, exc.message)
        return redirect(reverse("quality:impact") + "?error=1")
    return redirect("quality:impact")


# --- the public supervision page ------------------------------------------------------------

def _public_language(request) -> str:
    wanted = (request.GET.get("lang") or "").lower()
    if wanted in ("zh-hans", "en"):
        return wanted
    return "en" if (get_language() or "").lower().startswith("en") else "zh-hans"


@require_GET
def public_view(request):
    page = quality_services.public_page_current()
    if not page.enabled:
        raise Http404
    language = _public_language(request)
    html = public.cached_page(page, language, lambda: render(
        request, "analytics/public.html",
        {**public.page_context(page, language), "language": language}).content)
    response = HttpResponse(html)
    response["Cache-Control"] = f"public, max-age={page.cache_seconds}"
    response["Content-Language"] = "zh-Hans" if language == "zh-hans" else "en"
    response["Vary"] = "Accept-Language, Cookie"
    return response


urlpatterns = [
    path("quality/impact/", impact_view, name="impact"),
    path("quality/impact/assumptions/", impact_assumptions_view, name="impact_assumptions"),
    path("quality/public/", public_view, name="public"),
]
