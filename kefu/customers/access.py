"""Loading customers for a user."""

from __future__ import annotations

from django.utils.translation import gettext as _

from kefu.accounts.access import customer_scope, scoped
from kefu.accounts.models import User
from kefu.core.errors import NotFound

from .models import Customer


def customers_for(user: User):
    return scoped(Customer.objects.all(), customer_scope(user))


def customer_get_for(user: User, customer_id) -> Customer:
    try:
        customer_id = int(customer_id)
    except (TypeError, ValueError):
        raise NotFound(_("Customer"), customer_id)
    customer = (customers_for(user).select_related("tier", "branch", "organisation", "household")
                .filter(pk=customer_id).first())
    if customer is None:
        raise NotFound(_("Customer"), customer_id)
    return customer
