"""Outgoing e-mail endpoints: /api/v1/tickets/{id}/emails (staff: a ticket's e-mail and
their delivery state) and /api/v1/emails/{id}/requeue (admins: send a failed or uncertain
e-mail again)."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _
from ninja import Router, Schema
from pydantic import Field

from kefu.accounts.models import Role
from kefu.api.schemas import ErrorOut
from kefu.core.errors import PermissionDenied
from kefu.core.pagination import keyset_page
from kefu.tickets.access import ticket_get_for

from .models import OutboundEmail
from .outbound import outbound_get_for, ticket_emails
from .sending import outbound_requeue

router = Router(tags=["email"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut,
          422: ErrorOut}
REQUEUEABLE = (OutboundEmail.State.FAILED, OutboundEmail.State.UNCERTAIN)


class EmailOut(Schema):
    id: int
    ticket_id: int | None
    message_id_of_reply: int | None = Field(description="the ticket message it carries")
    kind: str
    state: str
    to_address: str
    subject: str
    language: str
    message_id: str
    in_reply_to: str
    attempts: int
    last_error: str
    next_attempt_at: datetime | None
    created_at: datetime
    sent_at: datetime | None
    can_requeue: bool


class EmailPage(Schema):
    items: list[EmailOut]
    next: str | None


def email_out(row: OutboundEmail, user) -> dict:
    return {"id": row.pk, "ticket_id": row.ticket_id, "message_id_of_reply": row.ticket_message_id,
            "kind": row.kind, "state": row.state, "to_address": row.to_address,
            "subject": row.subject, "language": row.language, "message_id": row.message_id,
            "in_reply_to": row.in_reply_to, "attempts": row.attempts,
            "last_error": row.last_error, "next_attempt_at": row.next_attempt_at,
            "created_at": row.created_at, "sent_at": row.sent_at,
            "can_requeue": user.role == Role.ADMIN and row.state in REQUEUEABLE}


def _staff_only(user) -> None:
    if user.role == Role.CUSTOMER:
        raise PermissionDenied(_("The e-mail delivery log is internal."))


@router.get("/tickets/{ticket_id}/emails", response={200: EmailPage, **ERRORS})
def list_ticket_emails(request, ticket_id: int, cursor: str | None = None, limit: int = 25):
    """The ticket's outgoing e-mail and their delivery state (queued, sending, sent, failed,
    uncertain), newest first. Staff only."""
    ticket = ticket_get_for(request.auth, ticket_id)
    _staff_only(request.auth)
    rows, nxt = keyset_page(ticket_emails(ticket), field="created_at", descending=True,
                            cursor=cursor, limit=limit)
    return {"items": [email_out(row, request.auth) for row in rows], "next": nxt}


@router.post("/emails/{email_id}/requeue", response={200: EmailOut, **ERRORS})
def requeue_email(request, email_id: int):
    """Admins: send a failed or uncertain e-mail again (check that an uncertain one did not
    arrive first: it may have). Anything else answers 409."""
    row = outbound_get_for(request.auth, email_id)
    row = outbound_requeue(outbound=row, actor=request.auth)
    return email_out(row, request.auth)
