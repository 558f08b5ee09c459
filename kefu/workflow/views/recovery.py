"""Service recovery in the console: the ticket-page panel (actions, "within your limit"
and a request form), the approval queue page, and the timeline sentences of its events."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kefu.console.views import staff_required
from kefu.core.errors import ApplicationError, NotFound
from kefu.tickets.access import ticket_get_for

from .. import recovery_rules as rules
from .. import selectors_recovery as selectors
from ..models import RecoveryAction
from ..models.recovery import RecoveryKind
from ..services import recovery as services

PANEL_ROWS = 20
KIND_LABELS = dict(RecoveryKind.choices)


def _mark(actions, viewer, rows) -> list[RecoveryAction]:
    for action in actions:
        action.viewer_can_decide = selectors.can_decide(viewer, action, rows)
        action.viewer_can_cancel = selectors.can_cancel(viewer, action)
    return actions


def _limits_for(viewer, rows, tier_id) -> list[dict]:
    """The viewer's limit per kind for this customer's tier, in CNY and any currency they
    have a row for."""
    currencies = sorted({rules.DEFAULT_CURRENCY} | {row.currency for row in rows})
    return [{"kind": kind, "label": label, "currency": currency,
             "amount": rules.limit_amount(rows, role=viewer.role, tier_id=tier_id, kind=kind,
                                          currency=currency)}
            for currency in currencies for kind, label in RecoveryKind.choices]


def panel(request, ticket):
    """The side-column panel: this ticket's recovery actions and, for writers, the form."""
    viewer = request.user
    if not viewer.is_staff_member:
        return None
    rows = selectors.limit_rows(viewer.role)
    actions, more = selectors.ticket_actions(ticket, limit=PANEL_ROWS)
    limits = _limits_for(viewer, rows, ticket.customer.tier_id)
    return "workflow/recovery_panel.html", {
        "actions": _mark(actions, viewer, rows),
        "more": more is not None,
        "limits": limits,
        "limits_json": {f"{item['kind']} {item['currency']}": str(item["amount"])
                        for item in limits},
        "kinds": RecoveryKind.choices,
        "can_request": viewer.can_write and ticket.status != "closed",
        "default_currency": rules.DEFAULT_CURRENCY,
        "next": reverse("console:ticket", args=[ticket.pk]),
    }


def _back(request, default: str):
    target = request.POST.get("next") or default
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        target = default
    return redirect(target)


@require_POST
@staff_required
def request_view(request, ticket_id):
    ticket = ticket_get_for(request.user, ticket_id)
    currency = (request.POST.get("currency") or rules.DEFAULT_CURRENCY).strip().upper()
    try:
        action = services.recovery_request(
            ticket=ticket, actor=request.user, kind=request.POST.get("kind", ""),
            amount=request.POST.get("amount", ""), currency=currency,
            note=request.POST.get("note", ""))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        if action.status == RecoveryAction.Status.GRANTED:
            messages.success(request, _("Recovery granted (within your limit)."))
        else:
            messages.success(request, _("Above your limit: the request waits for approval."))
    return redirect("console:ticket", ticket_id=ticket.pk)


def _decision(request, action_id, decide, done: str):
    action = selectors.recovery_get_for(request.user, action_id)
    default = reverse("console:ticket", args=[action.ticket_id])
    try:
        decide(action)
    except NotFound:
        raise
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return _back(request, default)


@require_POST
@staff_required
def approve_view(request, action_id):
    return _decision(request, action_id, lambda action: services.recovery_approve(
        action=action, actor=request.user, reason=request.POST.get("reason", "")),
        _("Recovery approved."))


@require_POST
@staff_required
def reject_view(request, action_id):
    return _decision(request, action_id, lambda action: services.recovery_reject(
        action=action, actor=request.user, reason=request.POST.get("reason", "")),
        _("Recovery rejected."))


@require_POST
@staff_required
def cancel_view(request, action_id):
    return _decision(request, action_id, lambda action: services.recovery_cancel(
        action=action, actor=request.user), _("Recovery request cancelled."))


@staff_required
def approvals_view(request):
    """Requests waiting for the signed-in user: oldest first, approve or reject each."""
    viewer = request.user
    error = None
    limits = selectors.limit_rows(viewer.role)
    try:
        rows, next_cursor = selectors.approval_queue(viewer, cursor=request.GET.get("cursor"),
                                                     limit=25, rows=limits)
    except ApplicationError as exc:
        rows, next_cursor, error = [], None, exc.message
    return render(request, "workflow/recovery_approvals.html", {
        "rows": _mark(rows, viewer, limits),
        "next_cursor": next_cursor, "error": error,
        "here": reverse("workflow:recovery_approvals"),
    }, status=400 if error else 200)


urlpatterns = [
    path("tickets/<int:ticket_id>/recovery/", request_view, name="recovery_request"),
    path("recovery/approvals/", approvals_view, name="recovery_approvals"),
    path("recovery/<int:action_id>/approve/", approve_view, name="recovery_approve"),
    path("recovery/<int:action_id>/reject/", reject_view, name="recovery_reject"),
    path("recovery/<int:action_id>/cancel/", cancel_view, name="recovery_cancel"),
]


# --- timeline sentences ----------------------------------------------------------------


def _what(data: dict) -> str:
    """"Refund 120.00 CNY", or just "Apology visit" when nothing is paid."""
    kind = str(KIND_LABELS.get(data.get("kind"), data.get("kind") or ""))
    try:
        paid = Decimal(str(data.get("amount", "0"))) != 0
    except (InvalidOperation, ValueError):
        paid = True
    if not paid:
        return kind
    return _("%(kind)s %(amount)s %(currency)s") % {
        "kind": kind, "amount": data.get("amount", ""), "currency": data.get("currency", "")}


def _with_reason(text: str, data: dict) -> str:
    return f"{text} — {data['reason']}" if data.get("reason") else text


EVENT_TEXTS = {
    "recovery_granted": lambda d, names: _(
        "granted service recovery: %(what)s (within their own limit)") % {"what": _what(d)},
    "recovery_requested": lambda d, names: _(
        "asked for service recovery: %(what)s, waiting for approval") % {"what": _what(d)},
    "recovery_approved": lambda d, names: _with_reason(
        _("approved service recovery: %(what)s") % {"what": _what(d)}, d),
    "recovery_rejected": lambda d, names: _with_reason(
        _("rejected service recovery: %(what)s") % {"what": _what(d)}, d),
    "recovery_cancelled": lambda d, names: _(
        "cancelled the request for service recovery: %(what)s") % {"what": _what(d)},
}
