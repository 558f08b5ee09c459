"""Outgoing e-mail endpoints: /api/v1/tickets/{id}/emails (staff: a ticket's e-mail, their
delivery state, bounce reports and files) and /api/v1/emails/{id}/requeue (admins: send a
failed, uncertain or bounced e-mail again)."""

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
from .sending import REQUEUEABLE, outbound_requeue

router = Router(tags=["email"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut,
          422: ErrorOut}


class DeliveryReportOut(Schema):
    action: str = Field(description="failed (the e-mail bounced) or delayed (still tried)")
    status: str = Field(description="the enhanced status code, e.g. 5.1.1")
    diagnostic: str = Field(description="what the receiving server said")
    recipient: str
    reported_at: datetime | None


class EmailFileOut(Schema):
    id: int = Field(description="the attachment")
    filename: str
    size: int
    how: str = Field(description="attached, linked (over the size limit: a portal link), "
                                 "or missing (the stored file could not be read)")


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
    delivery_report: DeliveryReportOut | None = Field(
        description="the latest bounce or delay report about it")
    files: list[EmailFileOut] = Field(description="the reply's files, as sent")
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
            "delivery_report": {"action": row.dsn_action, "status": row.dsn_status,
                                "diagnostic": row.dsn_diagnostic,
                                "recipient": row.dsn_recipient,
                                "reported_at": row.dsn_at} if row.dsn_action else None,
            "files": [f for f in (row.files or []) if isinstance(f, dict)],
            "can_requeue": user.role == Role.ADMIN and row.state in REQUEUEABLE}


def _staff_only(user) -> None:
    if user.role == Role.CUSTOMER:
        raise PermissionDenied(_("The e-mail delivery log is internal."))


@router.get("/tickets/{ticket_id}/emails", response={200: EmailPage, **ERRORS})
def list_ticket_emails(request, ticket_id: int, cursor: str | None = None, limit: int = 25):
    """The ticket's outgoing e-mail and their delivery state (queued, sending, sent, failed,
    uncertain, bounced), with the latest bounce or delay report, newest first. Staff only."""
    ticket = ticket_get_for(request.auth, ticket_id)
    _staff_only(request.auth)
    rows, nxt = keyset_page(ticket_emails(ticket), field="created_at", descending=True,
                            cursor=cursor, limit=limit)
    return {"items": [email_out(row, request.auth) for row in rows], "next": nxt}


@router.post("/emails/{email_id}/requeue", response={200: EmailOut, **ERRORS})
def requeue_email(request, email_id: int):
    """Admins: send a failed, uncertain or bounced e-mail again (check that an uncertain
    one did not arrive first: it may have). Anything else answers 409."""
    row = outbound_get_for(request.auth, email_id)
    row = outbound_requeue(outbound=row, actor=request.auth)
    return email_out(row, request.auth)
