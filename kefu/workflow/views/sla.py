"""The ticket page's SLA panel, the alerts page (the console's bell) and the timeline
sentences of SLA and deadline events."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kefu.console.views import staff_required

from ..services.alerts import alert_mark_read, alerts_for
from ..services.sla import TARGET_NAMES, ticket_sla


def panel(request, ticket):
    sla = ticket_sla(ticket)
    if not sla["targets"]:
        return None
    for target in sla["targets"]:
        target["name"] = _(TARGET_NAMES[target["target"]])
    return "workflow/sla_panel.html", sla


@staff_required
def alerts_view(request):
    rows = list(alerts_for(request.user).select_related("ticket")[:100])
    return render(request, "workflow/sla_alerts.html", {"alerts": rows})


@staff_required
def alerts_badge_view(request):
    """The unread count beside "Alerts" in the header, fetched after the page and every
    minute (so a new alert shows up without reloading, and pages don't wait for it)."""
    count = alerts_for(request.user, unread_only=True).count()
    return render(request, "workflow/sla_alerts_badge.html", {"unread": count})


@require_POST
@staff_required
def alerts_read_view(request):
    alert_mark_read(user=request.user)
    return redirect("workflow:alerts")


urlpatterns = [
    path("alerts/", alerts_view, name="alerts"),
    path("alerts/read/", alerts_read_view, name="alerts_read"),
    path("alerts/badge/", alerts_badge_view, name="alerts_badge"),
]

EVENT_TEXTS = {
    "commitment_broken": lambda data, names: _("missed the deadline promised to the customer"),
}
