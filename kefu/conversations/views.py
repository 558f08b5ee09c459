"""E-mail in the console: the ticket-page panel listing the ticket's outgoing e-mail, their
delivery state and bounce reports, and the admin's "send again" for a failed, uncertain or
bounced one."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kefu.accounts.models import Role
from kefu.console.views import staff_required
from kefu.core.errors import ApplicationError, PermissionDenied

from .outbound import outbound_get_for, ticket_emails
from .sending import REQUEUEABLE, outbound_requeue

app_name = "conversations"
PANEL_ROWS = 20


def panel(request, ticket):
    """The side-column panel: the ticket's outgoing e-mail, newest first, with their state;
    None when the ticket has none and did not come in by e-mail."""
    viewer = request.user
    if not viewer.is_staff_member:
        return None
    rows = list(ticket_emails(ticket).order_by("-created_at", "-pk")[:PANEL_ROWS + 1])
    if not rows and ticket.channel != "email":
        return None
    is_admin = viewer.role == Role.ADMIN
    for row in rows:
        row.viewer_can_requeue = is_admin and row.state in REQUEUEABLE
    return "conversations/email_panel.html", {
        "emails": rows[:PANEL_ROWS], "more": len(rows) > PANEL_ROWS,
    }


@require_POST
@staff_required
def requeue_view(request, email_id):
    row = outbound_get_for(request.user, email_id)
    try:
        outbound_requeue(outbound=row, actor=request.user)
    except PermissionDenied:
        return render(request, "console/forbidden.html", status=403)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The e-mail is queued to be sent again."))
    if row.ticket_id is None:
        return redirect("console:inbox")
    return redirect("console:ticket", ticket_id=row.ticket_id)


urlpatterns = [
    path("emails/<int:email_id>/requeue/", requeue_view, name="email_requeue"),
]
