"""Loading tickets for a user: the only way views and the API get a ticket."""

from __future__ import annotations

from django.utils.translation import gettext as _

from kefu.accounts.access import scoped, ticket_scope
from kefu.accounts.models import User
from kefu.core.errors import NotFound

from .models import Ticket
from .selectors import attach_relations

#: Joined to every single-ticket read; team, category and people come from the reference
#: cache (``selectors.attach_relations``): a narrow join compiles and plans in a fraction.
TICKET_RELATED = ("customer__tier",)


def tickets_for(user: User):
    return scoped(Ticket.objects.all(), ticket_scope(user))


#: ``ticket_get_for(..., with_customer_360=True)``: the customer panel's relations too.
CUSTOMER_360_RELATED = ("customer__branch", "customer__household", "customer__organisation")


def ticket_get_for(user: User, ticket_id: int, *, for_update: bool = False,
                   with_customer_360: bool = False) -> Ticket:
    """The ticket if the user may see it; otherwise 404 (we don't reveal that it exists)."""
    try:
        ticket_id = int(ticket_id)
    except (TypeError, ValueError):
        raise NotFound(_("Ticket"), ticket_id)
    related = TICKET_RELATED + CUSTOMER_360_RELATED if with_customer_360 else TICKET_RELATED
    qs = tickets_for(user).select_related(*related)
    if for_update:
        qs = qs.select_for_update(of=("self",))
    found = list(qs.filter(pk=ticket_id)[:1])  # [:1], not first(): no ORDER BY to compile
    if not found:
        raise NotFound(_("Ticket"), ticket_id)
    attach_relations(found)
    return found[0]


def ticket_after_write(ticket_id: int) -> Ticket:
    """Re-read a ticket the caller has just changed, without re-checking scope: handing a
    ticket to another branch may take it out of the actor's view, but the answer must still
    describe the change that was made."""
    ticket = Ticket.objects.select_related(*TICKET_RELATED).get(pk=ticket_id)
    attach_relations([ticket])
    return ticket
