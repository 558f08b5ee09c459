"""One lazily loaded panel of the ticket page (see kefu.workflow.panels)."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import path

from kefu.console.views import staff_required
from kefu.tickets.access import ticket_get_for

from ..panels import BY_NAME, render_panel


@staff_required
def ticket_panel_view(request, ticket_id: int, name: str):
    panel = BY_NAME.get(name)
    if panel is None:
        raise Http404
    ticket = ticket_get_for(request.user, ticket_id, with_customer_360=name == "recovery")
    rendered = render_panel(panel, request, ticket)
    if rendered is None:
        return HttpResponse("")
    return render(request, rendered["template"], {"panel": rendered["context"], "ticket": ticket})


urlpatterns = [
    path("tickets/<int:ticket_id>/panels/<slug:name>/", ticket_panel_view, name="ticket_panel"),
]
