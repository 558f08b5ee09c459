"""The customer's ticket writes from the portal: filing (with files), answering, confirming
a resolution, reopening — through the ticket services with the customer's login as the
actor, each checking again that the ticket is the customer's own and not internal."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from kefu.accounts.models import Role, User
from kefu.core.errors import ApplicationError, Conflict, NotFound
from kefu.tickets import rules
from kefu.tickets.models import Message, Ticket
from kefu.tickets.services import attachment_add, ticket_create, ticket_reply, ticket_transition

from .services import check_customer_type, customer_of


def _require_own(ticket: Ticket, user: User) -> None:
    """Defence in depth behind ``ticket_get_for``: only the customer's own, non-internal
    tickets."""
    if (user.role != Role.CUSTOMER or ticket.type == rules.Type.INTERNAL
            or ticket.customer.user_id != user.pk):
        raise NotFound(_("Ticket"), ticket.pk)


def _attach_all(ticket: Ticket, user: User, uploads, message: Message | None = None) -> list:
    """Add the files; if one is refused, the files already stored are removed (the caller's
    transaction rolls their rows back)."""
    added = []
    try:
        for upload in uploads or ():
            added.append(attachment_add(ticket=ticket, actor=user, upload=upload, message=message))
    except Exception:
        for attachment in added:
            attachment.file.storage.delete(attachment.file.name)
        raise
    return added


@transaction.atomic
def portal_ticket_create(*, user: User, subject: str, description: str = "",
                         type: str = "inquiry", uploads=()) -> Ticket:
    """A new request from the portal, with its files: all of it or nothing."""
    customer = customer_of(user)
    ticket, _created = ticket_create(actor=user, customer=customer, subject=subject,
                                     description=description, type=check_customer_type(type),
                                     channel="portal")
    _attach_all(ticket, user, uploads)
    return ticket


@transaction.atomic
def portal_ticket_reply(*, user: User, ticket: Ticket, body: str, uploads=()) -> Message:
    """The customer answers (a resolved or waiting ticket goes back to open)."""
    _require_own(ticket, user)
    message = ticket_reply(ticket=ticket, actor=user, body=body, channel="portal")
    _attach_all(ticket, user, uploads, message=message)
    return message


def _require_resolved(ticket: Ticket) -> None:
    if ticket.status != rules.Status.RESOLVED:
        raise ApplicationError("not_resolved", _("Only a resolved request can be confirmed or "
                                                 "reopened."), status=409)


@transaction.atomic
def portal_resolution_confirm(*, user: User, ticket: Ticket) -> str:
    """The customer confirms the resolution. Returns "closed", or "confirmed" when the
    customer's confirmation is recorded but the ticket stays resolved (a complaint closes
    only once staff have recorded its follow-up)."""
    _require_own(ticket, user)
    _require_resolved(ticket)
    if ticket.type == rules.Type.COMPLAINT:
        try:
            from kefu.workflow.services.complaint import resolution_confirm
        except ImportError:  # pragma: no cover - the complaint flow is part of kefu
            resolution_confirm = None
        if resolution_confirm is not None:
            try:
                with transaction.atomic():
                    resolution_confirm(ticket=ticket, actor=user)
            except Conflict:  # no resolution recorded yet, or already confirmed
                pass
    try:
        with transaction.atomic():
            ticket_transition(ticket=ticket, actor=user, status=rules.Status.CLOSED)
    except ApplicationError as exc:
        if exc.code != "complaint_not_ready":
            raise
        return "confirmed"
    return "closed"


@transaction.atomic
def portal_ticket_reopen(*, user: User, ticket: Ticket, reason: str = "") -> Ticket:
    """Not solved after all: back to open. What the customer writes becomes a reply (the
    conversation shows it); without words it is a status change."""
    _require_own(ticket, user)
    _require_resolved(ticket)
    if (reason or "").strip():
        ticket_reply(ticket=ticket, actor=user, body=reason, channel="portal")
    else:
        ticket_transition(ticket=ticket, actor=user, status=rules.Status.OPEN)
    return ticket
