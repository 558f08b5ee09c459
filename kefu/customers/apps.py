from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "kefu.customers"
    label = "customers"

    def ready(self):
        from kefu.core.refcache import watch

        from . import lookups
        from .models import Customer, Tier

        watch(Tier, lookups.TIERS)
        watch(Customer, lookups.CUSTOMER_LABELS)
