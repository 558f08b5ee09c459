"""Customers' names and tiers by id for labelling rows already scoped (list pages), from
the per-process reference cache (see kefu.core.refcache)."""

from __future__ import annotations

from kefu.core.refcache import RowCache, TableCache

#: What a list row shows of its customer: the name and the tier badge.
LABEL_FIELDS = ("name", "tier_id")


def _load_tiers() -> dict:
    from .models import Tier

    return {t.pk: t for t in Tier.objects.order_by()}


def _load_customers(ids: set) -> dict:
    from .models import Customer

    return {c.pk: c for c in Customer.objects.filter(pk__in=ids).only(*LABEL_FIELDS)}


TIERS = TableCache(_load_tiers)
CUSTOMER_LABELS = RowCache(_load_customers)


def customer_labels(ids) -> dict:
    """Customers by id, each with ``name`` and ``tier`` (a Tier) set."""
    customers = CUSTOMER_LABELS.get_many(ids)
    tiers = TIERS.covering({c.tier_id for c in customers.values()})
    for customer in customers.values():
        customer.tier = tiers[customer.tier_id]
    return customers
