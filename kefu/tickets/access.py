"""Loading tickets for a user: the only way views and the API get a ticket."""

from __future__ import annotations

from django.utils.translation import gettext as _

from kefu.accounts.access import scoped, ticket_scope
from kefu.accounts.models import User
from kefu.core.errors import NotFound

from .models import Ticket

TICKET_RELATED = ("customer__tier", "owner", "assignee", "team", "branch", "category__parent__parent")


def tickets_for(user: User):
    return scoped(Ticket.objects.all(), ticket_scope(user))


def ticket_get_for(user: User, ticket_id: int, *, for_update: bool = False) -> Ticket:
    """The ticket if the user may see it; otherwise 404 (we don't reveal that it exists)."""
    try:
        ticket_id = int(ticket_id)
    except (TypeError, ValueError):
        raise NotFound(_("Ticket"), ticket_id)
    qs = tickets_for(user).select_related(*TICKET_RELATED)
    if for_update:
        qs = qs.select_for_update(of=("self",))
    found = list(qs.filter(pk=ticket_id)[:1])  # [:1], not first(): no ORDER BY to compile
    if not found:
        raise NotFound(_("Ticket"), ticket_id)
    return found[0]


def ticket_after_write(ticket_id: int) -> Ticket:
    """Re-read a ticket the caller has just changed, without re-checking scope: handing a
    ticket to another branch may take it out of the actor's view, but the answer must still
    describe the change that was made."""
    return Ticket.objects.select_related(*TICKET_RELATED).get(pk=ticket_id)
