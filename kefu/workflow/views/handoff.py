"""Console: the hand-off panel on the ticket page, the queue of requests waiting for my
teams, and the request / accept / reject / cancel forms."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kefu.accounts.lookups import teams_by_id
from kefu.accounts.models import Role
from kefu.console.views import _act, staff_required
from kefu.core.errors import ApplicationError, NotFound
from kefu.tickets.access import tickets_for

from ..models import Handoff
from ..selectors_complaint import (
    handoff_get_for,
    handoff_queue,
    handoffs_of_ticket,
    handoffs_requested_by,
)
from ..services import handoff as services

PANEL_HISTORY = 10


def panel(request, ticket):
    """Side panel: the open request (who asked, which team, since when), what the viewer may
    do about it, the form to ask for one, and the last few decisions."""
    user = request.user
    if user.role == Role.CUSTOMER:
        return None
    handoffs = list(handoffs_of_ticket(ticket).order_by("-created_at", "-pk")[:PANEL_HISTORY])
    open_one = next((h for h in handoffs if h.status == Handoff.Status.OPEN), None)
    writable = user.can_write and ticket.status != "closed"
    context = {
        "open": open_one,
        "history": [h for h in handoffs if h is not open_one],
        "can_request": writable and open_one is None,
        "can_decide": bool(open_one and user.can_write and services.may_decide(user, open_one.to_team)),
        "can_cancel": bool(open_one and user.can_write and services.may_cancel(user, open_one)),
        "teams": sorted((t for t in teams_by_id().values() if t.pk != ticket.team_id),
                        key=lambda t: t.code),
        "remind_hours": services.remind_hours(),
    }
    return "workflow/handoff_panel.html", context


@require_POST
@staff_required
def request_view(request, ticket_id):
    def action(ticket):
        team_id = request.POST.get("to_team", "")
        team = teams_by_id().get(int(team_id)) if team_id.isdigit() else None
        if team is None:
            raise ApplicationError("required", _("Choose the team to hand the ticket to."))
        services.handoff_request(ticket=ticket, actor=request.user, to_team=team,
                                 note=request.POST.get("note", ""))
        messages.success(request, _("Hand-off requested. You stay the owner and accountable."))
    return _act(request, ticket_id, action)


def _back(request, handoff: Handoff | None, *, to_ticket: bool):
    """To the ticket if the user can still open it, else to ``next`` or the queue."""
    if to_ticket and handoff is not None and tickets_for(request.user).filter(
            pk=handoff.ticket_id).exists():
        return redirect("console:ticket", ticket_id=handoff.ticket_id)
    back = request.POST.get("next") or ""
    if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect("workflow:handoff_queue")


def _decide(request, handoff_id, action, done: str, *, to_ticket: bool):
    handoff = None
    try:
        handoff = handoff_get_for(request.user, handoff_id)
        action(handoff)
        messages.success(request, done)
    except ApplicationError as exc:
        if isinstance(exc, NotFound):
            raise
        messages.error(request, exc.message)
    return _back(request, handoff, to_ticket=to_ticket)


@require_POST
@staff_required
def accept_view(request, handoff_id):
    return _decide(request, handoff_id,
                   lambda h: services.handoff_accept(handoff=h, actor=request.user),
                   _("Hand-off accepted: the ticket is now with your team and assigned to you."),
                   to_ticket=True)


@require_POST
@staff_required
def reject_view(request, handoff_id):
    return _decide(request, handoff_id,
                   lambda h: services.handoff_reject(handoff=h, actor=request.user,
                                                     reason=request.POST.get("reason", "")),
                   _("Hand-off rejected; the owner has been told why."),
                   to_ticket=request.POST.get("back") == "ticket")


@require_POST
@staff_required
def cancel_view(request, handoff_id):
    return _decide(request, handoff_id,
                   lambda h: services.handoff_cancel(handoff=h, actor=request.user,
                                                     reason=request.POST.get("reason", "")),
                   _("Hand-off cancelled."), to_ticket=True)


STATUS_FILTERS = ("open", "accepted", "rejected", "cancelled")


@staff_required
def queue_view(request):
    """Requests waiting for my teams (to accept or reject), and my own open requests."""
    status = request.GET.get("status", "open")
    if status not in STATUS_FILTERS:
        status = "open"
    error = None
    try:
        rows, next_cursor = handoff_queue(request.user, status=status,
                                          cursor=request.GET.get("cursor"), limit=25)
    except ApplicationError as exc:
        rows, next_cursor, error = [], None, exc.message
    user = request.user
    for h in rows:
        h.can_decide = (h.status == Handoff.Status.OPEN and user.can_write
                        and services.may_decide(user, h.to_team))
    context = {"rows": rows, "next_cursor": next_cursor, "status": status, "error": error,
               "statuses": [(s, Handoff.Status(s).label) for s in STATUS_FILTERS],
               "mine": handoffs_requested_by(user) if user.can_write else [],
               "remind_hours": services.remind_hours()}
    return render(request, "workflow/handoff_queue.html", context, status=400 if error else 200)


def _team_name(team_id) -> str:
    team = teams_by_id({team_id} if team_id else ()).get(team_id)
    return team.label if team is not None else (f"#{team_id}" if team_id else "")


EVENT_TEXTS = {
    "handoff_requested": lambda d, names: _(
        "handed the ticket to %(team)s (转后台): %(note)s; the owner stays accountable")
    % {"team": _team_name(d.get("to_team")), "note": d.get("note", "")},
    "handoff_accepted": lambda d, names: _(
        "accepted the hand-off for %(team)s and is working on it; the owner is unchanged")
    % {"team": _team_name(d.get("to_team"))},
    "handoff_rejected": lambda d, names: _("rejected the hand-off to %(team)s: %(reason)s")
    % {"team": _team_name(d.get("to_team")), "reason": d.get("reason", "")},
    "handoff_cancelled": lambda d, names: _("cancelled the hand-off to %(team)s")
    % {"team": _team_name(d.get("to_team"))},
    "handoff_reminded": lambda d, names: _(
        "reminded the owner: the hand-off to %(team)s has waited %(hours)s hours")
    % {"team": _team_name(d.get("to_team")), "hours": d.get("hours", "")},
}

urlpatterns = [
    path("tickets/<int:ticket_id>/handoffs/", request_view, name="handoff_request"),
    path("handoffs/", queue_view, name="handoff_queue"),
    path("handoffs/<int:handoff_id>/accept/", accept_view, name="handoff_accept"),
    path("handoffs/<int:handoff_id>/reject/", reject_view, name="handoff_reject"),
    path("handoffs/<int:handoff_id>/cancel/", cancel_view, name="handoff_cancel"),
]
