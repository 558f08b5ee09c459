"""Loading customers for a user."""

from __future__ import annotations

from django.utils.translation import gettext as _

from kefu.accounts.access import customer_scope, scoped
from kefu.accounts.models import User
from kefu.core.errors import NotFound

from .models import Customer


def customers_for(user: User):
    return scoped(Customer.objects.all(), customer_scope(user))


PROFILE_RELATED = ("tier", "branch", "organisation", "household")


def customer_get_for(user: User, customer_id, *, related=PROFILE_RELATED,
                     only: tuple[str, ...] = ()) -> Customer:
    """The customer if the user may see them, else 404. ``related``: what to join (creating
    a ticket needs only the tier)."""
    try:
        customer_id = int(customer_id)
    except (TypeError, ValueError):
        raise NotFound(_("Customer"), customer_id)
    qs = customers_for(user).select_related(*related).filter(pk=customer_id)
    found = list((qs.only(*only) if only else qs)[:1])
    if not found:
        raise NotFound(_("Customer"), customer_id)
    return found[0]
